import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { publicJwk, signAnnouncement } from '../../src/notice/jws.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const p = (f: string) => join(dir, f);
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let thumbprint = '';
let baseUrl = '';
let close = () => {};

describe('rollover notice verify', () => {
  after(() => close());
  before(async () => {
    const newRoot = await mintRoot('Announced Root');
    const otherRoot = await mintRoot('Phishing Root');
    writeFileSync(p('new-root.pem'), encodeCertificatesPem([newRoot.cert.der]));
    writeFileSync(p('other-root.pem'), encodeCertificatesPem([otherRoot.cert.der]));
    const jwk = await publicJwk(key.publicKey);
    thumbprint = jwk.kid;
    const jws = await signAnnouncement(
      {
        type: 'rollover.root-announcement',
        version: 1,
        renewalId: 'ren_42',
        exchangeAt: '2026-12-01T02:00:00Z',
        safeRemovalAt: '2026-12-02T02:00:00Z',
        virtualServers: [
          { id: 'vs_1', hosts: ['lb.example.test'], previewUrl: 'https://lb.example.test:8443' },
        ],
        newRootSha256: newRoot.cert.sha256,
        newRootPem: encodeCertificatesPem([newRoot.cert.der]),
        issuedAt: '2026-11-27T10:00:00Z',
      },
      key.privateKey,
      jwk.kid,
    );
    writeFileSync(p('notice.jws'), jws);
    writeFileSync(p('jwks.json'), JSON.stringify({ keys: [jwk] }));
    const [h, body, s] = jws.split('.');
    const forged = JSON.parse(Buffer.from(body!, 'base64url').toString());
    forged.newRootSha256 = otherRoot.cert.sha256;
    writeFileSync(p('forged.jws'), `${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`);
    const server = createServer((req, res) => {
      if (req.url === '/api/v1/renewals/ren_42/announcement.jws') res.end(jws);
      else if (req.url === '/.well-known/rollover-jwks.json') res.end(JSON.stringify({ keys: [jwk] }));
      else res.writeHead(404).end();
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });

  test('a genuine announcement verifies, pinned to the key thumbprint, with the announced root', async () => {
    const r = await cli([
      'notice',
      'verify',
      p('notice.jws'),
      '--key',
      p('jwks.json'),
      '--thumbprint',
      thumbprint,
      '--root',
      p('new-root.pem'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json().announcement.exchangeAt, '2026-12-01T02:00:00Z');
    assert.equal(r.json().rootMatches, true);
  });

  test('it is fetched from its URL with the key from the coordinator’s well-known address', async () => {
    const r = await cli([
      'notice',
      'verify',
      `${baseUrl}/api/v1/renewals/ren_42/announcement.jws`,
      '--thumbprint',
      thumbprint,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /signature valid/);
  });

  test('an edited announcement is NOTICE_INVALID', async () => {
    const r = await cli(['notice', 'verify', p('forged.jws'), '--key', p('jwks.json'), '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.json().error.code, 'NOTICE_INVALID');
  });

  test('a root other than the announced one is ROOT_MISMATCH', async () => {
    const r = await cli([
      'notice',
      'verify',
      p('notice.jws'),
      '--key',
      p('jwks.json'),
      '--root',
      p('other-root.pem'),
      '--json',
    ]);
    assert.equal(r.code, 1);
    assert.equal(r.json().error.code, 'ROOT_MISMATCH');
  });

  test('a key with another thumbprint than the one given out of band is NOTICE_INVALID', async () => {
    const r = await cli([
      'notice',
      'verify',
      p('notice.jws'),
      '--key',
      p('jwks.json'),
      '--thumbprint',
      'x'.repeat(43),
      '--json',
    ]);
    assert.equal(r.json().error.code, 'NOTICE_INVALID');
  });
});
