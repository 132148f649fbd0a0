/**
 * Credentials in the coordinator: checked before they are stored, sealed at rest, never shown to
 * people, and handed with their key only to a node of a load balancer that serves them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem, readPrivateKey } from '../../src/pki/keys.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { startTestCoordinator } from './api-kit.js';
import { buildWorld } from './world.js';

const co = await startTestCoordinator();
const w = await buildWorld(co);
// The coordinator's test clock stands at 2026-11-27T10:00Z: mint material valid from the day before.
const minted = new Date('2026-11-26T00:00:00Z');
const root = await mintRoot('Coordinator Credential Root', 'ec-p256', 3650, minted);
const otherRoot = await mintRoot('Some Other Root', 'ec-p256', 3650, minted);
const cred = await mintCredential(root, ['a.example.test'], { now: minted });
const other = await mintCredential(root, ['a.example.test'], { now: minted });

const pemOf = (c: typeof cred) => ({
  chainPem: encodeCertificatesPem(c.chain.map((x) => x.der)),
  keyPem: privateKeyToPem(c.key.keyObject),
  rootPem: encodeCertificatesPem([c.root.der]),
});

test('an imported credential is sealed at rest and its key is never shown to people', async () => {
  const r = await co.call('POST', '/api/v1/credentials', { body: { name: 'www-2026', ...pemOf(cred) } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.fingerprint, cred.chain[0]!.sha256);
  assert.equal(r.body.rootFingerprint, root.cert.sha256);
  const row = await co.store.get('credentials', r.body.id);
  assert.ok(!row!.key_sealed.includes('PRIVATE KEY'));
  for (const path of ['/api/v1/credentials', `/api/v1/credentials/${r.body.id}`, '/api/v1/audit/events']) {
    for (const token of [co.adminToken, w.tokens.auditor]) {
      const seen = await co.call('GET', path, { token });
      assert.equal(seen.status, 200);
      assert.ok(!seen.text.includes('PRIVATE KEY'), `${path} shows a key`);
      assert.ok(!seen.text.includes(row!.key_sealed.slice(3, 40)), `${path} shows the sealed key`);
    }
  }
  const scoped = await co.call('GET', '/api/v1/credentials', { token: w.tokens.tenantAdmin });
  assert.equal(scoped.status, 403);
  const byTenant = await co.call('POST', '/api/v1/credentials', {
    token: w.tokens.tenantAdmin,
    body: { name: 'x', ...pemOf(cred) },
  });
  assert.equal(byTenant.status, 403);
});

test('a credential failing a check is refused with its code and nothing is stored', async () => {
  const before = (await co.store.list('credentials')).length;
  const mismatch = await co.call('POST', '/api/v1/credentials', {
    body: { name: 'mismatch', ...pemOf(cred), keyPem: privateKeyToPem(other.key.keyObject) },
  });
  assert.equal(mismatch.status, 422);
  assert.equal(mismatch.body.code, 'KEY_MISMATCH');
  const wrongRoot = await co.call('POST', '/api/v1/credentials', {
    body: { name: 'wrong-root', ...pemOf(cred), rootPem: encodeCertificatesPem([otherRoot.cert.der]) },
  });
  assert.equal(wrongRoot.status, 422);
  assert.equal(wrongRoot.body.code, 'CHAIN_INCOMPLETE');
  const host = await co.call('POST', '/api/v1/credentials', {
    body: { name: 'host', ...pemOf(cred), hosts: ['b.example.test'] },
  });
  assert.equal(host.body.code, 'HOST_NOT_COVERED');
  const garbage = await co.call('POST', '/api/v1/credentials', {
    body: { name: 'garbage', ...pemOf(cred), chainPem: 'nope' },
  });
  assert.equal(garbage.status, 400);
  assert.equal((await co.store.list('credentials')).length, before);
});

test('an encrypted key is refused as input (400), with a hint for the API and no CLI flag', async () => {
  const before = (await co.store.list('credentials')).length;
  const r = await co.call('POST', '/api/v1/credentials', {
    body: { name: 'encrypted', ...pemOf(cred), keyPem: privateKeyToPem(cred.key.keyObject, 'a passphrase') },
  });
  assert.equal(r.status, 400, r.text);
  assert.match(r.type, /^application\/problem\+json/);
  assert.equal(r.body.code, 'PASSPHRASE_REQUIRED');
  assert.doesNotMatch(r.body.detail, /--/);
  assert.match(r.body.hint, /unencrypted/);
  assert.equal((await co.store.list('credentials')).length, before);
});

test('only a node of a load balancer serving the credential gets its key', async () => {
  const imported = await co.call('POST', '/api/v1/credentials', {
    body: { name: 'served', ...pemOf(other) },
  });
  const id = imported.body.id as string;
  const lb2 = await co.call('POST', '/api/v1/lbs', {
    body: { name: 'edge-2', kind: 'builtin', nodes: [{ name: 'far', address: '10.9.0.1:443' }] },
  });
  await co.call('POST', '/api/v1/lbs', {
    body: { name: 'edge-1', kind: 'builtin', nodes: [{ name: 'n1', address: '10.0.0.1:443' }] },
  });
  const vs = await co.call('POST', '/api/v1/virtual-servers', {
    body: { name: 'served-vs', lb: 'edge-1', hosts: ['a.example.test'], listen: '0.0.0.0:443', backends: [] },
  });
  const near = (await co.call('POST', '/api/v1/lbs/edge-1/nodes/n1/token')).body.token as string;
  const far = (await co.call('POST', `/api/v1/lbs/${lb2.body.id}/nodes/far/token`)).body.token as string;
  assert.match(near, /^rln_/);

  const path = `/api/v1/node/credentials/${id}`;
  assert.equal((await co.call('GET', path, { token: near })).status, 404, 'not yet served or staged');
  await co.store.update('virtual_servers', vs.body.id, { staged_credential_id: id });
  const got = await co.call('GET', path, { token: near });
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(readPrivateKey(got.body.keyPem).pkcs8, other.key.pkcs8);
  assert.equal(got.body.chainPem, pemOf(other).chainPem);

  const farSees = await co.call('GET', path, { token: far });
  assert.equal(farSees.status, 404);
  const admin = await co.call('GET', path, { token: co.adminToken });
  assert.equal(admin.status, 401, 'a person never gets a key, not even lb-admin');
  const nodeAsUser = await co.call('GET', '/api/v1/tenants', { token: near });
  assert.equal(nodeAsUser.status, 401, 'a node token is no user token');
  const events = await co.call('GET', '/api/v1/audit/events');
  assert.match(events.text, /"action":"credential.fetch","targetKind":"credential","targetId":"cred_/);

  const rotated = (await co.call('POST', '/api/v1/lbs/edge-1/nodes/n1/token')).body.token;
  assert.equal(
    (await co.call('GET', path, { token: near })).status,
    401,
    'a new node token replaces the old',
  );
  assert.equal((await co.call('GET', path, { token: rotated })).status, 200);
});

test('a CA is imported with its key sealed, or without a key as an external root; a leaf or a wrong key is refused', async () => {
  const withKey = await co.call('POST', '/api/v1/cas', {
    body: {
      name: 'new-root',
      certificatePem: encodeCertificatesPem([root.cert.der]),
      keyPem: privateKeyToPem(root.key.keyObject),
    },
  });
  assert.equal(withKey.status, 201, withKey.text);
  assert.equal(withKey.body.hasKey, true);
  assert.equal(withKey.body.selfSigned, true);
  assert.equal(withKey.body.fingerprint, root.cert.sha256);
  assert.equal(
    await co.store.privateKeyPem('cas', withKey.body.id),
    privateKeyToPem(root.key.keyObject),
    'the key opens with the master key',
  );
  const raw = await co.store.get('cas', withKey.body.id);
  assert.ok(!raw!.key_sealed!.includes('PRIVATE KEY'));

  const external = await co.call('POST', '/api/v1/cas', {
    body: { name: 'external-root', certificatePem: encodeCertificatesPem([otherRoot.cert.der]) },
  });
  assert.equal(external.body.hasKey, false);
  const listed = await co.call('GET', '/api/v1/cas', { token: w.tokens.auditor });
  assert.deepEqual(listed.body.map((c: { name: string }) => c.name).sort(), ['external-root', 'new-root']);
  assert.ok(!listed.text.includes('PRIVATE KEY'));

  const before = (await co.store.list('cas')).length;
  const leaf = await co.call('POST', '/api/v1/cas', {
    body: { name: 'leaf', certificatePem: encodeCertificatesPem([cred.chain[0]!.der]) },
  });
  assert.equal(leaf.body.code, 'NOT_A_CA');
  const mismatch = await co.call('POST', '/api/v1/cas', {
    body: {
      name: 'mismatch',
      certificatePem: encodeCertificatesPem([otherRoot.cert.der]),
      keyPem: privateKeyToPem(root.key.keyObject),
    },
  });
  assert.equal(mismatch.body.code, 'KEY_MISMATCH');
  const byTenant = await co.call('POST', '/api/v1/cas', {
    token: w.tokens.tenantAdmin,
    body: { name: 'tenant-root', certificatePem: encodeCertificatesPem([otherRoot.cert.der]) },
  });
  assert.equal(byTenant.status, 403);
  assert.equal((await co.store.list('cas')).length, before);
});
