import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { CaMaterial } from './authority.js';
import { createCa } from './authority.js';
import { extendedKeyUsages, isCa, issuedBy, SERVER_AUTH, subjectAltNames } from './certificate.js';
import { checkCredential } from './checks.js';
import { type Credential, issueCredential } from './credential.js';
import { keyMatchesCert } from './keys.js';
import { x509 } from './provider.js';

const now = new Date('2026-11-27T10:00:00Z');
let root: CaMaterial;
let intermediate: CaMaterial;
let ecCred: Credential;
let rsaCred: Credential;

describe('issuing server credentials', () => {
  before(async () => {
    root = await createCa({ subject: 'CN=Unit Root,O=rollover', keyType: 'ec-p384', days: 3650, now });
    intermediate = await createCa({
      subject: 'CN=Unit Issuing,O=rollover',
      keyType: 'ec-p256',
      days: 1000,
      now,
      issuer: root,
    });
    ecCred = await issueCredential({
      ca: intermediate,
      keyType: 'ec-p256',
      hosts: ['lb.test', '*.apps.test'],
      ips: ['10.0.0.1'],
      days: 90,
      now,
    });
    rsaCred = await issueCredential({ ca: root, keyType: 'rsa-2048', hosts: ['lb.test'], days: 90, now });
  });

  test('a root is a self-signed CA with keyCertSign and no path length', () => {
    assert.ok(isCa(root.cert));
    assert.ok(issuedBy(root.cert, root.cert));
    const bc = root.cert.x.getExtension(x509.BasicConstraintsExtension)!;
    assert.equal(bc.pathLength, undefined);
    const ku = root.cert.x.getExtension(x509.KeyUsagesExtension)!;
    assert.ok(ku.usages & x509.KeyUsageFlags.keyCertSign);
  });

  test('an intermediate is signed by the root, limited to path length 0, and names the root it chains to', () => {
    assert.ok(issuedBy(intermediate.cert, root.cert));
    assert.equal(intermediate.cert.x.getExtension(x509.BasicConstraintsExtension)!.pathLength, 0);
    assert.equal(intermediate.root.sha256, root.cert.sha256);
    assert.deepEqual(intermediate.chain, []);
  });

  test('the credential chain is the leaf then the intermediate, and its root is the root', () => {
    assert.equal(ecCred.chain.length, 2);
    assert.ok(issuedBy(ecCred.chain[0]!, ecCred.chain[1]!));
    assert.equal(ecCred.chain[1]!.sha256, intermediate.cert.sha256);
    assert.equal(ecCred.root.sha256, root.cert.sha256);
    assert.ok(keyMatchesCert(ecCred.key, ecCred.chain[0]!));
  });

  test('a leaf carries serverAuth, its SANs, cA=FALSE, SKI and an AKI naming its issuer', () => {
    const leaf = ecCred.chain[0]!;
    assert.deepEqual(extendedKeyUsages(leaf), [SERVER_AUTH]);
    assert.deepEqual(subjectAltNames(leaf), { dns: ['lb.test', '*.apps.test'], ip: ['10.0.0.1'] });
    assert.equal(isCa(leaf), false);
    const ski = leaf.x.getExtension(x509.SubjectKeyIdentifierExtension)!;
    const aki = leaf.x.getExtension(x509.AuthorityKeyIdentifierExtension)!;
    const issuerSki = intermediate.cert.x.getExtension(x509.SubjectKeyIdentifierExtension)!;
    assert.ok(ski.keyId.length > 0);
    assert.equal(aki.keyId, issuerSki.keyId);
  });

  test('key usage suits the key type: ECDSA signs only, RSA also enciphers', () => {
    const ec = ecCred.chain[0]!.x.getExtension(x509.KeyUsagesExtension)!;
    const rsa = rsaCred.chain[0]!.x.getExtension(x509.KeyUsagesExtension)!;
    assert.equal(ec.usages, x509.KeyUsageFlags.digitalSignature);
    assert.equal(rsa.usages, x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment);
    assert.ok(ec.critical && rsa.critical);
  });

  test('validity starts a few minutes before issuance and lasts the requested days', () => {
    const leaf = rsaCred.chain[0]!;
    assert.ok(leaf.notBefore < now && now.getTime() - leaf.notBefore.getTime() <= 5 * 60_000);
    assert.equal(Math.round((leaf.notAfter.getTime() - now.getTime()) / 86_400_000), 90);
  });

  test('an issued credential passes every check for its hosts, a wildcard name and its address', () => {
    const r = checkCredential({
      key: ecCred.key,
      chain: ecCred.chain,
      root: ecCred.root,
      hosts: ['lb.test', 'tenant1.apps.test', '10.0.0.1'],
      validAt: new Date(now.getTime() + 86_400_000),
      validForMs: 30 * 86_400_000,
    });
    assert.ok(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)));
    assert.equal(r.checks.length, 12);
  });

  test('the checks name each failure: another root, an uncovered host, T after expiry, a key from elsewhere', () => {
    const r = checkCredential({
      key: rsaCred.key,
      chain: ecCred.chain,
      root: intermediate.cert,
      hosts: ['deep.sub.apps.test'],
      validAt: new Date(now.getTime() + 200 * 86_400_000),
    });
    const failed = r.checks.filter((c) => !c.ok).map((c) => c.code);
    assert.deepEqual(failed, [
      'KEY_MISMATCH',
      'CHAIN_INCOMPLETE',
      'HOST_NOT_COVERED',
      'EXPIRED',
      'VALIDITY_TOO_SHORT',
    ]);
  });

  test('a certificate may not outlive its issuing CA', async () => {
    await assert.rejects(
      issueCredential({ ca: intermediate, keyType: 'ec-p256', hosts: ['lb.test'], days: 2000, now }),
      (e: { code?: string }) => e.code === 'ROOT_EXPIRES_FIRST',
    );
  });
});
