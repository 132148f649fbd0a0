import type { Command } from 'commander';
import { readFileChecked } from '../../files/atomic.js';
import { readCertificateDers } from '../../pki/formats/pem.js';
import { certFacts } from '../../truststore/anchor.js';
import { checkFailure, checkTruststore } from '../../truststore/operations.js';
import { normalizeSha256 } from '../../truststore/plan.js';
import type { CliContext } from '../context.js';
import { printJson } from '../output.js';
import type { Runner } from '../types.js';
import { addStoreOptions, collectValues, type StoreFlags, storeRef } from './truststore-options.js';

/** A `--contains` value: a SHA-256 fingerprint, or a certificate file. */
async function fingerprintOf(value: string): Promise<string> {
  if (/^[0-9a-fA-F:]{64,95}$/.test(value)) return normalizeSha256(value);
  return certFacts(readCertificateDers(await readFileChecked(value))[0]!).sha256;
}

/** `rollover truststore check FILE`: health (keys, links, bundle, validity) and `--contains` roots. */
export function registerTruststoreCheck(group: Command, ctx: CliContext, run: Runner): void {
  addStoreOptions(
    group
      .command('check')
      .argument('<file>', 'PEM bundle, PKCS#12, JKS, hashed directory, or "system"')
      .description(
        'check a truststore: readable, no private keys, links and bundle up to date, holds the given roots',
      ),
  )
    .option('--contains <sha256-or-file>', 'fail unless this root is trusted (repeatable)', collectValues, [])
    .option('--json', 'print as JSON')
    .action(
      run(async (file: string, o: StoreFlags & { contains: string[]; json?: boolean }) => {
        const contains = await Promise.all(o.contains.map(fingerprintOf));
        const r = await checkTruststore(await storeRef(file, o), { contains, now: ctx.now() });
        if (o.json) printJson(ctx, r);
        else {
          ctx.out(`${r.file} (${r.type}): ${r.anchors} anchor(s), ${r.ok ? 'ok' : 'NOT OK'}\n`);
          for (const p of r.problems)
            ctx.out(`  ${p.severity === 'error' ? '✗' : '!'} ${p.code}: ${p.message}\n`);
        }
        if (!r.ok) {
          if (o.json) return 1;
          checkFailure(r);
        }
        return 0;
      }),
    );
}
