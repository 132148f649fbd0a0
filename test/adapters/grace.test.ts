/**
 * Source exceptions (grace and early entries) on a real HAProxy (route mode: a TCP frontend routing by
 * source address to two TLS frontends) and a real nginx (time mode: geo × $msec), driven by the agent.
 * Real TLS clients from different loopback addresses, each trusting what its sender trusts, across T:
 * a ready sender gets the new certificate from T, a straggler the old one until its grace deadline and
 * the new one after, an early sender the new one before T; a CIDR entry; an agent restarted during
 * grace keeps its table. Neither data plane is touched at T nor at the deadline.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { haproxyPem } from '../../src/adapters/haproxy/driver.js';
import { listenFailureLog } from '../../src/adapters/haproxy/failure-log.js';
import { HaproxyRouteDriver } from '../../src/adapters/haproxy/route.js';
import { runtimeCommand } from '../../src/adapters/haproxy/runtime-api.js';
import { followLog, parseNginxFailure } from '../../src/adapters/nginx/failure-log.js';
import { NginxTimeSwitchDriver } from '../../src/adapters/nginx/time-switch.js';
import { TimedDataPlane } from '../../src/adapters/timed-data-plane.js';
import { type CredentialRecord, recordFromCredential } from '../../src/lb/credential-record.js';
import type { Credential } from '../../src/pki/credential.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { systemClock } from '../../src/shared/time.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { startHaproxyRoute } from '../kit/haproxy.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { startNginx } from '../kit/nginx.js';
import { handshakeFrom } from '../kit/observer.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
let oldCred: Credential;
let newCred: Credential;
let oldRec: CredentialRecord;
let newRec: CredentialRecord;
let backendPort: number;

/** `exceptionsApplied` of the agent's status: what the data plane was read back to hold. */
const appliedOn = async (dp: TimedDataPlane) =>
  ((await dp.status()).virtualServers[0] as unknown as { exceptionsApplied?: boolean | null })
    .exceptionsApplied;

const sleepUntil = (t: number) => new Promise((r) => setTimeout(r, Math.max(0, t - Date.now())));

interface Plane {
  port: number;
  agent(stateDir: string): TimedDataPlane;
  /** True when a change of the table is in effect when the call returns (no reload). */
  immediate: boolean;
  /** Restarts the data plane itself (it must come back from its files). */
  restart?: () => Promise<void>;
}

/** The whole story on one data plane. */
async function story(plane: Plane, stateDir: string) {
  const both = [oldRec.rootPem, newRec.rootPem];
  const from = (localAddress: string, ca: string[]) =>
    handshakeFrom({ localAddress, port: plane.port, servername: 'lb.test', ca });
  const ready = (a = '127.0.0.2') => from(a, both);
  const straggler6 = () =>
    handshakeFrom({
      localAddress: '::1',
      host: '::1',
      port: plane.port,
      servername: 'lb.test',
      ca: [oldRec.rootPem],
    });
  const straggler = (a = '127.0.0.3') => from(a, [oldRec.rootPem]);
  const early = (a = '127.0.0.4') => from(a, [newRec.rootPem]);
  const OLD = { sha256: oldRec.sha256 };
  const NEW = { sha256: newRec.sha256 };

  let dp = plane.agent(stateDir);
  await dp.start();
  const T = Date.now() + 5000;
  const until = T + 6000;
  await dp.stage('vs1', {
    keyPem: privateKeyToPem(newCred.key.keyObject),
    certPem: encodeCertificatesPem(newCred.chain.map((x) => x.der)),
    rootPem: encodeCertificatesPem([newCred.root.der]),
    activateAt: new Date(T),
  });
  const st = await dp.exceptions('vs1', {
    op: 'replace',
    entries: [
      { cidr: '127.0.0.3', serve: 'old', until },
      { cidr: '127.0.0.4', serve: 'new' },
      { cidr: '127.0.0.16/28', serve: 'old', until },
      { cidr: '::1', serve: 'old', until },
    ],
  });
  assert.deepEqual(
    st.exceptions?.map((e) => [e.cidr, e.serve, e.until, e.live]),
    [
      ['127.0.0.3/32', 'old', new Date(until).toISOString(), true],
      ['127.0.0.4/32', 'new', null, true],
      ['127.0.0.16/28', 'old', new Date(until).toISOString(), true],
      ['::1/128', 'old', new Date(until).toISOString(), true],
    ],
    'the agent reports the table it applies',
  );

  // Before T: everybody old, except the early sender.
  // Five in a row: a graceful reload lets old workers accept for a moment after new ones start.
  await waitFor(async () => {
    for (let i = 0; i < 5; i++) if ((await early()).sha256 !== newRec.sha256) return false;
    return true;
  }, 'the early entry to apply');
  assert.equal(await appliedOn(dp), true, 'read back from the data plane');
  assert.ok(Date.now() < T - 1000, 'the checks before T run before T');
  assert.deepEqual(await ready(), OLD, 'ready sender before T');
  assert.deepEqual(await straggler(), OLD, 'straggler before T');
  assert.deepEqual(await early(), NEW, 'early sender before T (trusts only the new root)');
  assert.deepEqual(await straggler('127.0.0.17'), OLD, 'a CIDR entry before T');

  // After T, with nothing done at T: ready new, stragglers old, early new.
  await sleepUntil(T + 200);
  assert.deepEqual(await ready(), NEW, 'ready sender after T');
  assert.deepEqual(await straggler(), OLD, 'straggler in grace after T');
  assert.deepEqual(await straggler('127.0.0.30'), OLD, 'a CIDR entry in grace after T');
  assert.deepEqual(await early(), NEW, 'early sender after T');
  assert.deepEqual(await ready('127.0.0.99'), NEW, 'an address without entry after T');
  assert.deepEqual(await straggler6(), OLD, 'an IPv6 straggler (::1) in grace after T');

  // The agent restarted during grace keeps its table.
  dp.close();
  dp = plane.agent(stateDir);
  await dp.start();
  const vs = (await dp.status()).virtualServers[0]!;
  assert.deepEqual(
    vs.exceptions?.map((e) => e.cidr),
    ['127.0.0.3/32', '127.0.0.4/32', '127.0.0.16/28', '::1/128'],
  );
  assert.deepEqual(await straggler(), OLD, 'straggler still in grace after the agent restarted');
  if (plane.restart) {
    await plane.restart();
    assert.deepEqual(await straggler(), OLD, 'straggler still in grace after the data plane restarted');
    assert.deepEqual(await ready(), NEW, 'ready sender still new after the data plane restarted');
  }

  // The CIDR's senders proved themselves: the coordinator sends the table without them.
  const changedAt = Date.now();
  await dp.exceptions('vs1', {
    op: 'replace',
    entries: [
      { cidr: '127.0.0.3', serve: 'old', until },
      { cidr: '127.0.0.4', serve: 'new' },
    ],
  });
  if (plane.immediate) assert.deepEqual(await ready('127.0.0.17'), NEW, 'in effect when the call returns');
  else await waitFor(async () => (await ready('127.0.0.17')).sha256 === newRec.sha256, 'the reload');
  const delay = Date.now() - changedAt;
  assert.ok(Date.now() < until - 500, `the table change landed within the grace (${delay} ms)`);
  assert.deepEqual(await straggler(), OLD, 'the other straggler keeps its grace');

  // After the grace deadline, with nothing done at it: the straggler gets the new certificate.
  await sleepUntil(until + 200);
  assert.deepEqual(await ready('127.0.0.3'), NEW, 'straggler after its deadline');
  assert.ok((await straggler6()).error, 'the IPv6 straggler after its deadline gets the new certificate');
  assert.ok((await straggler()).error, 'a straggler that still trusts only the old root now fails');
  const last = (await dp.status()).virtualServers[0]!.exceptions!;
  assert.equal(last.find((e) => e.cidr === '127.0.0.3/32')?.live, false);
  await assert.rejects(dp.exceptions('vs1', { op: 'auto', until: null }), { code: 'NOT_YET' });
  dp.close();
}

describe('source exceptions on real HAProxy and nginx', () => {
  before(async () => {
    oldCred = await mintCredential(await mintRoot('Grace Old Root'), ['lb.test']);
    newCred = await mintCredential(await mintRoot('Grace New Root'), ['lb.test']);
    oldRec = recordFromCredential(oldCred);
    newRec = recordFromCredential(newCred);
    backendPort = (await startBackend()).port;
  });

  test('HAProxy (route mode): per source address across T, without a reload', async () => {
    const hdir = join(dir, 'haproxy');
    mkdirSync(hdir);
    const oldCrt = join(hdir, 'vs1-old.pem');
    const newCrt = join(hdir, 'vs1-new.pem');
    const map = join(hdir, 'vs1.map');
    writeFileSync(oldCrt, haproxyPem(oldRec), { mode: 0o600 });
    writeFileSync(newCrt, haproxyPem(oldRec), { mode: 0o600 });
    writeFileSync(map, '0.0.0.0/0 0\n::/0 0\n');
    const port = await freePort();
    const h = await startHaproxyRoute({ dir: hdir, port, oldCrt, newCrt, map, backendPort, ipv6: true });
    const pidOf = async () => /Pid: (\d+)/.exec(await runtimeCommand(h.socketPath, 'show info'))?.[1];
    const pid = await pidOf();
    await story(
      {
        port,
        immediate: true,
        restart: async () => {
          assert.equal(await pidOf(), pid, 'the same HAProxy process served across T (no reload)');
          await h.stop();
          await h.start();
        },
        agent: (stateDir) =>
          new TimedDataPlane({
            driver: new HaproxyRouteDriver({
              socketPath: h.socketPath,
              virtualServers: {
                vs1: { oldCrt, newCrt, map, host: '127.0.0.1', port, servername: 'lb.test' },
              },
            }),
            virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
            stateDir,
            clock: systemClock,
            initial: { vs1: oldRec },
          }),
      },
      join(hdir, 'state'),
    );
    // Someone edits the map behind the agent's back: status says the data plane no longer holds the plan.
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
    assert.equal(await appliedOn(dp), true);
    await runtimeCommand(h.socketPath, `add map ${map} 127.0.0.77 0`);
    assert.equal(await appliedOn(dp), false);
    dp.close();
  });

  test('nginx (time mode): geo × $msec across T, table changes by a batched reload', async () => {
    const ndir = join(dir, 'nginx');
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o755);
    mkdirSync(ndir);
    const port = await freePort();
    const n = await startNginx({
      dir: ndir,
      port,
      backendPort,
      serverName: 'lb.test',
      timeSwitch: { name: 'vs1', initial: oldRec },
      ipv6: true,
    });
    const driver = () =>
      new NginxTimeSwitchDriver({
        pidFile: n.pidFile,
        reloadBatchMs: 1000,
        virtualServers: {
          vs1: { dir: ndir, fileOwner: '65534:65534', host: '127.0.0.1', port, servername: 'lb.test' },
        },
      });
    await story(
      {
        port,
        immediate: false,
        agent: (stateDir) =>
          new TimedDataPlane({
            driver: driver(),
            virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
            stateDir,
            clock: systemClock,
            initial: { vs1: oldRec },
          }),
      },
      join(ndir, 'state'),
    );
  });
});

describe('automatic fallback on HAProxy from its error log', () => {
  test('a client that refuses the new certificate with an unknown-CA alert is put into grace by the agent', async () => {
    const hdir = join(dir, 'haproxy-fallback');
    mkdirSync(hdir);
    const oldCrt = join(hdir, 'vs1-old.pem');
    const newCrt = join(hdir, 'vs1-new.pem');
    const map = join(hdir, 'vs1.map');
    writeFileSync(oldCrt, haproxyPem(oldRec), { mode: 0o600 });
    writeFileSync(newCrt, haproxyPem(oldRec), { mode: 0o600 });
    writeFileSync(map, '0.0.0.0/0 0\n::/0 0\n');
    let dp: TimedDataPlane | undefined;
    let heard = 0;
    const log = await listenFailureLog({ host: '127.0.0.1', port: 0 }, (f) => {
      heard = Date.now();
      dp?.autoGrace(f.virtualServer, f.client, f.reason);
    });
    const port = await freePort();
    const h = await startHaproxyRoute({
      dir: hdir,
      port,
      oldCrt,
      newCrt,
      map,
      backendPort,
      failureLog: log.address.port,
    });
    dp = new TimedDataPlane({
      driver: new HaproxyRouteDriver({
        socketPath: h.socketPath,
        virtualServers: { vs1: { oldCrt, newCrt, map, host: '127.0.0.1', port, servername: 'lb.test' } },
      }),
      virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
      stateDir: join(hdir, 'state'),
      clock: systemClock,
      initial: { vs1: oldRec },
      fallback: ['vs1'],
    });
    await dp.start();
    const T = Date.now() + 1500;
    await dp.stage('vs1', {
      keyPem: privateKeyToPem(newCred.key.keyObject),
      certPem: encodeCertificatesPem(newCred.chain.map((x) => x.der)),
      rootPem: encodeCertificatesPem([newCred.root.der]),
      activateAt: new Date(T),
    });
    const st = await dp.exceptions('vs1', { op: 'auto', until: T + 60_000 });
    assert.deepEqual(st.autoGrace, { until: new Date(T + 60_000).toISOString() });
    await sleepUntil(T + 100);
    // curl trusting only the old root: OpenSSL sends the unknown-CA alert, HAProxy logs it.
    const oldRoot = join(hdir, 'old-root.pem');
    writeFileSync(oldRoot, oldRec.rootPem);
    const curl = () =>
      new Promise<number>((resolve) => {
        execFile(
          'curl',
          [
            '-s',
            '-o',
            '/dev/null',
            '--interface',
            '127.0.0.6',
            '--cacert',
            oldRoot,
            '--resolve',
            `lb.test:${port}:127.0.0.1`,
            `https://lb.test:${port}/`,
          ],
          (e) => resolve(e ? Number((e as { code?: number }).code ?? -1) : 0),
        );
      });
    assert.equal(await curl(), 60, 'the straggler fails once on the new certificate (curl: bad certificate)');
    const failedAt = Date.now();
    const entry = await waitFor(async () => {
      const vs = (await dp!.status()).virtualServers[0]!;
      return vs.exceptions?.find((e) => e.cidr === '127.0.0.6/32');
    }, 'the agent to put 127.0.0.6 into grace');
    const graceAt = Date.now();
    assert.equal(entry.serve, 'old');
    assert.equal(entry.auto, true);
    assert.equal(entry.until, new Date(T + 60_000).toISOString());
    assert.equal(await curl(), 0, 'the next request from that address gets the old certificate');
    assert.equal(
      (await handshakeFrom({ localAddress: '127.0.0.2', port, servername: 'lb.test', ca: [newRec.rootPem] }))
        .sha256,
      newRec.sha256,
      'other addresses keep the new one',
    );
    console.log(
      `# fallback: log line heard ${heard - failedAt} ms after curl returned, grace entry seen ${graceAt - failedAt} ms after`,
    );
    dp.close();
    log.close();
  });
});

describe('automatic fallback on nginx from its error log', () => {
  test('a client that refuses the new certificate is put into grace by the agent, then a reload', async () => {
    const ndir = join(dir, 'nginx-fallback');
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o755);
    mkdirSync(ndir);
    const errorLog = join(ndir, 'vs1-error.log');
    const port = await freePort();
    const n = await startNginx({
      dir: ndir,
      port,
      backendPort,
      serverName: 'lb.test',
      timeSwitch: { name: 'vs1', initial: oldRec },
      serverErrorLog: errorLog,
    });
    const dp = new TimedDataPlane({
      driver: new NginxTimeSwitchDriver({
        pidFile: n.pidFile,
        reloadBatchMs: 1000,
        virtualServers: {
          vs1: { dir: ndir, fileOwner: '65534:65534', host: '127.0.0.1', port, servername: 'lb.test' },
        },
      }),
      virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
      stateDir: join(ndir, 'state'),
      clock: systemClock,
      initial: { vs1: oldRec },
      fallback: ['vs1'],
    });
    await dp.start();
    const follow = followLog(errorLog, (line) => {
      const f = parseNginxFailure(line);
      if (f) dp.autoGrace('vs1', f.client, f.reason);
    });
    await follow.ready;
    const T = Date.now() + 2500;
    await dp.stage('vs1', {
      keyPem: privateKeyToPem(newCred.key.keyObject),
      certPem: encodeCertificatesPem(newCred.chain.map((x) => x.der)),
      rootPem: encodeCertificatesPem([newCred.root.der]),
      activateAt: new Date(T),
    });
    await dp.exceptions('vs1', { op: 'auto', until: T + 60_000 });
    await sleepUntil(T + 100);
    const oldRoot = join(ndir, 'old-root.pem');
    writeFileSync(oldRoot, oldRec.rootPem);
    const curl = () =>
      new Promise<number>((resolve) => {
        execFile(
          'curl',
          [
            '-s',
            '-o',
            '/dev/null',
            '--interface',
            '127.0.0.6',
            '--cacert',
            oldRoot,
            '--resolve',
            `lb.test:${port}:127.0.0.1`,
            `https://lb.test:${port}/`,
          ],
          (e) => resolve(e ? Number((e as { code?: number }).code ?? -1) : 0),
        );
      });
    assert.equal(await curl(), 60, 'the straggler fails once on the new certificate');
    const failedAt = Date.now();
    const entry = await waitFor(async () => {
      const vs = (await dp.status()).virtualServers[0]!;
      return vs.exceptions?.find((e) => e.cidr === '127.0.0.6/32');
    }, 'the agent to put 127.0.0.6 into grace');
    assert.equal(entry.auto, true);
    await waitFor(async () => (await curl()) === 0, 'the reload that serves 127.0.0.6 the old certificate');
    const servedAt = Date.now();
    assert.equal(
      (await handshakeFrom({ localAddress: '127.0.0.2', port, servername: 'lb.test', ca: [newRec.rootPem] }))
        .sha256,
      newRec.sha256,
      'other addresses keep the new one',
    );
    console.log(`# nginx fallback: old certificate served again ${servedAt - failedAt} ms after the failure`);
    follow.close();
    dp.close();
  });
});

describe('HAProxy route mode with the agent down at T', () => {
  test('HAProxy switches at T by itself; the agent that comes back settles the slot and reports nothing late', async () => {
    const hdir = join(dir, 'haproxy-down');
    mkdirSync(hdir);
    const oldCrt = join(hdir, 'vs1-old.pem');
    const newCrt = join(hdir, 'vs1-new.pem');
    const map = join(hdir, 'vs1.map');
    writeFileSync(oldCrt, haproxyPem(oldRec), { mode: 0o600 });
    writeFileSync(newCrt, haproxyPem(oldRec), { mode: 0o600 });
    writeFileSync(map, '0.0.0.0/0 0\n::/0 0\n');
    const port = await freePort();
    const h = await startHaproxyRoute({ dir: hdir, port, oldCrt, newCrt, map, backendPort });
    const agent = () =>
      new TimedDataPlane({
        driver: new HaproxyRouteDriver({
          socketPath: h.socketPath,
          virtualServers: { vs1: { oldCrt, newCrt, map, host: '127.0.0.1', port, servername: 'lb.test' } },
        }),
        virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
        stateDir: join(hdir, 'state'),
        clock: systemClock,
        initial: { vs1: oldRec },
      });
    const first = agent();
    await first.start();
    const T = Date.now() + 1000;
    await first.stage('vs1', {
      keyPem: privateKeyToPem(newCred.key.keyObject),
      certPem: encodeCertificatesPem(newCred.chain.map((x) => x.der)),
      rootPem: encodeCertificatesPem([newCred.root.der]),
      activateAt: new Date(T),
    });
    first.close();
    const both = [oldRec.rootPem, newRec.rootPem];
    assert.equal(
      (await handshakeFrom({ localAddress: '127.0.0.2', port, servername: 'lb.test', ca: both })).sha256,
      oldRec.sha256,
    );
    await sleepUntil(T + 100);
    assert.equal(
      (await handshakeFrom({ localAddress: '127.0.0.2', port, servername: 'lb.test', ca: both })).sha256,
      newRec.sha256,
      'switched at T with no agent running',
    );
    const second = agent();
    await second.start();
    const vs = (await second.status()).virtualServers[0] as unknown as {
      staged: unknown;
      active: { sha256: string };
      lateSwap: boolean;
    };
    assert.equal(vs.staged, null);
    assert.equal(vs.active.sha256, newRec.sha256);
    assert.equal(vs.lateSwap, false);
    second.close();
  });
});
