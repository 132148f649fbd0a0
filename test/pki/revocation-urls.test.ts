/**
 * `ca create --issuer … --crl-url --ocsp-url` and `cert issue --crl-url --ocsp-url` put a CRL
 * distribution point and an OCSP responder (authority information access) into the certificate, as
 * OpenSSL reads them; a root with them, or a URL that is not http(s), is refused and writes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCertificates } from '../../src/pki/certificate.js';
import { ocspUrlsOf } from '../../src/pki/revocation.js';
import { cli } from '../kit/cli.js';
import { openssl } from '../kit/openssl.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const ext = (file: string) =>
  openssl(['x509', '-in', file, '-noout', '-ext', 'crlDistributionPoints,authorityInfoAccess']);

test('an intermediate and a leaf carry the CRL and OCSP URLs they were given; the chain still verifies', async () => {
  const root = join(dir, 'root');
  const inter = join(dir, 'inter');
  const leaf = join(dir, 'leaf');
  assert.equal(
    (await cli(['ca', 'create', '--subject', 'CN=Rev Root', '--days', '100', '--out', root, '--no-encrypt']))
      .code,
    0,
  );
  const i = await cli([
    'ca',
    'create',
    '--subject',
    'CN=Rev Inter',
    '--days',
    '90',
    '--out',
    inter,
    '--issuer',
    root,
    '--no-encrypt',
    '--crl-url',
    'http://crl.example.test/inter.crl',
    '--ocsp-url',
    'http://ocsp.example.test/',
  ]);
  assert.equal(i.code, 0, i.stderr);
  const l = await cli([
    'cert',
    'issue',
    '--ca',
    inter,
    '--host',
    'lb.test',
    '--days',
    '30',
    '--out',
    leaf,
    '--crl-url',
    'http://crl.example.test/leaf.crl',
    '--ocsp-url',
    'http://ocsp.example.test/leaf',
  ]);
  assert.equal(l.code, 0, l.stderr);
  const le = ext(join(leaf, 'tls.crt'));
  assert.match(
    le,
    /CRL Distribution Points:\s*\n\s*Full Name:\s*\n\s*URI:http:\/\/crl\.example\.test\/leaf\.crl/,
  );
  assert.match(le, /OCSP - URI:http:\/\/ocsp\.example\.test\/leaf/);
  assert.match(
    ext(join(inter, 'ca.crt')),
    /URI:http:\/\/crl\.example\.test\/inter\.crl[\s\S]*OCSP - URI:http:\/\/ocsp\.example\.test\//,
  );
  const v = openssl([
    'verify',
    '-x509_strict',
    '-purpose',
    'sslserver',
    '-CAfile',
    join(root, 'ca.crt'),
    '-untrusted',
    join(inter, 'ca.crt'),
    join(leaf, 'tls.crt'),
  ]);
  assert.match(v, /OK/);
  // Without the flags nothing is added.
  const plain = join(dir, 'plain');
  assert.equal(
    (await cli(['cert', 'issue', '--ca', inter, '--host', 'lb.test', '--days', '30', '--out', plain])).code,
    0,
  );
  assert.doesNotMatch(ext(join(plain, 'tls.crt')), /URI:/);
  // What the built-in node reads to find the responder it fetches OCSP staples from.
  assert.deepEqual(ocspUrlsOf(readCertificates(readFileSync(join(leaf, 'tls.crt')))[0]!), [
    'http://ocsp.example.test/leaf',
  ]);
  assert.deepEqual(ocspUrlsOf(readCertificates(readFileSync(join(plain, 'tls.crt')))[0]!), []);
});

test('a root with a CRL URL, or a URL that is not http(s), is refused and writes nothing', async () => {
  const r = await cli([
    'ca',
    'create',
    '--subject',
    'CN=R',
    '--days',
    '10',
    '--out',
    join(dir, 'r2'),
    '--no-encrypt',
    '--crl-url',
    'http://x.test/',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[BAD_ARGUMENT\].*root carries no CRL or OCSP URL/);
  assert.equal(existsSync(join(dir, 'r2', 'ca.crt')), false);
  const root = join(dir, 'root');
  const bad = await cli([
    'cert',
    'issue',
    '--ca',
    root,
    '--host',
    'lb.test',
    '--days',
    '5',
    '--out',
    join(dir, 'bad'),
    '--ocsp-url',
    'ftp://x.test/',
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /is not an http:\/\/ or https:\/\/ URL/);
  assert.equal(existsSync(join(dir, 'bad', 'tls.crt')), false);
});
