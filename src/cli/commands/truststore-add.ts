import type { Command } from 'commander';
import { readFileChecked } from '../../files/atomic.js';
import { readCertificateDers } from '../../pki/formats/pem.js';
import { fail } from '../../shared/errors.js';
import { parsedCertFacts } from '../../truststore/anchor.js';
import { addToTruststore, type ChangeReport } from '../../truststore/operations.js';
import type { CliContext } from '../context.js';
import { printJson } from '../output.js';
import type { Runner } from '../types.js';
import { addStoreOptions, type StoreFlags, storeRef } from './truststore-options.js';

/** Prints a change report for people. */
export function printChange(ctx: CliContext, r: ChangeReport): void {
  ctx.out(`${r.file} (${r.type}): ${r.message}\n`);
  for (const b of r.backups) ctx.out(`  backup   ${b}\n`);
  for (const c of r.ran) ctx.out(`  ran      ${c}\n`);
}

/** `rollover truststore add FILE CERT`: idempotent; refuses a leaf unless --allow-leaf. */
export function registerTruststoreAdd(group: Command, ctx: CliContext, run: Runner): void {
  addStoreOptions(
    group
      .command('add')
      .argument('<file>', 'PEM bundle, PKCS#12, JKS, hashed directory, or "system" (created when new)')
      .argument('<cert>', 'the CA certificate to trust (PEM or DER, one certificate)')
      .description(
        'add a CA certificate (the new root) to a truststore; nothing changes when it is already there',
      ),
  )
    .option('--alias <alias>', 'entry name (default: from the CN)')
    .option('--allow-leaf', 'accept a certificate that is not a CA (pinning)')
    .option('--allow-private-keys', 'edit a store that also holds private keys (they are left untouched)')
    .option('--dry-run', 'show the change without writing')
    .option('--json', 'print as JSON')
    .action(
      run(
        async (
          file: string,
          certFile: string,
          o: StoreFlags & {
            alias?: string;
            allowLeaf?: boolean;
            allowPrivateKeys?: boolean;
            dryRun?: boolean;
            json?: boolean;
          },
        ) => {
          const ders = readCertificateDers(await readFileChecked(certFile));
          if (ders.length !== 1) {
            fail(
              'BAD_CERTIFICATE',
              `${certFile} holds ${ders.length} certificates: give the one root to trust`,
            );
          }
          const r = await addToTruststore(await storeRef(file, o), parsedCertFacts(ders[0]!), {
            ...(o.alias !== undefined ? { alias: o.alias } : {}),
            allowLeaf: Boolean(o.allowLeaf),
            allowPrivateKeys: Boolean(o.allowPrivateKeys),
            dryRun: Boolean(o.dryRun),
            now: ctx.now(),
          });
          if (o.json) printJson(ctx, r);
          else printChange(ctx, r);
          return 0;
        },
      ),
    );
}
