/**
 * The HAProxy agent serves a renewal's bridges through the Runtime API. Commit mode: a stage with
 * bridges commits the old leaf with the reverse bridge at once (a chain-only change), the new leaf with
 * the forward bridge at T, and the new chain alone at the bridge deadline by its own timer. Route mode:
 * each side's crt carries its bridge, the map switches at T by HAProxy's clock, and the new side is
 * committed plain at the deadline. Clients trusting only the old or only the new root are checked.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { HaproxyDriver, haproxyPem } from '../../src/adapters/haproxy/driver.js';
import { HaproxyRouteDriver } from '../../src/adapters/haproxy/route.js';
import { TimedDataPlane } from '../../src/adapters/timed-data-plane.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { crossSignRoot } from '../../src/pki/cross-sign.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { systemClock } from '../../src/shared/time.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { startHaproxy, startHaproxyRoute } from '../kit/haproxy.js';
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

/** One handshake trusting only `root`: verified, the leaf, and how many certificates were sent. */
async function handshakeAt(port: number, root: 'old' | 'new') {
  const ok = await new Promise<{ ok: boolean; leaf: string }>((resolve) => {
    const s = connect({
      host: '127.0.0.1',
      port,
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
    ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'lb.test', '-showcerts'],
    {
      timeout: 20_000,
    },
  );
  child.child.stdin?.end('');
  const sent = ((await child).stdout.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
  return { ...ok, sent };
}

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
    const handshake = (root: 'old' | 'new') => handshakeAt(haproxy.port, root);
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

test('HAProxy route mode: the old side carries the reverse bridge until T, the new side the forward bridge until the deadline', async () => {
  const hdir = join(dir, 'route');
  mkdirSync(hdir);
  const oldCrt = join(hdir, 'old.pem');
  const newCrt = join(hdir, 'new.pem');
  const map = join(hdir, 'route.map');
  writeFileSync(oldCrt, haproxyPem(oldRec), { mode: 0o600 });
  writeFileSync(newCrt, haproxyPem(oldRec), { mode: 0o600 });
  writeFileSync(map, '0.0.0.0/0 0\n::/0 0\n');
  const backend = await startBackend();
  const port = await freePort();
  const h = await startHaproxyRoute({ dir: hdir, port, oldCrt, newCrt, map, backendPort: backend.port });
  const dp = new TimedDataPlane({
    driver: new HaproxyRouteDriver({
      socketPath: h.socketPath,
      virtualServers: { vs1: { oldCrt, newCrt, map, host: '127.0.0.1', port, servername: 'lb.test' } },
    }),
    virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
    stateDir: join(hdir, 'state'),
    clock: systemClock,
    initial: { vs1: oldRec },
  });
  await dp.start();
  try {
    const oldLeaf = oldCred.chain[0]!.sha256;
    const newLeaf = newCred.chain[0]!.sha256;
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
      assert.deepEqual(
        await handshakeAt(port, root),
        { ok: true, leaf: oldLeaf, sent: 2 },
        `before T, ${root}`,
      );
    await new Promise((r) => setTimeout(r, T - Date.now() + 400));
    for (const root of ['old', 'new'] as const)
      assert.deepEqual(
        await handshakeAt(port, root),
        { ok: true, leaf: newLeaf, sent: 2 },
        `after T, ${root}`,
      );
    await new Promise((r) => setTimeout(r, until - Date.now() + 400));
    assert.deepEqual(await handshakeAt(port, 'new'), { ok: true, leaf: newLeaf, sent: 1 });
    assert.equal(
      (await handshakeAt(port, 'old')).ok,
      false,
      'old-root-only clients fail after the bridge deadline',
    );
  } finally {
    dp.close();
  }
});

test('HAProxy (commit mode): an agent that was down at the bridge deadline drops the bridge when it starts again', async () => {
  const hdir = join(dir, 'restart');
  mkdirSync(hdir);
  const crtPath = join(hdir, 'vs1.pem');
  writeFileSync(crtPath, haproxyPem(oldRec), { mode: 0o600 });
  const backend = await startBackend();
  const haproxy = await startHaproxy({
    dir: hdir,
    port: await freePort(),
    crtPath,
    backendPort: backend.port,
  });
  const agent = () =>
    new TimedDataPlane({
      driver: new HaproxyDriver({ socketPath: haproxy.socketPath, crtPaths: { vs1: crtPath } }),
      virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
      stateDir: join(hdir, 'state'),
      clock: systemClock,
      initial: { vs1: oldRec },
      prepareLeadMs: 500,
    });
  const first = agent();
  await first.start();
  const T = Date.now() + 2500;
  const until = T + 2000;
  await first.stage('vs1', {
    keyPem: privateKeyToPem(newCred.key.keyObject),
    certPem: encodeCertificatesPem(newCred.chain.map((x) => x.der)),
    rootPem: pem(newCred.root),
    activateAt: new Date(T),
    bridges: { forwardPem: pem(forward), until: new Date(until) },
  });
  await new Promise((r) => setTimeout(r, T - Date.now() + 1500));
  assert.deepEqual(await handshakeAt(haproxy.port, 'old'), {
    ok: true,
    leaf: newCred.chain[0]!.sha256,
    sent: 2,
  });
  first.close(); // the agent goes down before the deadline
  await new Promise((r) => setTimeout(r, until - Date.now() + 300));
  assert.equal((await handshakeAt(haproxy.port, 'old')).ok, true, 'nobody dropped the bridge yet');
  const second = agent();
  await second.start();
  try {
    assert.deepEqual(await handshakeAt(haproxy.port, 'new'), {
      ok: true,
      leaf: newCred.chain[0]!.sha256,
      sent: 1,
    });
    assert.equal((await handshakeAt(haproxy.port, 'old')).ok, false);
  } finally {
    second.close();
  }
});
