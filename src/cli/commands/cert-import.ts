import type { Command } from 'commander';
import { readFileChecked } from '../../files/atomic.js';
import { writeCredentialDir } from '../../files/credential-dir.js';
import { readCertificates, readOneCertificate, subjectAltNames } from '../../pki/certificate.js';
import { assertCredential, buildPath } from '../../pki/checks.js';
import { assertBridgeFor } from '../../pki/cross-sign.js';
import { readPrivateKey } from '../../pki/keys.js';
import { parseDuration } from '../../shared/duration.js';
import { fail, isRolloverError } from '../../shared/errors.js';
import { parseInstant } from '../../shared/time.js';
import type { CliContext } from '../context.js';
import { addPassphraseOption, collect } from '../options.js';
import { printJson } from '../output.js';
import { passphraseFrom, requirePassphrase } from '../secrets.js';
import type { Runner } from '../types.js';
import { printChecks } from './cert-check.js';

/** Reads and parses one file the user passed; a parse error names that file. */
async function fromFile<T>(file: string, parse: (data: Buffer) => T): Promise<T> {
  const data = await readFileChecked(file);
  try {
    return parse(data);
  } catch (e) {
    if (isRolloverError(e)) fail(e.code, `${file}: ${e.message}`, e.details);
    throw e;
  }
}

/** `rollover cert import`: a key and certificate from an external CA, checked, into a credential directory. */
export function registerCertImport(cert: Command, ctx: CliContext, run: Runner): void {
  addPassphraseOption(
    cert
      .command('import')
      .description(
        'import a key and certificate from an external CA into a credential directory (checked first)',
      )
      .requiredOption('--key <file>', 'the private key (for example tls.key from `csr create`)')
      .requiredOption('--cert <file>', 'the certificate the CA returned (may hold the chain too)')
      .option('--chain <file>', 'intermediate certificates (repeatable)', collect, [])
      .requiredOption('--root <file>', 'the root the chain must build to')
      .option('--host <name>', 'host names the credential must cover (default: its own SANs)', collect, [])
      .option('--valid-at <time>', 'instant it must be valid at (RFC 3339 with a zone; default: now)')
      .option('--valid-for <duration>', 'how long after that it must stay valid')
      .requiredOption('--out <dir>', 'credential directory to write')
      .option('--bridge <file>', 'a bridge from `ca cross-sign` for --root, served after the chain')
      .option('--encrypt', 'encrypt tls.key with the passphrase')
      .option('--force', 'replace a credential already in --out')
      .option('--json', 'print the result as JSON'),
  ).action(
    run(async (o: ImportOptions) => {
      const keyPassphrase = await passphraseFrom(ctx, o);
      const key = await fromFile(o.key, (b) => readPrivateKey(b, keyPassphrase));
      const given = await fromFile(o.cert, readCertificates);
      for (const f of o.chain) given.push(...(await fromFile(f, readCertificates)));
      const root = await fromFile(o.root, (b) => readOneCertificate(b, 'root certificate'));
      // The leaf is the certificate whose key we hold; order the rest along the path to the root.
      const leafIndex = given.findIndex((c) => c.node.checkPrivateKey(key.keyObject));
      const leaf = given[Math.max(leafIndex, 0)]!;
      const others = given.filter((c) => c !== leaf && c.sha256 !== root.sha256);
      const path = buildPath([leaf, ...others], root);
      const chain = 'path' in path ? path.path.filter((c) => c.sha256 !== root.sha256) : [leaf, ...others];
      const { dns, ip } = subjectAltNames(leaf);
      const hosts = o.host.length ? o.host : [...dns, ...ip];
      const checks = assertCredential({
        key,
        chain,
        root,
        hosts,
        validAt: o.validAt ? parseInstant(o.validAt) : ctx.now(),
        validForMs: o.validFor ? parseDuration(o.validFor) : 0,
        // Name only the files the user passed (never tls.key or tls.crt, which do not exist yet).
        names: { key: o.key, chain: [o.cert, ...o.chain].join(' or ') },
      });
      if (o.bridge) {
        const bridge = await fromFile(o.bridge, (b) => readOneCertificate(b, 'bridge certificate'));
        assertBridgeFor(bridge, root, ctx.now());
        // Served last: clients trusting the bridge's issuer go through it, the others stop at --root.
        chain.push(bridge);
      }
      const passphrase = o.encrypt ? await requirePassphrase(ctx, o, 'tls.key') : undefined;
      const files = await writeCredentialDir(
        o.out,
        { key, chain, root },
        { force: o.force ?? false, ...(passphrase ? { passphrase } : {}) },
      );
      if (o.json)
        printJson(ctx, { out: o.out, files, leafSha256: leaf.sha256, rootSha256: root.sha256, checks });
      else {
        printChecks(ctx, checks);
        ctx.out(`imported into ${o.out} (tls.key, tls.crt, ca.crt)\n`);
      }
      return 0;
    }),
  );
}

interface ImportOptions {
  key: string;
  cert: string;
  chain: string[];
  root: string;
  host: string[];
  validAt?: string;
  validFor?: string;
  out: string;
  bridge?: string;
  encrypt?: boolean;
  force?: boolean;
  json?: boolean;
  passphraseFile?: string;
}
