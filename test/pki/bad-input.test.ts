/**
 * The bad-input corpus of the PKI commands: each case gets a stable error code, a non-zero exit and
 * leaves every file in the working directory byte-identical. Unsafe certificates are made by
 * OpenSSL, as an external CA would make them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, describe, test } from 'node:test';
import { cli } from '../kit/cli.js';
import { openssl } from '../kit/openssl.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const p = (...parts: string[]) => join(dir, ...parts);

/** Every file under `root` with the SHA-256 of its content and its mode. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full);
      else
        out[relative(root, full)] =
          `${createHash('sha256').update(readFileSync(full)).digest('hex')} ${st.mode}`;
    }
  };
  walk(root);
  return out;
}

async function ok(args: string[]): Promise<void> {
  const r = await cli(args);
  assert.equal(r.code, 0, `rollover ${args.join(' ')}: ${r.stderr}${r.stdout}`);
}

/** Makes a leaf with OpenSSL: key options, extensions, digest, days, signed by an unencrypted CA dir. */
function opensslLeaf(
  name: string,
  o: { key: string[]; ext: string; digest?: string; days?: number; ca?: string },
): { key: string; cert: string } {
  const key = p(`${name}.key`);
  openssl(['genpkey', ...o.key, '-out', key]);
  openssl(['req', '-new', '-key', key, '-subj', '/CN=lb.test', '-out', p(`${name}.csr`)]);
  writeFileSync(p(`${name}.cnf`), o.ext);
  const ca = o.ca ?? p('ossl-ca');
  openssl([
    'x509',
    '-req',
    '-in',
    p(`${name}.csr`),
    '-CA',
    join(ca, 'ca.crt'),
    '-CAkey',
    join(ca, 'ca.key'),
    '-CAcreateserial',
    '-days',
    String(o.days ?? 30),
    `-${o.digest ?? 'sha256'}`,
    '-extfile',
    p(`${name}.cnf`),
    '-out',
    p(`${name}.crt`),
  ]);
  return { key, cert: p(`${name}.crt`) };
}

const SERVER_EXT =
  'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:lb.test\n';
const EC = ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];

interface Case {
  name: string;
  args: () => string[];
  code: string;
  env?: Record<string, string>;
  /** For `cert check`, the code of the first failing check rather than a thrown error. */
  check?: boolean;
}

const importOf =
  (f: { key: string; cert: string }, extra: string[] = []) =>
  () => [
    'cert',
    'import',
    '--key',
    f.key,
    '--cert',
    f.cert,
    '--root',
    p('ossl-ca', 'ca.crt'),
    '--out',
    p('never'),
    ...extra,
  ];

const fixtures: Record<string, { key: string; cert: string }> = {};

describe('bad input to the PKI commands', () => {
  before(async () => {
    await ok(['ca', 'create', '--subject', 'CN=Root A,O=t', '--days', '3650', '--out', p('root-a')]);
    await ok(['ca', 'create', '--subject', 'CN=Root B,O=t', '--days', '3650', '--out', p('root-b')]);
    await ok([
      'ca',
      'create',
      '--subject',
      'CN=Int A,O=t',
      '--days',
      '1000',
      '--issuer',
      p('root-a'),
      '--out',
      p('int-a'),
    ]);
    await ok(['cert', 'issue', '--ca', p('root-a'), '--host', 'lb.test', '--days', '90', '--out', p('good')]);
    await ok([
      'cert',
      'issue',
      '--ca',
      p('root-a'),
      '--host',
      'lb.test',
      '--days',
      '90',
      '--out',
      p('other'),
    ]);
    await ok([
      'cert',
      'issue',
      '--ca',
      p('int-a'),
      '--host',
      'lb.test',
      '--days',
      '90',
      '--out',
      p('via-int'),
    ]);
    await ok([
      'cert',
      'issue',
      '--ca',
      p('root-a'),
      '--host',
      'lb.test',
      '--days',
      '90',
      '--encrypt',
      '--out',
      p('enc'),
    ]);
    await ok([
      'ca',
      'create',
      '--subject',
      'CN=OpenSSL CA,O=t',
      '--days',
      '3650',
      '--no-encrypt',
      '--out',
      p('ossl-ca'),
    ]);
    await ok([
      'ca',
      'create',
      '--subject',
      'CN=Short CA,O=t',
      '--days',
      '10',
      '--no-encrypt',
      '--out',
      p('short-ca'),
    ]);
    fixtures.sha1 = opensslLeaf('sha1', { key: EC, ext: SERVER_EXT, digest: 'sha1' });
    fixtures.rsa1024 = opensslLeaf('rsa1024', {
      key: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
      ext: SERVER_EXT,
    });
    fixtures.k256 = opensslLeaf('k256', {
      key: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:secp256k1'],
      ext: SERVER_EXT,
    });
    fixtures.p521 = opensslLeaf('p521', {
      key: ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'],
      ext: SERVER_EXT,
    });
    fixtures.client = opensslLeaf('client', { key: EC, ext: SERVER_EXT.replace('serverAuth', 'clientAuth') });
    fixtures.noEku = opensslLeaf('noeku', {
      key: EC,
      ext: SERVER_EXT.replace('extendedKeyUsage=serverAuth\n', ''),
    });
    fixtures.caLeaf = opensslLeaf('caleaf', {
      key: EC,
      ext: SERVER_EXT.replace('CA:FALSE', 'CA:TRUE').replace(
        'digitalSignature,keyEncipherment',
        'digitalSignature,keyCertSign',
      ),
    });
    fixtures.outlives = opensslLeaf('outlives', { key: EC, ext: SERVER_EXT, days: 100, ca: p('short-ca') });
    // A CA directory whose ca.crt is a server certificate.
    cpSync(p('good'), p('leaf-as-ca'), { recursive: true });
    writeFileSync(p('leaf-as-ca', 'ca.crt'), readFileSync(p('good', 'tls.crt')));
    writeFileSync(p('leaf-as-ca', 'ca.key'), readFileSync(p('good', 'tls.key')));
    await ok(['kit', '--root', p('root-a', 'ca.crt'), '--out', p('kit')]);
    for (const f of ['truststore.p12', 'truststore.jks']) {
      const bytes = readFileSync(p('kit', f));
      bytes[bytes.length - 1]! ^= 0x01;
      writeFileSync(p(`tampered-${f}`), bytes);
    }
    const good = readFileSync(p('good', 'tls.crt'), 'utf8');
    writeFileSync(p('garbage.pem'), 'this is not a certificate\n');
    writeFileSync(p('truncated.pem'), good.slice(0, Math.floor(good.length / 2)));
    writeFileSync(p('no-end.pem'), good.replace(/-----END CERTIFICATE-----\n$/, ''));
    writeFileSync(p('bad-b64.pem'), good.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!'));
    const der = Buffer.from(good.split('-----')[2]!.replace(/\s+/g, ''), 'base64');
    writeFileSync(p('truncated.der'), der.subarray(0, 100));
    const csr = readFileSync(p('sha1.csr'), 'utf8');
    const csrDer = Buffer.from(csr.split('-----')[2]!.replace(/\s+/g, ''), 'base64');
    csrDer[csrDer.length - 5]! ^= 0xff;
    writeFileSync(
      p('tampered.csr'),
      `-----BEGIN CERTIFICATE REQUEST-----\n${csrDer.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`,
    );
  });

  const cases: Case[] = [
    { name: 'garbage instead of PEM', args: () => ['cert', 'inspect', p('garbage.pem')], code: 'BAD_PEM' },
    { name: 'a PEM cut in half', args: () => ['cert', 'inspect', p('truncated.pem')], code: 'BAD_PEM' },
    {
      name: 'a PEM block without its END line',
      args: () => ['cert', 'inspect', p('no-end.pem')],
      code: 'BAD_PEM',
    },
    {
      name: 'a PEM block whose base64 was edited',
      args: () => ['cert', 'inspect', p('bad-b64.pem')],
      code: 'BAD_PEM',
    },
    {
      name: 'a truncated DER certificate',
      args: () => ['cert', 'inspect', p('truncated.der')],
      code: 'BAD_PEM',
    },
    {
      name: 'a CSR whose signature was tampered with',
      args: () => ['cert', 'inspect', p('tampered.csr')],
      code: 'BAD_CSR',
    },
    {
      name: 'a file that does not exist',
      args: () => ['cert', 'inspect', p('missing.pem')],
      code: 'FILE_NOT_FOUND',
    },
    {
      name: 'a key that does not match the certificate',
      args: () => [
        'cert',
        'import',
        '--key',
        p('other', 'tls.key'),
        '--cert',
        p('good', 'tls.crt'),
        '--root',
        p('root-a', 'ca.crt'),
        '--out',
        p('never'),
      ],
      code: 'KEY_MISMATCH',
    },
    {
      name: 'a chain that does not build to the given root',
      args: () => [
        'cert',
        'import',
        '--key',
        p('good', 'tls.key'),
        '--cert',
        p('good', 'tls.crt'),
        '--root',
        p('root-b', 'ca.crt'),
        '--out',
        p('never'),
      ],
      code: 'CHAIN_INCOMPLETE',
    },
    {
      name: 'a chain missing its intermediate',
      args: () => [
        'cert',
        'import',
        '--key',
        p('via-int', 'tls.key'),
        '--cert',
        p('int-a', 'ca.crt').replace('int-a/ca.crt', 'via-int/leaf-only.pem'),
        '--root',
        p('root-a', 'ca.crt'),
        '--out',
        p('never'),
      ],
      code: 'CHAIN_INCOMPLETE',
    },
    {
      name: 'a certificate not yet valid at T',
      args: () => [
        'cert',
        'import',
        '--key',
        p('good', 'tls.key'),
        '--cert',
        p('good', 'tls.crt'),
        '--root',
        p('root-a', 'ca.crt'),
        '--valid-at',
        '2020-01-01T00:00:00Z',
        '--out',
        p('never'),
      ],
      code: 'NOT_YET_VALID',
    },
    {
      name: 'a certificate expired at T',
      args: () => [
        'cert',
        'import',
        '--key',
        p('good', 'tls.key'),
        '--cert',
        p('good', 'tls.crt'),
        '--root',
        p('root-a', 'ca.crt'),
        '--valid-at',
        '2040-01-01T00:00:00Z',
        '--out',
        p('never'),
      ],
      code: 'EXPIRED',
    },
    {
      name: 'a certificate ending before T plus the duration',
      args: () => [
        'cert',
        'import',
        '--key',
        p('good', 'tls.key'),
        '--cert',
        p('good', 'tls.crt'),
        '--root',
        p('root-a', 'ca.crt'),
        '--valid-for',
        '365d',
        '--out',
        p('never'),
      ],
      code: 'VALIDITY_TOO_SHORT',
    },
    {
      name: 'a host missing from the SANs',
      args: () => [
        'cert',
        'import',
        '--key',
        p('good', 'tls.key'),
        '--cert',
        p('good', 'tls.crt'),
        '--root',
        p('root-a', 'ca.crt'),
        '--host',
        'other.test',
        '--out',
        p('never'),
      ],
      code: 'HOST_NOT_COVERED',
    },
    {
      name: 'a CA certificate as the leaf',
      args: importOf({
        get key() {
          return fixtures.caLeaf!.key;
        },
        get cert() {
          return fixtures.caLeaf!.cert;
        },
      }),
      code: 'LEAF_IS_CA',
    },
    {
      name: 'a clientAuth-only certificate',
      args: importOf({
        get key() {
          return fixtures.client!.key;
        },
        get cert() {
          return fixtures.client!.cert;
        },
      }),
      code: 'NO_SERVER_AUTH',
    },
    {
      name: 'a certificate without extended key usage',
      args: importOf({
        get key() {
          return fixtures.noEku!.key;
        },
        get cert() {
          return fixtures.noEku!.cert;
        },
      }),
      code: 'NO_SERVER_AUTH',
    },
    {
      name: 'a SHA-1 signature',
      args: importOf({
        get key() {
          return fixtures.sha1!.key;
        },
        get cert() {
          return fixtures.sha1!.cert;
        },
      }),
      code: 'SHA1_SIGNATURE',
    },
    {
      name: 'an RSA-1024 key',
      args: importOf({
        get key() {
          return fixtures.rsa1024!.key;
        },
        get cert() {
          return fixtures.rsa1024!.cert;
        },
      }),
      code: 'WEAK_KEY',
    },
    {
      name: 'a secp256k1 key',
      args: importOf({
        get key() {
          return fixtures.k256!.key;
        },
        get cert() {
          return fixtures.k256!.cert;
        },
      }),
      code: 'WEAK_KEY',
    },
    {
      name: 'a P-521 key',
      args: importOf({
        get key() {
          return fixtures.p521!.key;
        },
        get cert() {
          return fixtures.p521!.cert;
        },
      }),
      code: 'WEAK_KEY',
    },
    {
      name: 'a root that expires before the certificate',
      args: () => [
        'cert',
        'import',
        '--key',
        fixtures.outlives!.key,
        '--cert',
        fixtures.outlives!.cert,
        '--root',
        p('short-ca', 'ca.crt'),
        '--out',
        p('never'),
      ],
      code: 'ROOT_EXPIRES_FIRST',
    },
    {
      name: 'a wrong passphrase for the CA key',
      args: () => [
        'cert',
        'issue',
        '--ca',
        p('root-a'),
        '--host',
        'lb.test',
        '--days',
        '9',
        '--out',
        p('never'),
      ],
      env: { ROLLOVER_PASSPHRASE: 'wrong-passphrase' },
      code: 'WRONG_PASSPHRASE',
    },
    {
      name: 'no passphrase for an encrypted CA key',
      args: () => [
        'cert',
        'issue',
        '--ca',
        p('root-a'),
        '--host',
        'lb.test',
        '--days',
        '9',
        '--out',
        p('never'),
      ],
      env: { ROLLOVER_PASSPHRASE: '' },
      code: 'PASSPHRASE_REQUIRED',
    },
    {
      name: 'a wrong passphrase for the issuing CA of an intermediate',
      args: () => [
        'ca',
        'create',
        '--subject',
        'CN=X',
        '--days',
        '9',
        '--issuer',
        p('root-a'),
        '--out',
        p('never'),
      ],
      env: { ROLLOVER_PASSPHRASE: 'wrong-passphrase' },
      code: 'WRONG_PASSPHRASE',
    },
    {
      name: 'a wrong passphrase for an encrypted tls.key',
      args: () => [
        'cert',
        'import',
        '--key',
        p('enc', 'tls.key'),
        '--cert',
        p('enc', 'tls.crt'),
        '--root',
        p('root-a', 'ca.crt'),
        '--out',
        p('never'),
      ],
      env: { ROLLOVER_PASSPHRASE: 'wrong-passphrase' },
      code: 'WRONG_PASSPHRASE',
    },
    {
      name: 'an output directory that already holds a credential',
      args: () => [
        'cert',
        'issue',
        '--ca',
        p('root-a'),
        '--host',
        'lb.test',
        '--days',
        '9',
        '--out',
        p('good'),
      ],
      code: 'FILE_EXISTS',
    },
    {
      name: 'an output directory that already holds a CA',
      args: () => ['ca', 'create', '--subject', 'CN=X', '--days', '9', '--out', p('root-b')],
      code: 'FILE_EXISTS',
    },
    {
      name: 'an import into a directory that already holds a credential',
      args: () => [
        'cert',
        'import',
        '--key',
        p('good', 'tls.key'),
        '--cert',
        p('good', 'tls.crt'),
        '--root',
        p('root-a', 'ca.crt'),
        '--out',
        p('other'),
      ],
      code: 'FILE_EXISTS',
    },
    {
      name: 'a CSR into a directory that already holds a key',
      args: () => ['csr', 'create', '--host', 'lb.test', '--out', p('good')],
      code: 'FILE_EXISTS',
    },
    {
      name: 'an unsupported key type',
      args: () => [
        'cert',
        'issue',
        '--ca',
        p('root-a'),
        '--host',
        'lb.test',
        '--days',
        '9',
        '--key-type',
        'rsa-1024',
        '--out',
        p('never'),
      ],
      code: 'UNSUPPORTED_KEY_TYPE',
    },
    {
      name: 'days that are not a number',
      args: () => [
        'cert',
        'issue',
        '--ca',
        p('root-a'),
        '--host',
        'lb.test',
        '--days',
        'ninety',
        '--out',
        p('never'),
      ],
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a time without a zone',
      args: () => ['cert', 'check', '--credential', p('good'), '--valid-at', '2026-12-01T02:00'],
      code: 'BAD_TIME',
    },
    {
      name: 'a T that is not on the calendar (it must not become 2 March)',
      args: () => ['cert', 'check', '--credential', p('good'), '--valid-at', '2027-02-30T00:00:00Z'],
      code: 'BAD_TIME',
    },
    {
      name: 'an import instant that is not on the calendar',
      args: () => [
        'cert',
        'import',
        '--key',
        p('good', 'tls.key'),
        '--cert',
        p('good', 'tls.crt'),
        '--root',
        p('root-a', 'ca.crt'),
        '--valid-at',
        '2026-04-31T12:00:00Z',
        '--out',
        p('never'),
      ],
      code: 'BAD_TIME',
    },
    {
      name: 'a duration in words',
      args: () => ['cert', 'check', '--credential', p('good'), '--valid-for', '10 days'],
      code: 'BAD_DURATION',
    },
    {
      name: 'a certificate where the key belongs',
      args: () => [
        'cert',
        'import',
        '--key',
        p('good', 'tls.crt'),
        '--cert',
        p('good', 'tls.crt'),
        '--root',
        p('root-a', 'ca.crt'),
        '--out',
        p('never'),
      ],
      code: 'BAD_KEY',
    },
    {
      name: 'a key where the certificate belongs',
      args: () => [
        'cert',
        'import',
        '--key',
        p('good', 'tls.key'),
        '--cert',
        p('good', 'tls.key'),
        '--root',
        p('root-a', 'ca.crt'),
        '--out',
        p('never'),
      ],
      code: 'BAD_PEM',
    },
    {
      name: 'a subject without CN',
      args: () => ['ca', 'create', '--subject', 'O=No Common Name', '--days', '9', '--out', p('never')],
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a host name with forbidden characters',
      args: () => [
        'cert',
        'issue',
        '--ca',
        p('root-a'),
        '--host',
        'bad host!',
        '--days',
        '9',
        '--out',
        p('never'),
      ],
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a CA directory holding a server certificate',
      args: () => [
        'cert',
        'issue',
        '--ca',
        p('leaf-as-ca'),
        '--host',
        'lb.test',
        '--days',
        '9',
        '--out',
        p('never'),
      ],
      code: 'NOT_A_CA',
    },
    {
      name: 'a validity beyond the CA’s own',
      args: () => [
        'cert',
        'issue',
        '--ca',
        p('int-a'),
        '--host',
        'lb.test',
        '--days',
        '5000',
        '--out',
        p('never'),
      ],
      code: 'ROOT_EXPIRES_FIRST',
    },
    {
      name: 'a CA directory that does not exist',
      args: () => [
        'cert',
        'issue',
        '--ca',
        p('nowhere'),
        '--host',
        'lb.test',
        '--days',
        '9',
        '--out',
        p('never'),
      ],
      code: 'FILE_NOT_FOUND',
    },
    {
      name: 'a PKCS#12 with a wrong password',
      args: () => ['cert', 'inspect', p('kit', 'truststore.p12'), '--password', 'not-changeit'],
      code: 'WRONG_PASSWORD',
    },
    {
      name: 'a JKS with a wrong password',
      args: () => ['cert', 'inspect', p('kit', 'truststore.jks'), '--password', 'not-changeit'],
      code: 'WRONG_PASSWORD',
    },
    {
      name: 'a PKCS#12 with a broken MAC',
      args: () => ['cert', 'inspect', p('tampered-truststore.p12'), '--password', 'changeit'],
      code: 'WRONG_PASSWORD',
    },
    {
      name: 'a JKS with a broken integrity trailer',
      args: () => ['cert', 'inspect', p('tampered-truststore.jks'), '--password', 'changeit'],
      code: 'WRONG_PASSWORD',
    },
    {
      name: 'a kit whose root is a server certificate',
      args: () => ['kit', '--root', p('good', 'tls.crt'), '--out', p('never')],
      code: 'NOT_A_CA_CERT',
    },
    {
      name: 'an export over an existing file',
      args: () => [
        'cert',
        'export',
        '--credential',
        p('good'),
        '--format',
        'pkcs12',
        '--password',
        'changeit',
        '--out',
        p('kit', 'truststore.p12'),
      ],
      code: 'FILE_EXISTS',
    },
    {
      name: 'cert check on a swapped key',
      args: () => ['cert', 'check', '--credential', p('swapped')],
      code: 'KEY_MISMATCH',
      check: true,
    },
    {
      name: 'cert check against the wrong root',
      args: () => ['cert', 'check', '--credential', p('good'), '--root', p('root-b', 'ca.crt')],
      code: 'CHAIN_INCOMPLETE',
      check: true,
    },
    {
      name: 'cert check for a host not covered',
      args: () => ['cert', 'check', '--credential', p('good'), '--host', 'nope.test'],
      code: 'HOST_NOT_COVERED',
      check: true,
    },
  ];

  for (const c of cases) {
    test(`${c.name} is refused with ${c.code} and changes nothing`, async () => {
      if (c.name === 'a chain missing its intermediate') {
        writeFileSync(
          p('via-int', 'leaf-only.pem'),
          `${readFileSync(p('via-int', 'tls.crt'), 'utf8').split('-----END CERTIFICATE-----')[0]}-----END CERTIFICATE-----\n`,
        );
      }
      if (c.name === 'cert check on a swapped key') {
        cpSync(p('good'), p('swapped'), { recursive: true });
        writeFileSync(p('swapped', 'tls.key'), readFileSync(p('other', 'tls.key')), { mode: 0o600 });
      }
      const before = snapshot(dir);
      const r = await cli([...c.args(), '--json'], c.env ? { env: c.env } : {});
      assert.notEqual(r.code, 0, `exit code for ${c.name}`);
      if (c.check) {
        const failed = r.json().checks.filter((x: { ok: boolean }) => !x.ok);
        assert.equal(failed[0]?.code, c.code, r.stdout);
      } else {
        const err = r.json().error;
        assert.equal(err.code, c.code, `${r.stdout}${r.stderr}`);
        assert.ok(err.message.length > 20, `a message a person can act on: ${err.message}`);
      }
      assert.deepEqual(snapshot(dir), before, 'no file written or changed');
    });
  }

  test('the corpus holds at least 30 cases', (t) => {
    assert.ok(cases.length >= 30);
    t.diagnostic(`bad-input corpus: ${cases.length} PKI commands`);
  });
});
