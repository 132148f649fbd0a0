import type { Command } from 'commander';
import { listTruststore } from '../../truststore/operations.js';
import type { CliContext } from '../context.js';
import { printJson } from '../output.js';
import type { Runner } from '../types.js';
import { addStoreOptions, type StoreFlags, storeRef } from './truststore-options.js';

/** `rollover truststore list FILE`: each entry's alias, subject, sha256 and notAfter. */
export function registerTruststoreList(group: Command, ctx: CliContext, run: Runner): void {
  addStoreOptions(
    group
      .command('list')
      .argument('<file>', 'PEM bundle, PKCS#12, JKS, hashed directory, or "system"')
      .description("list the store's trusted certificates"),
  )
    .option('--json', 'print as JSON')
    .action(
      run(async (file: string, o: StoreFlags & { json?: boolean }) => {
        const r = await listTruststore(await storeRef(file, o));
        if (o.json) printJson(ctx, r);
        else {
          ctx.out(`${r.file} (${r.type}): ${r.entries.length} trusted certificate(s)\n`);
          for (const e of r.entries) {
            ctx.out(
              `  ${e.alias}\n    subject   ${e.subject}\n    sha256    ${e.sha256}\n    notAfter  ${e.notAfter}${e.isCA ? '' : '  (not a CA)'}\n`,
            );
          }
          for (const k of r.privateKeys) ctx.out(`  ${k}: a private key (left untouched)\n`);
        }
        return 0;
      }),
    );
}
