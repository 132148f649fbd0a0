import { promises as fs } from 'node:fs';
import { type Command, Option } from 'commander';
import { exists, writeFileAtomic } from '../../files/atomic.js';
import { readCredentialDir } from '../../files/credential-dir.js';
import { subjectAltNames } from '../../pki/certificate.js';
import { encodeCertificatesPem } from '../../pki/formats/pem.js';
import { encodePkcs12Keystore } from '../../pki/formats/pkcs12.js';
import { dn } from '../../pki/inspect.js';
import { keyMatchesCert, privateKeyToPem } from '../../pki/keys.js';
import { fail } from '../../shared/errors.js';
import type { CliContext } from '../context.js';
import { addPassphraseOption, addPasswordOptions } from '../options.js';
import { printJson } from '../output.js';
import { passphraseFrom, passwordFrom } from '../secrets.js';
import type { Runner } from '../types.js';

interface ExportOptions {
  credential: string;
  format: 'pkcs12' | 'pem';
  out: string;
  password?: string;
  passwordFile?: string;
  passphraseFile?: string;
  force?: boolean;
  json?: boolean;
}

/** `rollover cert export`: a credential as a PKCS#12 keystore or one combined PEM, for data planes that want one. */
export function registerCertExport(cert: Command, ctx: CliContext, run: Runner): void {
  addPassphraseOption(
    addPasswordOptions(
      cert
        .command('export')
        .description('export a credential as a PKCS#12 keystore (key + full chain) or one combined PEM')
        .requiredOption('--credential <dir>', 'credential directory (tls.key, tls.crt, ca.crt)')
        .addOption(
          new Option('--format <format>', 'output format').choices(['pkcs12', 'pem']).makeOptionMandatory(),
        )
        .requiredOption('--out <file>', 'file to write (mode 0600)'),
      'keystore password (PKCS#12: required; PEM: encrypts the key)',
    ),
  )
    .option('--force', 'replace --out when it exists')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (o: ExportOptions) => {
        const password = await passwordFrom(o);
        if (o.format === 'pkcs12' && !password) {
          fail('BAD_ARGUMENT', 'a PKCS#12 keystore needs a password: give --password or --password-file');
        }
        if (!o.force && (await exists(o.out))) {
          fail('FILE_EXISTS', `${o.out} already exists: choose another --out or add --force to replace it`, {
            path: o.out,
          });
        }
        const cred = await readCredentialDir(o.credential, await passphraseFrom(ctx, o));
        const leaf = cred.chain[0];
        if (!leaf) return fail('BAD_CERTIFICATE', `${o.credential}/tls.crt holds no certificate`);
        if (!keyMatchesCert(cred.key, leaf)) {
          fail('KEY_MISMATCH', `${o.credential}/tls.key does not belong to the certificate in tls.crt`);
        }
        // The keystore carries the full chain up to the root, as keytool builds it from a CA reply.
        const full = cred.chain.some((c) => c.sha256 === cred.root.sha256)
          ? cred.chain
          : [...cred.chain, cred.root];
        const alias = (
          /(?:^|, )CN=([^,]+)/.exec(dn(leaf.x.subject))?.[1] ??
          subjectAltNames(leaf).dns[0] ??
          'server'
        )
          .trim()
          .toLowerCase();
        const data =
          o.format === 'pkcs12'
            ? await encodePkcs12Keystore(
                cred.key.pkcs8,
                full.map((c) => c.der),
                password as string,
                alias,
              )
            : encodeCertificatesPem(cred.chain.map((c) => c.der)) +
              privateKeyToPem(cred.key.keyObject, password);
        const backup = await writeFileAtomic(o.out, data, { mode: 0o600, backup: true, now: ctx.now() });
        // An existing file keeps its mode on replace; a key file must not stay readable by others.
        await fs.chmod(o.out, 0o600);
        const result = {
          out: o.out,
          format: o.format,
          ...(o.format === 'pkcs12' ? { alias } : {}),
          certificates: (o.format === 'pkcs12' ? full : cred.chain).length,
          keyEncrypted: password !== undefined,
          ...(backup ? { backup } : {}),
        };
        if (o.json) printJson(ctx, result);
        else {
          ctx.out(
            o.format === 'pkcs12'
              ? `PKCS#12 keystore written to ${o.out}: key and ${full.length} certificates under alias "${alias}"\n`
              : `combined PEM written to ${o.out}: ${cred.chain.length} certificates and the ${password ? 'encrypted ' : ''}key\n`,
          );
          if (backup) ctx.out(`  previous file kept as ${backup}\n`);
        }
        return 0;
      }),
    );
}
