/**
 * The HAProxy agent (commit mode) serves a renewal's bridges through the Runtime API: a stage with
 * bridges commits the old leaf with the reverse bridge at once (a chain-only change), commits the new
 * leaf with the forward bridge at T, and commits the new chain alone at the bridge deadline by its own
 * timer. Clients trusting only the old or only the new root are checked at each step.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { HaproxyDriver, haproxyPem } from '../../src/adapters/haproxy/driver.js';
import { TimedDataPlane } from '../../src/adapters/timed-data-plane.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { crossSignRoot } from '../../src/pki/cross-sign.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { systemClock } from '../../src/shared/time.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { startHaproxy } from '../kit/haproxy.js';
import { freePort, startBackend } from '../kit/net.js';
import { tempDir } from '../kit/tmp.js';

const run = promisify(execFile);
const dir = tempDir();
const oldRoot = await mintRoot('HAProxy Bridge Old Root');
const newRoot = await mintRoot('HAProxy Bridge New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const now = new Date();
const forward = await crossSignRoot({ issuer: oldRoot, subject: newRoot.cert, now });
const reverse = await crossSignRoot({ issuer: newRoot, subject: oldRoot.cert, now });
const pem = (c: { der: Uint8Array }) => encodeCertificatesPem([c.der]);
const oldRec = recordFromCredential(oldCred);

test('HAProxy commits the reverse bridge at staging, the forward bridge at T, the plain chain at the deadline', async () => {
  const crtPath = join(dir, 'vs1.pem');
  writeFileSync(crtPath, haproxyPem(oldRec), { mode: 0o600 });
  const backend = await startBackend();
  const haproxy = await startHaproxy({ dir, port: await freePort(), crtPath, backendPort: backend.port });
  const dp = new TimedDataPlane({
    driver: new HaproxyDriver({ socketPath: haproxy.socketPath, crtPaths: { vs1: crtPath } }),
    virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
    stateDir: join(dir, 'state'),
    clock: systemClock,
    initial: { vs1: oldRec },
    prepareLeadMs: 500,
  });
  await dp.start();
  try {
    const handshake = async (root: 'old' | 'new') => {
      const ok = await new Promise<{ ok: boolean; leaf: string }>((resolve) => {
        const s = connect({
          host: '127.0.0.1',
          port: haproxy.port,
          ca: pem(root === 'old' ? oldRoot.cert : newRoot.cert),
          servername: 'lb.test',
        });
        s.once('secureConnect', () => {
          resolve({ ok: true, leaf: s.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase() });
          s.end();
        });
        s.once('error', () => resolve({ ok: false, leaf: '' }));
      });
      const child = run(
        'openssl',
        ['s_client', '-connect', `127.0.0.1:${haproxy.port}`, '-servername', 'lb.test', '-showcerts'],
        { timeout: 20_000 },
      );
      child.child.stdin?.end('');
      const sent = ((await child).stdout.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
      return { ...ok, sent };
    };
    const oldLeaf = oldCred.chain[0]!.sha256;
    const newLeaf = newCred.chain[0]!.sha256;
    assert.deepEqual(await handshake('old'), { ok: true, leaf: oldLeaf, sent: 1 });
    const T = Date.now() + 4000;
    const until = T + 4000;
    await dp.stage('vs1', {
      keyPem: privateKeyToPem(newCred.key.keyObject),
      certPem: encodeCertificatesPem(newCred.chain.map((x) => x.der)),
      rootPem: pem(newCred.root),
      activateAt: new Date(T),
      bridges: { forwardPem: pem(forward), until: new Date(until), reversePem: pem(reverse) },
    });
    for (const root of ['old', 'new'] as const)
      assert.deepEqual(await handshake(root), { ok: true, leaf: oldLeaf, sent: 2 }, `before T, ${root}`);
    await new Promise((r) => setTimeout(r, T - Date.now() + 400));
    for (const root of ['old', 'new'] as const)
      assert.deepEqual(await handshake(root), { ok: true, leaf: newLeaf, sent: 2 }, `after T, ${root}`);
    await new Promise((r) => setTimeout(r, until - Date.now() + 400));
    assert.deepEqual(await handshake('new'), { ok: true, leaf: newLeaf, sent: 1 });
    assert.equal((await handshake('old')).ok, false, 'old-root-only clients fail after the bridge deadline');
    // The file follows what was committed, so a reload keeps it.
    const { readFileSync } = await import('node:fs');
    assert.equal((readFileSync(crtPath, 'utf8').match(/BEGIN CERTIFICATE/g) ?? []).length, 1);
  } finally {
    dp.close();
  }
});
