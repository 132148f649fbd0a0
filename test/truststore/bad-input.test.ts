/**
 * Bad input, table-driven: every case must end with its stable code in `error[CODE]`, a message a
 * person can act on, a non-zero exit, and the store's directory byte-identical (names and contents,
 * so no stray backup or temp file either). Tests run as root, so "read-only" is made real with
 * `chattr +i` (immutable: even root's writes fail) and with a mode without any write bit.
 *
 * The immutable cases run where the temp directory's file system takes `chattr +i` and the process
 * may set it: root (CAP_LINUX_IMMUTABLE) on ext4, xfs or btrfs — the CI machine (ext4 /tmp, root)
 * and Debian laptops. Elsewhere (tmpfs or overlayfs /tmp, a container without the capability, a
 * non-root run) each is reported as skipped, with the probe's reason, never dropped silently.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  chmodSync,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { encodeJksTruststore } from '../../src/pki/formats/jks.js';
import { encodePem } from '../../src/pki/formats/pem.js';
import { encodePkcs12Truststore } from '../../src/pki/formats/pkcs12.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { onFileEnd } from '../kit/cleanup.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { startPlainHttp, startSilent } from './servers.js';

const base = tempDir('rollover-ts-bad-');
const PW = 'changeit';
const f: Record<string, string> = {};
let selfSigned = 0;
let plain = 0;
let silent = 0;
let storeN = 0;

/** A fresh directory per case holding a copy of the named fixture. */
function fresh(fixture: string, name = fixture): { dir: string; file: string } {
  const dir = join(base, `case-${++storeN}`);
  mkdirSync(dir);
  copyFileSync(f[fixture]!, join(dir, name));
  return { dir, file: join(dir, name) };
}

/** A digest of a directory tree: names, link targets, modes and contents. */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      const st = lstatSync(p);
      h.update(`${p}\0${st.mode}\0`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(dir);
  return h.digest('hex');
}

function chattr(flag: '+i' | '-i', path: string): void {
  execFileSync('chattr', [flag, path]);
}

/** Why `chattr +i` cannot be used here (tmpfs on some CI machines, no root), or undefined when it can. */
const NO_CHATTR = (() => {
  const probe = join(base, 'chattr-probe');
  try {
    writeFileSync(probe, 'x');
    chattr('+i', probe);
    chattr('-i', probe);
    return undefined;
  } catch (e) {
    const why = ((e as { stderr?: Buffer }).stderr?.toString() || (e as Error).message).trim();
    return `chattr +i does not work on ${base} (${why.split('\n')[0]})`;
  }
})();

before(async () => {
  const root = await mintRoot('Bad Input Root');
  const other = await mintRoot('Bad Input Other Root');
  const cred = await mintCredential(root, ['lb.test']);
  const w = (name: string, data: string | Uint8Array) => {
    f[name] = join(base, name);
    writeFileSync(f[name]!, data);
  };
  w('root.pem', encodePem('CERTIFICATE', root.cert.der));
  w('other.pem', encodePem('CERTIFICATE', other.cert.der));
  w('leaf.pem', encodePem('CERTIFICATE', cred.chain[0]!.der));
  w('key.pem', privateKeyToPem(cred.key.keyObject));
  w('bundle.pem', `# alias: root\n${encodePem('CERTIFICATE', root.cert.der)}`);
  w(
    'bundle-with-key.pem',
    `${encodePem('CERTIFICATE', root.cert.der)}${privateKeyToPem(cred.key.keyObject)}`,
  );
  w(
    'bundle-pubkey.pem',
    `${encodePem('CERTIFICATE', root.cert.der)}${encodePem('PUBLIC KEY', new Uint8Array(64).fill(1))}`,
  );
  const pem = encodePem('CERTIFICATE', root.cert.der);
  w('truncated.pem', pem.slice(0, pem.length - 40));
  w('bad-base64.pem', pem.replace(/\n([A-Za-z0-9+/]{10})/, '\n!!!!!!!!!!'));
  w('garbage-der.pem', encodePem('CERTIFICATE', new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05])));
  w(
    'random.bin',
    new Uint8Array(200).map((_, i) => (i * 73 + 11) & 0xff),
  );
  w('jceks.bin', new Uint8Array([0xce, 0xce, 0xce, 0xce, 0, 0, 0, 2, 0, 0, 0, 0]));
  w('root.der', root.cert.der);
  const p12 = await encodePkcs12Truststore([{ alias: 'root', cert: root.cert.der }], PW);
  w('store.p12', p12);
  w('truncated.p12', p12.subarray(0, p12.length - 30));
  const tampered = new Uint8Array(p12);
  tampered[Math.floor(p12.length / 2)]! ^= 0xff;
  w('tampered.p12', tampered);
  const jks = encodeJksTruststore([{ alias: 'root', cert: root.cert.der }], PW, new Date());
  w('store.jks', jks);
  w('truncated.jks', jks.subarray(0, jks.length - 30));
  const tj = new Uint8Array(jks);
  tj[60]! ^= 0x01;
  w('tampered.jks', tj);
  w('password.txt', 'wrong-password\n');
  w('status-bad.json', JSON.stringify({ state: 'announced' }));
  mkdirSync(join(base, 'capath'));
  copyFileSync(f['root.pem']!, join(base, 'capath', 'root.pem'));
  execFileSync('openssl', ['rehash', join(base, 'capath')]);
  f['capath'] = join(base, 'capath');

  // A TLS server with a self-signed certificate (made by openssl, outside rollover's PKI).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '2',
      '-keyout',
      join(base, 'ss.key'),
      '-out',
      join(base, 'ss.crt'),
    ],
    { stdio: 'ignore' },
  );
  const server = https.createServer(
    { key: readFileSync(join(base, 'ss.key')), cert: readFileSync(join(base, 'ss.crt')) },
    (_q, r) => r.end('ok'),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onFileEnd(() => {
    server.closeAllConnections();
    server.close();
  });
  selfSigned = (server.address() as AddressInfo).port;
  plain = await startPlainHttp();
  silent = await startSilent();
});

interface Case {
  name: string;
  /** Prepares a store; returns the directory to watch and the CLI arguments. */
  setup: () => { dir: string; args: string[]; cleanup?: () => void };
  code: string;
  exit?: number;
  /** Needs `chattr +i` (skipped, and said so, where the file system lacks it). */
  immutable?: boolean;
}

const sha = () => createHash('sha256').update(readFileSync(f['other.pem']!)).digest('hex');
const store = (fixture: string, args: (file: string) => string[], name?: string) => () => {
  const { dir, file } = fresh(fixture, name);
  return { dir, args: args(file) };
};

const CASES: Case[] = [
  {
    name: 'PKCS#12 with a wrong password',
    setup: store('store.p12', (s) => ['truststore', 'add', s, f['other.pem']!, '--password', 'nope']),
    code: 'WRONG_PASSWORD',
  },
  {
    name: 'PKCS#12 with a wrong password from --password-file',
    setup: store('store.p12', (s) => ['truststore', 'list', s, '--password-file', f['password.txt']!]),
    code: 'WRONG_PASSWORD',
  },
  {
    name: 'PKCS#12 without a password',
    setup: store('store.p12', (s) => ['truststore', 'list', s]),
    code: 'PASSWORD_REQUIRED',
  },
  {
    name: 'JKS with a wrong password',
    setup: store('store.jks', (s) => ['truststore', 'add', s, f['other.pem']!, '--password', 'nope']),
    code: 'WRONG_PASSWORD',
  },
  {
    name: 'JKS add without a password',
    setup: store('store.jks', (s) => ['truststore', 'add', s, f['other.pem']!]),
    code: 'PASSWORD_REQUIRED',
  },
  {
    name: 'a truncated PKCS#12',
    setup: store('truncated.p12', (s) => ['truststore', 'list', s, '--password', PW], 'x.p12'),
    code: 'BAD_KEYSTORE',
  },
  {
    name: 'a tampered PKCS#12 (its MAC no longer matches)',
    setup: store('tampered.p12', (s) => ['truststore', 'add', s, f['other.pem']!, '--password', PW], 'x.p12'),
    code: 'WRONG_PASSWORD',
  },
  {
    name: 'a truncated JKS',
    setup: store(
      'truncated.jks',
      (s) => ['truststore', 'add', s, f['other.pem']!, '--password', PW],
      'x.jks',
    ),
    code: 'BAD_KEYSTORE',
  },
  {
    name: 'a tampered JKS (its digest no longer matches)',
    setup: store('tampered.jks', (s) => ['truststore', 'add', s, f['other.pem']!, '--password', PW], 'x.jks'),
    code: 'WRONG_PASSWORD',
  },
  {
    name: 'a truncated PEM bundle',
    setup: store('truncated.pem', (s) => ['truststore', 'add', s, f['other.pem']!]),
    code: 'BAD_PEM',
  },
  {
    name: 'a PEM bundle with broken base64',
    setup: store('bad-base64.pem', (s) => ['truststore', 'add', s, f['other.pem']!]),
    code: 'BAD_PEM',
  },
  {
    name: 'a PEM block that is not DER of a certificate',
    setup: store('garbage-der.pem', (s) => ['truststore', 'list', s]),
    code: 'BAD_CERTIFICATE',
  },
  {
    name: 'a PEM bundle with a PUBLIC KEY block',
    setup: store('bundle-pubkey.pem', (s) => ['truststore', 'add', s, f['other.pem']!]),
    code: 'BAD_PEM',
  },
  {
    name: 'an unsupported format (random bytes)',
    setup: store('random.bin', (s) => ['truststore', 'add', s, f['other.pem']!]),
    code: 'UNSUPPORTED_FORMAT',
  },
  {
    name: 'a JCEKS store',
    setup: store('jceks.bin', (s) => ['truststore', 'list', s, '--password', PW]),
    code: 'UNSUPPORTED_FORMAT',
  },
  {
    name: 'a single DER certificate given as the store',
    setup: store('root.der', (s) => ['truststore', 'add', s, f['other.pem']!]),
    code: 'UNSUPPORTED_FORMAT',
  },
  {
    name: 'an unknown --type',
    setup: store('bundle.pem', (s) => ['truststore', 'list', s, '--type', 'bks']),
    code: 'BAD_ARGUMENT',
    exit: 2,
  },
  {
    name: 'a duplicate alias in a PEM bundle',
    setup: store('bundle.pem', (s) => ['truststore', 'add', s, f['other.pem']!, '--alias', 'ROOT']),
    code: 'ALIAS_EXISTS',
  },
  {
    name: 'a duplicate alias in a PKCS#12',
    setup: store('store.p12', (s) => [
      'truststore',
      'add',
      s,
      f['other.pem']!,
      '--alias',
      'root',
      '--password',
      PW,
    ]),
    code: 'ALIAS_EXISTS',
  },
  {
    name: 'a duplicate alias in a JKS',
    setup: store('store.jks', (s) => [
      'truststore',
      'add',
      s,
      f['other.pem']!,
      '--alias',
      'Root',
      '--password',
      PW,
    ]),
    code: 'ALIAS_EXISTS',
  },
  {
    name: 'a private key given as the certificate to add',
    setup: store('bundle.pem', (s) => ['truststore', 'add', s, f['key.pem']!]),
    code: 'BAD_PEM',
  },
  {
    name: 'a leaf certificate without --allow-leaf',
    setup: store('bundle.pem', (s) => ['truststore', 'add', s, f['leaf.pem']!]),
    code: 'NOT_A_CA_CERT',
  },
  {
    name: 'add to a PEM bundle holding a private key',
    setup: store('bundle-with-key.pem', (s) => ['truststore', 'add', s, f['other.pem']!]),
    code: 'PRIVATE_KEY_IN_TRUSTSTORE',
  },
  {
    name: 'check of a PEM bundle holding a private key',
    setup: store('bundle-with-key.pem', (s) => ['truststore', 'check', s]),
    code: 'PRIVATE_KEY_IN_TRUSTSTORE',
  },
  {
    name: 'remove from a hashed directory holding a private key',
    setup: () => {
      const dir = join(base, `case-${++storeN}`);
      execFileSync('cp', ['-a', f['capath']!, dir]);
      copyFileSync(f['key.pem']!, join(dir, 'server-key.pem'));
      return { dir, args: ['truststore', 'remove', dir, '--alias', 'root'] };
    },
    code: 'PRIVATE_KEY_IN_TRUSTSTORE',
  },
  {
    name: 'a read-only file (mode 0444)',
    setup: () => {
      const { dir, file } = fresh('bundle.pem');
      chmodSync(file, 0o444);
      return { dir, args: ['truststore', 'add', file, f['other.pem']!] };
    },
    code: 'NOT_WRITABLE',
  },
  {
    name: 'an immutable PEM bundle (chattr +i)',
    setup: () => {
      const { dir, file } = fresh('bundle.pem');
      chattr('+i', file);
      return { dir, args: ['truststore', 'add', file, f['other.pem']!], cleanup: () => chattr('-i', file) };
    },
    code: 'NOT_WRITABLE',
    immutable: true,
  },
  {
    name: 'an immutable PKCS#12 (chattr +i)',
    setup: () => {
      const { dir, file } = fresh('store.p12');
      chattr('+i', file);
      return {
        dir,
        args: ['truststore', 'add', file, f['other.pem']!, '--password', PW],
        cleanup: () => chattr('-i', file),
      };
    },
    code: 'NOT_WRITABLE',
    immutable: true,
  },
  {
    name: 'a bundle in a directory without write permission (mode 0555)',
    setup: () => {
      const { dir, file } = fresh('bundle.pem');
      chmodSync(dir, 0o555);
      return {
        dir,
        args: ['truststore', 'add', file, f['other.pem']!],
        cleanup: () => chmodSync(dir, 0o755),
      };
    },
    code: 'NOT_WRITABLE',
  },
  {
    name: 'a JKS in an immutable directory (chattr +i)',
    setup: () => {
      const { dir, file } = fresh('store.jks');
      chattr('+i', dir);
      return {
        dir,
        args: ['truststore', 'remove', file, '--alias', 'root', '--password', PW],
        cleanup: () => chattr('-i', dir),
      };
    },
    code: 'NOT_WRITABLE',
    immutable: true,
  },
  {
    name: 'an immutable hashed directory',
    setup: () => {
      const dir = join(base, `case-${++storeN}`);
      execFileSync('cp', ['-a', f['capath']!, dir]);
      chattr('+i', dir);
      return { dir, args: ['truststore', 'add', dir, f['other.pem']!], cleanup: () => chattr('-i', dir) };
    },
    code: 'NOT_WRITABLE',
    immutable: true,
  },
  {
    name: 'remove of a fingerprint not in the store',
    setup: store('bundle.pem', (s) => ['truststore', 'remove', s, '--fingerprint', sha()]),
    code: 'ENTRY_NOT_FOUND',
  },
  {
    name: 'remove with a malformed fingerprint',
    setup: store('bundle.pem', (s) => ['truststore', 'remove', s, '--fingerprint', 'abc:def']),
    code: 'BAD_ARGUMENT',
    exit: 2,
  },
  {
    name: 'remove --force without --reason',
    setup: store('bundle.pem', (s) => ['truststore', 'remove', s, '--alias', 'root', '--force']),
    code: 'BAD_ARGUMENT',
    exit: 2,
  },
  {
    name: 'a renewal status without the needed fields',
    setup: store('bundle.pem', (s) => [
      'truststore',
      'remove',
      s,
      '--alias',
      'root',
      '--renewal-status',
      f['status-bad.json']!,
    ]),
    code: 'BAD_ARGUMENT',
    exit: 2,
  },
  {
    name: 'a store that does not exist',
    setup: () => ({
      dir: join(base, 'capath'),
      args: ['truststore', 'list', join(base, 'nope', 'missing.p12'), '--password', PW],
    }),
    code: 'FILE_NOT_FOUND',
  },
  {
    name: 'verify against a URL that does not answer',
    setup: store('bundle.pem', (s) => [
      'sender',
      'verify',
      '--truststore',
      s,
      '--url',
      `https://127.0.0.1:${silent}`,
      '--timeout',
      '300',
    ]),
    code: 'CONNECT_FAILED',
  },
  {
    name: 'verify against a plain-HTTP port',
    setup: store('bundle.pem', (s) => [
      'sender',
      'verify',
      '--truststore',
      s,
      '--url',
      `https://127.0.0.1:${plain}`,
    ]),
    code: 'NOT_TLS',
  },
  {
    name: 'verify against a TLS server with a self-signed certificate',
    setup: store('bundle.pem', (s) => [
      'sender',
      'verify',
      '--truststore',
      s,
      '--url',
      `https://127.0.0.1:${selfSigned}`,
    ]),
    code: 'UNKNOWN_CA',
  },
  {
    name: 'verify with an http:// URL',
    setup: store('bundle.pem', (s) => [
      'sender',
      'verify',
      '--truststore',
      s,
      '--url',
      `http://127.0.0.1:${plain}`,
    ]),
    code: 'BAD_ARGUMENT',
    exit: 2,
  },
  {
    name: 'remove --keeps-trusting a server that does not answer',
    setup: store('bundle.pem', (s) => [
      'truststore',
      'remove',
      s,
      '--alias',
      'root',
      '--keeps-trusting',
      `https://127.0.0.1:${silent}`,
      '--timeout',
      '300',
    ]),
    code: 'REMOVAL_UNSAFE',
  },
  {
    name: 'add to a dangling symbolic link (it is not replaced by a new store)',
    setup: () => {
      const dir = join(base, `case-${++storeN}`);
      mkdirSync(dir);
      symlinkSync(join(dir, 'gone', 'cacerts.pem'), join(dir, 'cacerts.pem'));
      return { dir, args: ['truststore', 'add', join(dir, 'cacerts.pem'), f['other.pem']!] };
    },
    code: 'LINK_UNSAFE',
  },
  {
    name: 'add to a PKCS#12 behind a dangling relative link',
    setup: () => {
      const dir = join(base, `case-${++storeN}`);
      mkdirSync(dir);
      symlinkSync('../nowhere/cacerts', join(dir, 'cacerts'));
      return {
        dir,
        args: [
          'truststore',
          'add',
          join(dir, 'cacerts'),
          f['other.pem']!,
          '--type',
          'pkcs12',
          '--password',
          PW,
        ],
      };
    },
    code: 'LINK_UNSAFE',
  },
  {
    name: 'add to a bundle with a second hard link (the other name would keep the old roots)',
    setup: () => {
      const { dir, file } = fresh('bundle.pem');
      linkSync(file, join(dir, 'also.pem'));
      return { dir, args: ['truststore', 'add', file, f['other.pem']!] };
    },
    code: 'LINK_UNSAFE',
  },
  {
    name: '/dev/zero given as the certificate to add',
    setup: store('bundle.pem', (s) => ['truststore', 'add', s, '/dev/zero']),
    code: 'FILE_TOO_LARGE',
  },
  {
    name: '/dev/zero given as a PEM store',
    setup: store('bundle.pem', () => ['truststore', 'list', '/dev/zero', '--type', 'pem']),
    code: 'FILE_TOO_LARGE',
  },
  {
    name: 'a 17 MiB file given as the store',
    setup: () => {
      const { dir, file } = fresh('bundle.pem', 'huge.pem');
      truncateSync(file, 17 * 1024 * 1024);
      return { dir, args: ['truststore', 'add', file, f['other.pem']!] };
    },
    code: 'FILE_TOO_LARGE',
  },
  {
    name: 'a 17 MiB file given as the certificate to inspect',
    setup: () => {
      const { dir, file } = fresh('bundle.pem', 'huge.pem');
      truncateSync(file, 17 * 1024 * 1024);
      return { dir, args: ['cert', 'inspect', file] };
    },
    code: 'FILE_TOO_LARGE',
  },
];

test('the bad-input corpus holds at least 30 cases', (t) => {
  assert.ok(CASES.length >= 30, `${CASES.length} cases`);
  const skipped = CASES.filter((c) => c.immutable && NO_CHATTR).length;
  t.diagnostic(
    `bad-input corpus: ${CASES.length} truststore commands (${skipped} skipped here: ${NO_CHATTR || 'none'})`,
  );
});

for (const c of CASES) {
  const skip = c.immutable && NO_CHATTR ? `needs chattr +i: ${NO_CHATTR}` : false;
  test(`bad input: ${c.name} → ${c.code}, and nothing changes`, { skip }, async () => {
    const { dir, args, cleanup } = c.setup();
    try {
      const before = treeHash(dir);
      const r = await cli(args);
      assert.equal(r.code, c.exit ?? 1, `exit code; stderr: ${r.stderr}`);
      const m = /^error\[([A-Z_]+)\]: (.+)$/m.exec(r.stderr);
      assert.ok(m, `no error line in: ${r.stderr}${r.stdout}`);
      assert.equal(m[1], c.code, m[2]);
      assert.ok(m[2]!.length > 25, `message too thin: ${m[2]}`);
      assert.equal(treeHash(dir), before, 'the files changed');
    } finally {
      cleanup?.();
    }
  });
}
