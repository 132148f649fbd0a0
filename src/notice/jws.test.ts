import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import type { Announcement } from '../api/contract/announcement.js';
import { isRolloverError } from '../shared/errors.js';
import { publicJwk, signAnnouncement, verifyAnnouncement } from './jws.js';

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const announcement: Announcement = {
  type: 'rollover.root-announcement',
  version: 1,
  renewalId: 'ren_1',
  exchangeAt: '2026-12-01T02:00:00Z',
  safeRemovalAt: '2026-12-02T02:00:00Z',
  virtualServers: [{ id: 'vs_1', hosts: ['lb.example.test'] }],
  newRootSha256: 'a'.repeat(64),
  oldRootSha256: 'b'.repeat(64),
  newRootPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
  issuedAt: '2026-11-27T10:00:00Z',
};

test('a signed announcement verifies with the coordinator key and its thumbprint', async () => {
  const jwk = await publicJwk(key.publicKey);
  const jws = await signAnnouncement(announcement, key.privateKey, jwk.kid);
  const { announcement: got, kid } = await verifyAnnouncement(jws, jwk, jwk.kid);
  assert.deepEqual(got, announcement);
  assert.equal(kid, jwk.kid);
});

test('a changed payload, another key or an unexpected thumbprint is NOTICE_INVALID', async () => {
  const jwk = await publicJwk(key.publicKey);
  const jws = await signAnnouncement(announcement, key.privateKey, jwk.kid);
  const [h, p, s] = jws.split('.');
  const forged = JSON.parse(Buffer.from(p!, 'base64url').toString());
  forged.exchangeAt = '2026-12-01T03:00:00Z';
  const tampered = `${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`;
  const invalid = (e: unknown) => isRolloverError(e, 'NOTICE_INVALID');
  await assert.rejects(verifyAnnouncement(tampered, jwk), invalid);
  await assert.rejects(verifyAnnouncement(jws, await publicJwk(other.publicKey)), invalid);
  await assert.rejects(verifyAnnouncement(jws, jwk, 'not-the-thumbprint'), invalid);
  const phish = await signAnnouncement(announcement, other.privateKey, jwk.kid);
  await assert.rejects(verifyAnnouncement(phish, jwk), invalid);
});

test('a validly signed payload that is not JSON is NOTICE_INVALID, not a crash (found by fuzzing)', async () => {
  const { CompactSign } = await import('jose');
  const jwk = await publicJwk(key.publicKey);
  const jws = await new CompactSign(new Uint8Array([0xff, 0x00, 0x7b]))
    .setProtectedHeader({ alg: 'ES256', typ: 'rollover-announcement+jws' })
    .sign(key.privateKey);
  await assert.rejects(verifyAnnouncement(jws, jwk), (e: unknown) => isRolloverError(e, 'NOTICE_INVALID'));
});
