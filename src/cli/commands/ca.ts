import type { Command } from 'commander';
import { readCaDir, writeCaDir } from '../../files/ca-dir.js';
import { createCa } from '../../pki/authority.js';
import { describeCertificate } from '../../pki/inspect.js';
import { parseKeyType } from '../../pki/keys.js';
import type { CliContext } from '../context.js';
import { addPassphraseOption, keyTypeOption, positiveInt } from '../options.js';
import { printJson } from '../output.js';
import { passphraseFrom, requirePassphrase } from '../secrets.js';
import type { Runner } from '../types.js';
import { registerCaCrossSign } from './ca-cross-sign.js';

/** `rollover ca create`: a root CA, or an intermediate with `--issuer`. */
export function registerCa(program: Command, ctx: CliContext, run: Runner): void {
  const ca = program.command('ca').description('certificate authorities (offline)');
  addPassphraseOption(
    ca
      .command('create')
      .description('create a root CA (or an intermediate CA with --issuer) in a CA directory: ca.crt, ca.key')
      .requiredOption('--subject <dn>', 'distinguished name, for example "CN=Example Root 2026,O=Example"')
      .addOption(keyTypeOption('ec-p384'))
      .requiredOption('--days <n>', 'validity in days', positiveInt)
      .requiredOption('--out <dir>', 'CA directory to write')
      .option('--issuer <dir>', 'CA directory of the issuing CA: makes an intermediate CA')
      .option('--path-length <n>', 'basicConstraints path length', (v) => Number.parseInt(v, 10))
      .option('--crl-url <url>', 'CRL distribution point to put into the intermediate (with --issuer)')
      .option('--ocsp-url <url>', 'OCSP responder URL (authority information access) for the intermediate')
      .option('--no-encrypt', 'write ca.key unencrypted (not recommended)')
      .option('--force', 'replace a CA already in --out')
      .option('--json', 'print the result as JSON'),
  ).action(
    run(async (o: CaCreateOptions) => {
      const passphrase = o.encrypt ? await requirePassphrase(ctx, o, 'ca.key') : undefined;
      const issuer = o.issuer ? await readCaDir(o.issuer, await passphraseFrom(ctx, o)) : undefined;
      const material = await createCa({
        subject: o.subject,
        keyType: parseKeyType(o.keyType),
        days: o.days,
        now: ctx.now(),
        ...(issuer ? { issuer } : {}),
        ...(o.pathLength !== undefined ? { pathLength: o.pathLength } : {}),
        revocation: { crlUrl: o.crlUrl, ocspUrl: o.ocspUrl },
      });
      const files = await writeCaDir(o.out, material, passphrase, { force: o.force ?? false });
      const d = describeCertificate(material.cert);
      if (o.json) printJson(ctx, { out: o.out, files, encrypted: o.encrypt, certificate: d });
      else {
        ctx.out(`${issuer ? 'intermediate' : 'root'} CA written to ${o.out}\n`);
        ctx.out(`  subject  ${d.subject}\n  sha256   ${d.sha256}\n  expires  ${d.notAfter}\n`);
        ctx.out(`  ca.key   ${o.encrypt ? 'encrypted (PKCS#8, AES-256-CBC)' : 'NOT encrypted'}\n`);
      }
      return 0;
    }),
  );
  registerCaCrossSign(ca, ctx, run);
}

interface CaCreateOptions {
  subject: string;
  keyType: string;
  days: number;
  out: string;
  issuer?: string;
  pathLength?: number;
  crlUrl?: string;
  ocspUrl?: string;
  encrypt: boolean;
  force?: boolean;
  json?: boolean;
  passphraseFile?: string;
}
