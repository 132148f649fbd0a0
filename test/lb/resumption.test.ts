/**
 * Session resumption: TLS 1.3 and TLS 1.2 tickets resume (counted as resumed); across T a session
 * of the old credential resumes within T + the staged rollback window while grace is on and not after
 * it (a full handshake with the new credential follows), and not at all after T when grace is off; with two workers a ticket from
 * one worker resumes on the other.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { connect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { DataPlaneStatus } from '../../src/lb/control-client.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { ticketOfClientHello } from '../../src/lb/session-tickets.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { oneServerConfig, peerSha256, portOf, sleep, startBackend, startNode, trusting } from './kit.js';

const dir = tempDir();
const oldRoot = await mintRoot('Old Root');
const newRoot = await mintRoot('New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const OLD = oldCred.chain[0]!.sha256;
const NEW = newCred.chain[0]!.sha256;
const both = trusting(oldCred, newCred);
// A client context caps the version itself (`maxVersion` beside `secureContext` is ignored).
const both12 = createSecureContext({
  ca: encodeCertificatesPem([oldRoot.root.der, newRoot.root.der]),
  maxVersion: 'TLSv1.2',
});
const backend = await startBackend();

interface Hs {
  reused: boolean;
  fingerprint: string;
  session: Buffer | undefined;
  protocol: string;
}

/** One TLS connection; waits for the session (ticket) the server sends, then closes. */
function handshake(
  port: number,
  o: { ctx?: SecureContext; session?: Buffer; v?: 'TLSv1.2' | 'TLSv1.3' } = {},
): Promise<Hs> {
  return new Promise((resolvePromise, reject) => {
    const s: TLSSocket = connect({
      host: '127.0.0.1',
      port,
      servername: 'lb.test',
      secureContext: o.ctx ?? (o.v === 'TLSv1.2' ? both12 : both),
      ...(o.session ? { session: o.session } : {}),
    });
    let session: Buffer | undefined;
    let fingerprint = '';
    let protocol = '';
    s.on('session', (b) => {
      session = b;
    });
    s.once('secureConnect', () => {
      fingerprint = peerSha256(s);
      protocol = s.getProtocol() ?? '';
      // An HTTP request makes the server's NewSessionTicket (sent after the handshake in 1.3) arrive.
      s.write('GET / HTTP/1.1\r\nHost: lb.test\r\nConnection: close\r\n\r\n');
    });
    s.on('data', () => undefined);
    s.once('end', () => resolvePromise({ reused: s.isSessionReused(), fingerprint, session, protocol }));
    s.once('error', reject);
  });
}

test('the ClientHello parser finds the ticket a client offers (TLS 1.3 PSK identity and TLS 1.2 session_ticket)', async () => {
  const node = await startNode(
    oneServerConfig({
      stateDir: join(dir, 'p'),
      credential: await saveCredential(join(dir, 'p-old'), oldCred),
      backends: [backend.url],
    }),
  );
  for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
    const first = await handshake(portOf(node), { v });
    // Capture what a resuming client sends, with a plain TCP listener standing in for the server.
    const { createServer } = await import('node:net');
    const hello = await new Promise<Buffer>((res) => {
      const srv = createServer((sock) => {
        sock.once('data', (b) => {
          res(b);
          sock.destroy();
          srv.close();
        });
      }).listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        const c = connect({
          host: '127.0.0.1',
          port,
          servername: 'lb.test',
          session: first.session!,
          maxVersion: v,
        });
        c.on('error', () => undefined);
      });
    });
    const ticket = ticketOfClientHello(hello);
    assert.ok(ticket && ticket.length > 64, `${v}: no ticket found`);
    assert.equal(ticketOfClientHello(hello.subarray(0, 100)), undefined);
  }
});

test('tickets resume (TLS 1.3 and 1.2); across T an old session resumes within T + the rollback window, not after it', async () => {
  const node = await startNode(
    oneServerConfig({
      stateDir: join(dir, 'a'),
      credential: await saveCredential(join(dir, 'a-old'), oldCred),
      backends: [backend.url],
    }),
  );
  const port = portOf(node);
  for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
    const first = await handshake(port, { v });
    assert.equal(first.reused, false);
    assert.equal(first.fingerprint, OLD);
    const again = await handshake(port, { v, session: first.session! });
    assert.equal(again.protocol, v);
    assert.equal(again.reused, true, `${v} did not resume`);
  }
  // Stage with T shortly ahead and a rollback window of 1.5 s; grace on (the automatic fallback set,
  // with a deadline shorter than the window: the window, not the fallback deadline, bounds sessions).
  const T = Date.now() + 600;
  const WINDOW = 1500;
  await node.dataPlane.stage('web', {
    ...recordFromCredential(newCred),
    activateAt: new Date(T),
    validForMs: WINDOW,
  });
  await node.dataPlane.exceptions('web', { op: 'auto', until: T + 300 });
  const beforeT = await handshake(port);
  assert.equal(beforeT.fingerprint, OLD);
  const stillBefore = await handshake(port, { session: beforeT.session! });
  assert.equal(stillBefore.reused, true, 'no resumption before T');
  await sleep(T - Date.now() + 50);
  // After T, within the window: the old session resumes.
  const inWindow = await handshake(port, { session: beforeT.session! });
  assert.equal(inWindow.reused, true, 'an old session did not resume within the window');
  // A new full handshake after T gets the new credential.
  const fresh = await handshake(port);
  assert.equal(fresh.fingerprint, NEW);
  // The fallback deadline passes and the coordinator clears the setting: grace simply ended, the
  // rollback window still holds.
  await sleep(T + 300 - Date.now() + 50);
  await node.dataPlane.exceptions('web', { op: 'auto', until: null });
  const afterGraceDeadline = await handshake(port, { session: beforeT.session! });
  assert.equal(afterGraceDeadline.reused, true, 'an old session was refused inside the rollback window');
  await sleep(T + WINDOW - Date.now() + 50);
  // After the window: refused, and a full handshake with the new credential follows.
  const late = await handshake(port, { session: beforeT.session! });
  assert.equal(late.reused, false, 'an old session resumed after the window');
  assert.equal(late.fingerprint, NEW);
  // A session of the new credential resumes.
  assert.equal((await handshake(port, { session: fresh.session! })).reused, true);
  const metrics = await node.telemetry.registry.metrics();
  assert.match(
    metrics,
    /rollover_lb_handshakes_by_kind_total\{virtual_server="web",listener="main",kind="resumed"\} [4-9]/,
  );
  assert.match(
    metrics,
    /rollover_lb_handshakes_by_kind_total\{virtual_server="web",listener="main",kind="full"\} \d/,
  );
});

test('ticket keys rotate: a ticket resumes in the next period and not two periods later', async () => {
  const config = oneServerConfig({
    stateDir: join(dir, 'r'),
    credential: await saveCredential(join(dir, 'r-old'), oldCred),
    backends: [backend.url],
  });
  config.ticketRotationMs = 1000;
  const port = portOf(await startNode(config));
  const first = await handshake(port);
  await sleep(1100);
  assert.equal((await handshake(port, { session: first.session! })).reused, true, 'refused one period later');
  await sleep(2200);
  assert.equal(
    (await handshake(port, { session: first.session! })).reused,
    false,
    'resumed three periods later',
  );
});

test('with sessionTickets: false (lb run --no-session-tickets) no session resumes', async () => {
  const config = oneServerConfig({
    stateDir: join(dir, 'off'),
    credential: await saveCredential(join(dir, 'off-old'), oldCred),
    backends: [backend.url],
  });
  config.sessionTickets = false;
  const port = portOf(await startNode(config));
  for (const v of ['TLSv1.3', 'TLSv1.2'] as const) {
    const first = await handshake(port, { v });
    const again = await handshake(port, { v, ...(first.session ? { session: first.session } : {}) });
    assert.equal(again.reused, false, v);
  }
});

test('with grace off an old session is refused from T on, whatever the rollback window', async () => {
  const node = await startNode(
    oneServerConfig({
      stateDir: join(dir, 'b'),
      credential: await saveCredential(join(dir, 'b-old'), oldCred),
      backends: [backend.url],
    }),
  );
  const port = portOf(node);
  const T = Date.now() + 700;
  await node.dataPlane.stage('web', {
    ...recordFromCredential(newCred),
    activateAt: new Date(T),
    validForMs: 60_000,
  });
  // Grace switched on, then off before its deadline (as after a key compromise).
  await node.dataPlane.exceptions('web', { op: 'auto', until: T + 30_000 });
  await node.dataPlane.exceptions('web', { op: 'auto', until: null });
  const beforeT = await handshake(port);
  assert.equal(beforeT.fingerprint, OLD);
  assert.equal((await handshake(port, { session: beforeT.session! })).reused, true, 'no resumption before T');
  await sleep(T - Date.now() + 30);
  const after = await handshake(port, { session: beforeT.session! });
  assert.equal(after.reused, false);
  assert.equal(after.fingerprint, NEW);
});

test('grace on with automatic fallback off (stage grace: true, no auto setting): an old session resumes within the window', async () => {
  const node = await startNode(
    oneServerConfig({
      stateDir: join(dir, 'g'),
      credential: await saveCredential(join(dir, 'g-old'), oldCred),
      backends: [backend.url],
    }),
  );
  const port = portOf(node);
  const T = Date.now() + 600;
  await node.dataPlane.stage('web', {
    ...recordFromCredential(newCred),
    activateAt: new Date(T),
    validForMs: 60_000,
    grace: true,
  });
  // What the coordinator sends with autoGrace off: the setting cleared (it never was on).
  await node.dataPlane.exceptions('web', { op: 'auto', until: null });
  const beforeT = await handshake(port);
  assert.equal(beforeT.fingerprint, OLD);
  await sleep(T - Date.now() + 50);
  const after = await handshake(port, { session: beforeT.session! });
  assert.equal(after.reused, true, 'grace on was treated as grace off: the old session was refused');
  assert.equal((await handshake(port)).fingerprint, NEW);
});

test('with --workers 2 every ticket resumes whichever worker accepts the connection', async () => {
  const stateDir = join(dir, 'cluster');
  const bin = resolve(import.meta.dirname, '../../../bin/rollover.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      bin,
      'lb',
      'run',
      '--listen',
      '127.0.0.1:0',
      '--host',
      'lb.test',
      '--credential',
      await saveCredential(join(dir, 'c-old'), oldCred),
      '--backend',
      backend.url,
      '--state-dir',
      stateDir,
      '--workers',
      '2',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  after(() => child.kill('SIGKILL'));
  let status: DataPlaneStatus | undefined;
  for (let i = 0; i < 400 && !status; i++) {
    const r = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
    if (r.code === 0) status = r.json();
    else await sleep(100);
  }
  assert.ok(status, 'the data plane did not come up');
  const port = Number(status.virtualServers[0]!.listen!.split(':').pop());
  // Many sessions at once, then each resumed at once: both workers accept some of each, so with
  // per-worker keys about half would fall back to a full handshake.
  const firsts = await Promise.all(Array.from({ length: 24 }, () => handshake(port)));
  const resumed = await Promise.all(firsts.map((f) => handshake(port, { session: f.session! })));
  assert.deepEqual(
    resumed.map((r) => r.reused),
    resumed.map(() => true),
  );
  child.kill('SIGTERM');
});
