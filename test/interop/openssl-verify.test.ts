/**
 * Proof with an outside tool: OpenSSL's strict verifier accepts every credential rollover issues —
 * EC and RSA, from a root directly and through an intermediate, and one that went the external-CA
 * way (csr create → signed by `openssl x509 -req` → cert import).
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { cli } from '../kit/cli.js';
import { openssl } from '../kit/openssl.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const p = (...parts: string[]) => join(dir, ...parts);

async function ok(args: string[]): Promise<void> {
  const r = await cli(args);
  assert.equal(r.code, 0, `rollover ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
}

function verify(leafDir: string, intermediates?: string): string {
  const args = ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(leafDir, 'ca.crt')];
  if (intermediates) args.push('-untrusted', intermediates);
  return openssl([...args, join(leafDir, 'tls.crt')]);
}

/** tls.crt holds leaf + intermediates; openssl verify wants the leaf alone and the rest as untrusted. */
function splitChain(credDir: string): { leaf: string; rest: string } {
  const text = openssl(['crl2pkcs7', '-nocrl', '-certfile', join(credDir, 'tls.crt')]);
  const certs = openssl(['pkcs7', '-print_certs'], { input: text }).match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g,
  )!;
  writeFileSync(join(credDir, 'leaf.pem'), certs[0]!);
  writeFileSync(join(credDir, 'rest.pem'), certs.slice(1).join(''));
  return { leaf: join(credDir, 'leaf.pem'), rest: join(credDir, 'rest.pem') };
}

describe('openssl verify -x509_strict -purpose sslserver accepts', () => {
  before(async () => {
    await ok([
      'ca',
      'create',
      '--subject',
      'CN=Interop EC Root,O=rollover',
      '--key-type',
      'ec-p384',
      '--days',
      '3650',
      '--out',
      p('ec-root'),
    ]);
    await ok([
      'ca',
      'create',
      '--subject',
      'CN=Interop RSA Root,O=rollover',
      '--key-type',
      'rsa-2048',
      '--days',
      '3650',
      '--out',
      p('rsa-root'),
    ]);
    await ok([
      'ca',
      'create',
      '--subject',
      'CN=Interop Issuing CA,O=rollover',
      '--key-type',
      'ec-p256',
      '--days',
      '1825',
      '--issuer',
      p('ec-root'),
      '--out',
      p('int'),
    ]);
  });

  test('an EC P-256 credential issued by a root directly', async () => {
    await ok([
      'cert',
      'issue',
      '--ca',
      p('ec-root'),
      '--host',
      'lb.example.test',
      '--ip',
      '127.0.0.1',
      '--days',
      '90',
      '--out',
      p('ec-leaf'),
    ]);
    assert.match(verify(p('ec-leaf')), /tls\.crt: OK/);
  });

  test('an RSA-2048 credential issued by an RSA root', async () => {
    await ok([
      'cert',
      'issue',
      '--ca',
      p('rsa-root'),
      '--host',
      'lb.example.test',
      '--days',
      '90',
      '--key-type',
      'rsa-2048',
      '--out',
      p('rsa-leaf'),
    ]);
    assert.match(verify(p('rsa-leaf')), /tls\.crt: OK/);
  });

  test('an EC P-384 credential issued through an intermediate, with the full chain in tls.crt', async () => {
    await ok([
      'cert',
      'issue',
      '--ca',
      p('int'),
      '--host',
      'lb.example.test',
      '--days',
      '90',
      '--key-type',
      'ec-p384',
      '--out',
      p('via-int'),
    ]);
    const { leaf, rest } = splitChain(p('via-int'));
    const out = openssl([
      'verify',
      '-x509_strict',
      '-purpose',
      'sslserver',
      '-CAfile',
      p('via-int', 'ca.crt'),
      '-untrusted',
      rest,
      leaf,
    ]);
    assert.match(out, /leaf\.pem: OK/);
    // Without the intermediate the chain must not verify: the test would notice a leaf signed by the root.
    assert.throws(() => openssl(['verify', '-x509_strict', '-CAfile', p('via-int', 'ca.crt'), leaf]));
  });

  test('a credential that went the external-CA way: csr create, openssl x509 -req, cert import', async () => {
    await ok([
      'ca',
      'create',
      '--subject',
      'CN=External CA,O=elsewhere',
      '--days',
      '3650',
      '--no-encrypt',
      '--out',
      p('ext-ca'),
    ]);
    await ok(['csr', 'create', '--host', 'lb.example.test', '--host', 'lb2.example.test', '--out', p('csr')]);
    writeFileSync(
      p('ext.cnf'),
      'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:lb.example.test,DNS:lb2.example.test\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
    );
    openssl([
      'x509',
      '-req',
      '-in',
      p('csr', 'tls.csr'),
      '-CA',
      p('ext-ca', 'ca.crt'),
      '-CAkey',
      p('ext-ca', 'ca.key'),
      '-CAcreateserial',
      '-days',
      '90',
      '-sha256',
      '-extfile',
      p('ext.cnf'),
      '-out',
      p('signed.pem'),
    ]);
    await ok([
      'cert',
      'import',
      '--key',
      p('csr', 'tls.key'),
      '--cert',
      p('signed.pem'),
      '--root',
      p('ext-ca', 'ca.crt'),
      '--out',
      p('imported'),
    ]);
    assert.match(verify(p('imported')), /tls\.crt: OK/);
    const check = await cli([
      'cert',
      'check',
      '--credential',
      p('imported'),
      '--host',
      'lb2.example.test',
      '--json',
    ]);
    assert.equal(check.code, 0, check.stdout);
    assert.equal(check.json().ok, true);
  });
});
