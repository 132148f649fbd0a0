import type { Command } from 'commander';
import { readFileChecked } from '../../files/atomic.js';
import { CREDENTIAL_FILES } from '../../files/credential-dir.js';
import { writeFileSet } from '../../files/file-set.js';
import { createCsr } from '../../pki/csr.js';
import {
  generateKeyPair,
  parseKeyType,
  privateKeyToPem,
  readPrivateKey,
  signingKeyFrom,
} from '../../pki/keys.js';
import { crypto } from '../../pki/provider.js';
import type { CliContext } from '../context.js';
import { addPassphraseOption, collect, keyTypeOption } from '../options.js';
import { printJson } from '../output.js';
import { passphraseFrom, requirePassphrase } from '../secrets.js';
import type { Runner } from '../types.js';

/** `rollover csr create`: a key and CSR for an external CA. */
export function registerCsr(program: Command, ctx: CliContext, run: Runner): void {
  const csr = program.command('csr').description('certificate signing requests for external CAs (offline)');
  addPassphraseOption(
    csr
      .command('create')
      .description('create tls.key and tls.csr for the given host names (send tls.csr to your CA)')
      .option('--host <name>', 'DNS name (repeatable)', collect, [])
      .option('--ip <addr>', 'IP address (repeatable)', collect, [])
      .addOption(keyTypeOption())
      .option('--key <file>', 'use this existing private key instead of generating one')
      .requiredOption('--out <dir>', 'directory to write tls.key and tls.csr into')
      .option('--encrypt', 'encrypt tls.key with the passphrase')
      .option('--force', 'replace files already in --out')
      .option('--json', 'print the result as JSON'),
  ).action(
    run(async (o: CsrOptions) => {
      let keys: Awaited<ReturnType<typeof generateKeyPair>>;
      if (o.key) {
        const handle = readPrivateKey(await readFileChecked(o.key), await passphraseFrom(ctx, o));
        const { key, type } = await signingKeyFrom(handle);
        const jwk = await crypto.subtle.exportKey('jwk', key);
        delete jwk.d;
        delete jwk.p;
        delete jwk.q;
        delete jwk.dp;
        delete jwk.dq;
        delete jwk.qi;
        jwk.key_ops = ['verify'];
        const alg = key.algorithm as EcKeyImportParams;
        const publicKey = await crypto.subtle.importKey('jwk', jwk, alg, true, ['verify']);
        keys = { type, privateKey: key, publicKey };
      } else {
        keys = await generateKeyPair(parseKeyType(o.keyType));
      }
      const csrPem = await createCsr(keys, o.host, o.ip);
      const handle = readPrivateKey(new Uint8Array(await crypto.subtle.exportKey('pkcs8', keys.privateKey)));
      const passphrase = o.encrypt ? await requirePassphrase(ctx, o, 'tls.key') : undefined;
      const files = await writeFileSet(
        o.out,
        {
          [CREDENTIAL_FILES.key]: { data: privateKeyToPem(handle.keyObject, passphrase), mode: 0o600 },
          [CREDENTIAL_FILES.csr]: { data: csrPem, mode: 0o644 },
        },
        { force: o.force ?? false, guard: [CREDENTIAL_FILES.key, CREDENTIAL_FILES.csr] },
      );
      if (o.json) printJson(ctx, { out: o.out, files, keyType: keys.type });
      else
        ctx.out(
          `wrote ${files.join(', ')}\nsend tls.csr to your CA, then: rollover cert import --key ${files[0]} --cert …\n`,
        );
      return 0;
    }),
  );
}

interface CsrOptions {
  host: string[];
  ip: string[];
  keyType: string;
  key?: string;
  out: string;
  encrypt?: boolean;
  force?: boolean;
  json?: boolean;
  passphraseFile?: string;
}
