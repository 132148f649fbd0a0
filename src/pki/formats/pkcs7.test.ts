import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mintCredential, mintIntermediate, mintRoot } from '../../../test/kit/ca.js';
import { isRolloverError } from '../../shared/errors.js';
import { encodeCertificatesPem } from './pem.js';
import { decodePkcs7, encodePkcs7, encodePkcs7Pem } from './pkcs7.js';

const root = await mintRoot('P7 Root');
const inter = await mintIntermediate(root, 'P7 Intermediate');
const cred = await mintCredential(inter);
const ders = [cred.chain[0]!.der, inter.cert.der, root.root.der];

test('certificates round-trip through DER and PEM PKCS#7 in order and byte for byte', () => {
  for (const encoded of [encodePkcs7(ders), encodePkcs7Pem(ders)]) {
    const back = decodePkcs7(encoded);
    assert.equal(back.length, 3);
    for (const [i, d] of back.entries()) assert.ok(Buffer.from(d).equals(Buffer.from(ders[i]!)));
  }
});

test('openssl reads the bundle and rollover reads what openssl crl2pkcs7 writes', () => {
  const pem = encodePkcs7Pem(ders);
  const printed = execFileSync('openssl', ['pkcs7', '-print_certs', '-noout'], { input: pem }).toString();
  assert.equal((printed.match(/subject=/g) ?? []).length, 3);
  const chainPem = [encodeCertificatesPem(ders)];
  const dir = mkdtempSync(join(tmpdir(), 'p7-'));
  writeFileSync(join(dir, 'chain.pem'), chainPem.join(''));
  const fromOpenssl = execFileSync('openssl', [
    'crl2pkcs7',
    '-nocrl',
    '-outform',
    'DER',
    '-certfile',
    join(dir, 'chain.pem'),
  ]);
  rmSync(dir, { recursive: true });
  assert.equal(decodePkcs7(new Uint8Array(fromOpenssl)).length, 3);
});

test('a truncated or foreign structure is a typed error', () => {
  const der = encodePkcs7(ders);
  for (const bad of [der.subarray(0, der.length - 5), ders[0]!, new Uint8Array([1, 2, 3])]) {
    assert.throws(
      () => decodePkcs7(bad),
      (e) => isRolloverError(e, 'BAD_PEM'),
    );
  }
});
