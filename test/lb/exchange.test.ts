/**
 * The exchange at T under load: clients trusting both roots see no failure, every handshake that
 * started at or after T gets the new certificate — with SNI and without (by IP), across a key-type
 * change (ECDSA old → RSA new) — and clients trusting only one root fail on the wrong side of T.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { get, oneServerConfig, peerSha256, portOf, sleep, startBackend, startNode, trusting } from './kit.js';

const run = promisify(execFile);
const dir = tempDir();
const oldRoot = await mintRoot('Old Root');
const newRoot = await mintRoot('New Root', 'rsa-2048');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test'], { keyType: 'rsa-2048' });
const OLD = oldCred.chain[0]!.sha256;
const NEW = newCred.chain[0]!.sha256;
const both = trusting(oldCred, newCred);
const backend = await startBackend();
const node = await startNode(
  oneServerConfig({
    stateDir: join(dir, 'state'),
    credential: await saveCredential(join(dir, 'old'), oldCred),
    backends: [backend.url],
    preview: true,
  }),
);
const port = portOf(node);

interface Handshake {
  startedAt: number;
  /** When its handshake completed (the ClientHello was read between the two). */
  doneAt: number;
  fingerprint: string;
  sni: boolean;
}

/** Runs request loops until `until` and at least `min` requests (never past `cap`); records every handshake. */
async function load(
  until: number,
  min: number,
  cap: number,
): Promise<{ requests: number; failures: string[]; handshakes: Handshake[] }> {
  const handshakes: Handshake[] = [];
  const failures: string[] = [];
  let requests = 0;
  const seen = new WeakSet<object>();
  const one = (sni: boolean, agent: https.Agent | false) =>
    new Promise<void>((resolve) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          headers: { host: 'lb.test' },
          agent,
          secureContext: both,
          ...(sni ? { servername: 'lb.test' } : {}),
        } as https.RequestOptions,
        (res) => {
          res.resume();
          res.on('end', () => {
            requests++;
            if (res.statusCode !== 200) failures.push(`status ${res.statusCode}`);
            resolve();
          });
        },
      );
      req.on('socket', (s) => {
        if (seen.has(s)) return;
        seen.add(s);
        const startedAt = Date.now();
        s.once('secureConnect', () =>
          handshakes.push({ startedAt, doneAt: Date.now(), fingerprint: peerSha256(s as TLSSocket), sni }),
        );
      });
      req.on('error', (e) => {
        failures.push(e.message);
        resolve();
      });
      req.end();
    });
  const loop = async (sni: boolean, keepAlive: boolean) => {
    const agent = keepAlive
      ? new https.Agent({ keepAlive: true, maxSockets: 1, maxCachedSessions: 0 })
      : false;
    while ((Date.now() < until || requests < min) && Date.now() < cap) await one(sni, agent);
    if (agent) agent.destroy();
  };
  await Promise.all([
    loop(true, true),
    loop(true, true),
    loop(false, true),
    loop(false, true),
    loop(true, false),
    loop(false, false),
    loop(true, false),
    loop(false, false),
  ]);
  return { requests, failures, handshakes };
}

test('before T a client trusting only the new root fails and the preview listener serves the staged credential', async () => {
  // T well ahead, so every check below happens before it even on a busy machine (the next test re-stages).
  const T = Date.now() + 10_000;
  await node.dataPlane.stage('web', { ...recordFromCredential(newCred), activateAt: new Date(T) });
  // Refused by the client's verification (the old chain does not lead to the new root), nothing else.
  await assert.rejects(get(port, { ctx: trusting(newCred), servername: 'lb.test' }), /issuer|verify|self/i);
  const old = await get(port, { ctx: trusting(oldCred), servername: 'lb.test' });
  assert.equal(old.fingerprint, OLD);
  const preview = await get(portOf(node, 'preview'), { ctx: trusting(newCred), servername: 'lb.test' });
  assert.equal(preview.status, 200);
  assert.equal(preview.fingerprint, NEW);
  assert.equal((await node.dataPlane.status()).virtualServers[0]!.previewServed?.sha256, NEW);
  const status = await node.dataPlane.status();
  assert.equal(status.virtualServers[0]!.served.sha256, OLD);
  assert.equal(status.virtualServers[0]!.staged?.sha256, NEW);
  assert.equal(status.virtualServers[0]!.staged?.activateAt, new Date(T).toISOString());
});

test('under load across T no request fails and no handshake started after T gets the old certificate, with and without SNI', async () => {
  // Re-stage (a postpone) so that the load starts well before T however long the test above took.
  const t = Date.now() + 1000;
  await node.dataPlane.stage('web', { ...recordFromCredential(newCred), activateAt: new Date(t) });
  const r = await load(t + 1500, 2000, t + 20_000);
  assert.deepEqual(r.failures, []);
  assert.ok(r.requests >= 2000, `only ${r.requests} requests`);
  const after = r.handshakes.filter((h) => h.startedAt >= t);
  // The server chooses at the ClientHello, between a handshake's start and its completion: one that
  // completed before T got the old certificate (one started just before T may get either on a loaded
  // machine, where the ClientHello can be read tens of milliseconds after the connection opened).
  const before = r.handshakes.filter((h) => h.doneAt < t);
  for (const sni of [true, false]) {
    assert.ok(after.filter((h) => h.sni === sni).length > 10, `too few handshakes after T (sni=${sni})`);
    assert.ok(before.filter((h) => h.sni === sni).length > 10, `too few handshakes before T (sni=${sni})`);
  }
  assert.deepEqual(
    after.filter((h) => h.fingerprint !== NEW),
    [],
    'handshakes that started after T got the old certificate',
  );
  assert.ok(
    before.every((h) => h.fingerprint === OLD),
    'a handshake completed before T got the new certificate',
  );
  const status = (await node.dataPlane.status()).virtualServers[0]!;
  assert.equal(status.served.sha256, NEW);
  assert.ok(status.lastSwap && status.lastSwap.latenessMs !== null && status.lastSwap.latenessMs >= 0);
});

test('after T a client trusting only the old root fails and one trusting only the new root succeeds', async () => {
  await assert.rejects(get(port, { ctx: trusting(oldCred), servername: 'lb.test' }), /issuer|verify|self/i);
  await assert.rejects(get(port, { ctx: trusting(oldCred) }), /issuer|verify|self/i);
  const ok = await get(port, { ctx: trusting(newCred) });
  assert.equal(ok.fingerprint, NEW);
  // curl (OpenSSL) verifies inside the handshake and sends an unknown_ca alert, which is counted.
  const rootFile = join(dir, 'old-root.pem');
  writeFileSync(rootFile, encodeCertificatesPem([oldRoot.root.der]));
  await assert.rejects(
    run('curl', [
      '-sS',
      '--cacert',
      rootFile,
      '--resolve',
      `lb.test:${port}:127.0.0.1`,
      `https://lb.test:${port}/`,
    ]),
    /certificate/,
  );
  await sleep(50);
  const failures = node.telemetry.clientFailures();
  assert.ok(
    failures.some((f) => f.client === '127.0.0.1' && (f.reasons.unknown_ca ?? 0) > 0),
    JSON.stringify(failures),
  );
  const metrics = await node.telemetry.registry.metrics();
  assert.match(
    metrics,
    /rollover_lb_handshake_failures_total\{virtual_server="web",reason="unknown_ca",listener="main"\} [1-9]/,
  );
  assert.match(
    metrics,
    new RegExp(
      `rollover_lb_handshakes_total\\{virtual_server="web",fingerprint="${NEW}",listener="main"[^}]*\\} [1-9]`,
    ),
  );
});

test('rollback serves the previous credential again to new handshakes', async () => {
  await sleep(1100); // let the settle timer fold the staged credential into the active one
  const rolled = await node.dataPlane.rollback('web');
  assert.equal(rolled.served.sha256, OLD);
  assert.equal(rolled.previous?.sha256, NEW);
  const a = await get(port, { ctx: both, servername: 'lb.test' });
  assert.equal(a.fingerprint, OLD);
});
