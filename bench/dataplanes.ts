/**
 * `npm run bench:dataplanes`: the exchange at T under load on each kind of data plane, side by side in
 * one run — the built-in node (`rollover lb run --workers 1`), a real HAProxy driven by `rollover lb
 * agent`'s Runtime API driver, and a real nginx driven by files + graceful reload. For each: requests
 * and failures of clients that trust both roots (half keep-alive, half a new TLS connection per
 * request), and the lateness after T of the first new-certificate handshake and of the point from which
 * every handshake gets it, seen by an independent observer.
 * Then source exceptions through HAProxy (route mode) and nginx (time mode): three senders on their own
 * loopback addresses across T — ready (trusts both roots), a straggler in grace (old root only), an
 * early sender (new root only) — with failures per group, the delay from a table change to the first
 * handshake that reflects it, and what table changes under keep-alive load cost (`BENCH_GRACE=0` skips
 * it, `BENCH_GRACE=only` runs only that).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HaproxyDriver, haproxyPem } from '../src/adapters/haproxy/driver.js';
import { HaproxyRouteDriver } from '../src/adapters/haproxy/route.js';
import { NginxDriver } from '../src/adapters/nginx/driver.js';
import { NginxTimeSwitchDriver } from '../src/adapters/nginx/time-switch.js';
import { TimedDataPlane } from '../src/adapters/timed-data-plane.js';
import { controlClientFor } from '../src/lb/control-client.js';
import { recordFromCredential } from '../src/lb/credential-record.js';
import type { DataPlane, StageRequest } from '../src/lb/data-plane.js';
import type { Credential } from '../src/pki/credential.js';
import { encodeCertificatesPem } from '../src/pki/formats/pem.js';
import { privateKeyToPem } from '../src/pki/keys.js';
import { systemClock } from '../src/shared/time.js';
import { mintCredential, mintRoot, saveCredential } from '../test/kit/ca.js';
import { startHaproxy, startHaproxyRoute } from '../test/kit/haproxy.js';
import { httpsLoad, type LoadResult } from '../test/kit/load.js';
import { freePort, startBackend, waitFor } from '../test/kit/net.js';
import { startNginx } from '../test/kit/nginx.js';
import { exchangeFacts, handshakeFrom, observeHandshakes } from '../test/kit/observer.js';

const LEAD_MS = 1500;
const AFTER_MS = Number(process.env.BENCH_AFTER_MS ?? 2500);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
/** nginx time mode: reloadBatchMs of the source-exception runs. */
const BATCH_MS = Number(process.env.BENCH_BATCH_MS ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-dp-'));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'rollover.js');

const oldCred = await mintCredential(await mintRoot('Bench Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('Bench New Root'), ['lb.test']);
const ca = [encodeCertificatesPem([oldCred.root.der]), encodeCertificatesPem([newCred.root.der])];
const backend = await startBackend('x'.repeat(100));

const stageReq = (c: Credential, at: number): StageRequest => ({
  keyPem: privateKeyToPem(c.key.keyObject),
  certPem: encodeCertificatesPem(c.chain.map((x) => x.der)),
  rootPem: encodeCertificatesPem([c.root.der]),
  activateAt: new Date(at),
});

async function run(name: string, port: number, stage: (at: number) => Promise<unknown>) {
  const at = Date.now() + LEAD_MS;
  await stage(at);
  // A data plane that reloads when staged (nginx switching by time) settles before the load starts.
  await new Promise((r) => setTimeout(r, 400));
  const [l, obs] = await Promise.all([
    httpsLoad({ port, servername: 'lb.test', ca, until: at + AFTER_MS, clients: CLIENTS }),
    observeHandshakes({
      host: '127.0.0.1',
      port,
      servername: 'lb.test',
      until: at + AFTER_MS,
      concurrency: 1,
    }),
  ]);
  const f = exchangeFacts(obs, { at, oldSha: oldCred.chain[0]!.sha256, newSha: newCred.chain[0]!.sha256 });
  return {
    dataPlane: name,
    requests: l.requests,
    failures: l.failures,
    errors: l.errors,
    observedHandshakes: f.total,
    newBeforeT: f.newBeforeT.length,
    oldAfterFirstNew: f.oldAfterFirstNew.length,
    oldAfterFirstNewSample: f.oldAfterFirstNew
      .slice(0, 2)
      .map((o) => ({ startedMs: o.startedAt - at, doneMs: o.doneAt - at })),
    firstNewLatenessMs: f.firstNewLatenessMs,
    settledLatenessMs: f.settledLatenessMs,
  };
}

const results = [];
const onlyGrace = process.env.BENCH_GRACE === 'only';

// Built-in: `rollover lb run` as its own process, staged through its control interface.
if (!onlyGrace) {
  const port = await freePort();
  const stateDir = join(dir, 'builtin-state');
  await saveCredential(join(dir, 'old'), oldCred);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      bin,
      'lb',
      'run',
      '--listen',
      `127.0.0.1:${port}`,
      '--host',
      'lb.test',
      '--credential',
      join(dir, 'old'),
      '--backend',
      backend.url,
      '--state-dir',
      stateDir,
      '--workers',
      '1',
      '--log-level',
      'warn',
    ],
    { stdio: 'ignore' },
  );
  await waitFor(async () => existsSync(join(stateDir, 'control.json')), 'the built-in node', 15_000);
  const control = await controlClientFor(stateDir);
  const status = await control.status();
  const vs = status.virtualServers[0]!.name;
  const { bridges: _none, ...req } = stageReq(newCred, 0);
  results.push(
    await run('built-in (1 worker)', port, (at) =>
      control.stage(vs, { ...req, activateAt: new Date(at).toISOString() }),
    ),
  );
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

async function timed(name: string, dp: TimedDataPlane & DataPlane, port: number) {
  await dp.start();
  const r = await run(name, port, (at) => dp.stage('vs1', stageReq(newCred, at)));
  dp.close();
  return r;
}

// HAProxy through the Runtime API.
if (!onlyGrace) {
  const hdir = join(dir, 'haproxy');
  const crt = join(dir, 'haproxy-vs1.pem');
  writeFileSync(crt, haproxyPem(recordFromCredential(oldCred)), { mode: 0o600 });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(hdir);
  const h = await startHaproxy({
    dir: hdir,
    port: await freePort(),
    crtPath: crt,
    backendPort: backend.port,
  });
  const dp = new TimedDataPlane({
    driver: new HaproxyDriver({ socketPath: h.socketPath, crtPaths: { vs1: crt } }),
    virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
    stateDir: join(dir, 'haproxy-state'),
    clock: systemClock,
    initial: { vs1: recordFromCredential(oldCred) },
    prepareLeadMs: 1000,
  });
  results.push(await timed('HAProxy 2.6 (Runtime API)', dp, h.port));
  await h.stop();
}

// nginx through files and a graceful reload.
if (!onlyGrace) {
  const ndir = join(dir, 'nginx');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(ndir);
  const old = recordFromCredential(oldCred);
  writeFileSync(join(ndir, 'tls.crt'), old.certPem);
  writeFileSync(join(ndir, 'tls.key'), old.keyPem, { mode: 0o600 });
  const n = await startNginx({
    dir: ndir,
    port: await freePort(),
    backendPort: backend.port,
    serverName: 'lb.test',
  });
  const dp = new TimedDataPlane({
    driver: new NginxDriver({
      pidFile: n.pidFile,
      virtualServers: {
        vs1: {
          certPath: n.certPath,
          keyPath: n.keyPath,
          host: '127.0.0.1',
          port: n.port,
          servername: 'lb.test',
        },
      },
    }),
    virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
    stateDir: join(dir, 'nginx-state'),
    clock: systemClock,
    initial: { vs1: old },
    prepareLeadMs: 1000,
  });
  results.push(await timed('nginx 1.22 (files + reload)', dp, n.port));
  await n.stop();
}

// nginx switching by its own clock: staged (and reloaded) before the load, nothing happens at T.
if (!onlyGrace) {
  const ndir = join(dir, 'nginx-time');
  const { chmodSync, mkdirSync } = await import('node:fs');
  chmodSync(dir, 0o755);
  mkdirSync(ndir);
  const old = recordFromCredential(oldCred);
  const n = await startNginx({
    dir: ndir,
    port: await freePort(),
    backendPort: backend.port,
    serverName: 'lb.test',
    timeSwitch: { name: 'vs1', initial: old },
  });
  const dp = new TimedDataPlane({
    driver: new NginxTimeSwitchDriver({
      pidFile: n.pidFile,
      virtualServers: {
        vs1: { dir: ndir, fileOwner: '65534:65534', host: '127.0.0.1', port: n.port, servername: 'lb.test' },
      },
    }),
    virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
    stateDir: join(dir, 'nginx-time-state'),
    clock: systemClock,
    initial: { vs1: old },
  });
  results.push(await timed('nginx 1.22 (switch by time)', dp, n.port));
  await n.stop();
}

const graceResults: GraceResult[] = [];
if (process.env.BENCH_GRACE !== '0') {
  const { chmodSync, mkdirSync } = await import('node:fs');
  const old = recordFromCredential(oldCred);
  // HAProxy in route mode.
  {
    const hdir = join(dir, 'haproxy-route');
    mkdirSync(hdir);
    const oldCrt = join(hdir, 'vs1-old.pem');
    const newCrt = join(hdir, 'vs1-new.pem');
    const map = join(hdir, 'vs1.map');
    writeFileSync(oldCrt, haproxyPem(old), { mode: 0o600 });
    writeFileSync(newCrt, haproxyPem(old), { mode: 0o600 });
    writeFileSync(map, '0.0.0.0/0 0\n::/0 0\n');
    const port = await freePort();
    const h = await startHaproxyRoute({ dir: hdir, port, oldCrt, newCrt, map, backendPort: backend.port });
    const dp = new TimedDataPlane({
      driver: new HaproxyRouteDriver({
        socketPath: h.socketPath,
        virtualServers: { vs1: { oldCrt, newCrt, map, host: '127.0.0.1', port, servername: 'lb.test' } },
      }),
      virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
      stateDir: join(dir, 'haproxy-route-state'),
      clock: systemClock,
      initial: { vs1: old },
    });
    graceResults.push(await graceRun('HAProxy 2.6 (route mode)', dp, port));
    await h.stop();
  }
  // nginx in time mode, table changes batched to one reload per second.
  {
    const ndir = join(dir, 'nginx-grace');
    chmodSync(dir, 0o755);
    mkdirSync(ndir);
    const port = await freePort();
    const n = await startNginx({
      dir: ndir,
      port,
      backendPort: backend.port,
      serverName: 'lb.test',
      timeSwitch: { name: 'vs1', initial: old },
    });
    const dp = new TimedDataPlane({
      driver: new NginxTimeSwitchDriver({
        pidFile: n.pidFile,
        reloadBatchMs: BATCH_MS,
        virtualServers: {
          vs1: { dir: ndir, fileOwner: '65534:65534', host: '127.0.0.1', port, servername: 'lb.test' },
        },
      }),
      virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
      stateDir: join(dir, 'nginx-grace-state'),
      clock: systemClock,
      initial: { vs1: old },
    });
    graceResults.push(await graceRun(`nginx 1.22 (time mode, reloadBatchMs ${BATCH_MS})`, dp, port));
    await n.stop();
  }
}

rmSync(dir, { recursive: true, force: true });
if (graceResults.length > 0) {
  console.log(
    'source exceptions across T (ready 127.0.0.2 trusts both roots; straggler 127.0.0.3 in grace trusts the old root only; early 127.0.0.4 trusts the new root only)',
  );
  for (const g of graceResults) {
    const groups = Object.entries(g.groups)
      .map(([k, v]) => `${k} ${v.failures}/${v.requests + v.failures}`)
      .join(', ');
    console.log(
      `  ${g.dataPlane.padEnd(40)} failed/requests: ${groups}; switch at T (last old / first new handshake started, ms after T) ${g.atT.lastOldMs ?? '—'} / ${g.atT.firstNewMs ?? '—'}; at until ${g.atUntil.lastOldMs ?? '—'} / ${g.atUntil.firstNewMs ?? '—'}; table change → first reflecting handshake: ${g.changeDelaysMs.map((d) => `${d.what} ${d.ms} ms`).join(', ')}; ${g.churn.changes} table changes under keep-alive load: ${g.churn.failures} failed of ${g.churn.requests + g.churn.failures}${g.churn.errors.length ? ` (${g.churn.errors.join('; ')})` : ''}`,
    );
  }
  console.log(JSON.stringify(graceResults));
}
console.log('exchange at T under load (clients trust both roots; half keep-alive, half new connections)');
for (const r of results) {
  console.log(
    `  ${r.dataPlane.padEnd(28)} requests ${String(r.requests).padStart(6)}  failures ${r.failures}  new-before-T ${r.newBeforeT}  first new +${r.firstNewLatenessMs ?? '—'} ms  all new +${r.settledLatenessMs ?? '—'} ms${r.errors.length ? `  (${r.errors.join('; ')})` : ''}`,
  );
}
console.log(JSON.stringify(results));
process.exit(0);

interface GraceResult {
  dataPlane: string;
  groups: Record<'ready' | 'straggler' | 'early', LoadResult>;
  /** The switch as seen from a ready sender's address around T, and from a short grace entry's around its `until`. */
  atT: { lastOldMs?: number | undefined; firstNewMs?: number | undefined };
  atUntil: { lastOldMs?: number | undefined; firstNewMs?: number | undefined };
  changeDelaysMs: Array<{ what: string; ms: number }>;
  churn: LoadResult & { changes: number };
}

/**
 * Handshakes from `localAddress`, back to back, until every one has got `sha256` for 300 ms (a
 * graceful reload lets old workers accept for a moment); ms from `t0` to the start of that run.
 */
async function firstReflecting(localAddress: string, port: number, sha256: string, t0: number) {
  let runStart: number | undefined;
  for (;;) {
    const startedAt = Date.now();
    const r = await handshakeFrom({ localAddress, port, servername: 'lb.test', ca });
    if (r.sha256 !== sha256) runStart = undefined;
    else {
      runStart ??= startedAt;
      if (Date.now() - runStart >= 300) return runStart - t0;
    }
    if (Date.now() - t0 > 20_000) return Number.NaN;
  }
}

/** Around `instant`: the start of the last handshake from `localAddress` that got the old leaf, and of the first that got the new one (ms after `instant`). */
async function watchSwitch(localAddress: string, port: number, instant: number, end: number) {
  const newSha = newCred.chain[0]!.sha256;
  let lastOldMs: number | undefined;
  let firstNewMs: number | undefined;
  while (Date.now() < end && firstNewMs === undefined) {
    const startedAt = Date.now();
    const r = await handshakeFrom({ localAddress, port, servername: 'lb.test', ca });
    if (r.sha256 === newSha) firstNewMs = startedAt - instant;
    else if (r.sha256) lastOldMs = startedAt - instant;
  }
  return { lastOldMs, firstNewMs };
}

/** The three groups across T, then table-change delays, then table churn under keep-alive load. */
async function graceRun(name: string, dp: TimedDataPlane, port: number): Promise<GraceResult> {
  await dp.start();
  const oldSha = oldCred.chain[0]!.sha256;
  const newSha = newCred.chain[0]!.sha256;
  // Room before T for the staging reload, a batched table reload and the pause below.
  const at = Date.now() + LEAD_MS + 4000;
  const until = at + 3_600_000;
  // 127.0.0.5: a grace entry that ends during the run, to see the data plane honour `until` by itself.
  const shortUntil = at + 1000;
  const table = (straggler: boolean) => ({
    op: 'replace' as const,
    entries: [
      ...(straggler ? [{ cidr: '127.0.0.3', serve: 'old' as const, until }] : []),
      { cidr: '127.0.0.4', serve: 'new' as const },
      ...(Date.now() < shortUntil ? [{ cidr: '127.0.0.5', serve: 'old' as const, until: shortUntil }] : []),
    ],
  });
  await dp.stage('vs1', stageReq(newCred, at));
  await dp.exceptions('vs1', table(true));
  await firstReflecting('127.0.0.4', port, newSha, Date.now());
  // Set long before T in real life: let a reload's old workers finish before the load starts.
  await new Promise((r) => setTimeout(r, 1000));
  const end = at + AFTER_MS;
  const [oldRoot, newRoot] = ca as [string, string];
  const each = Math.max(2, Math.floor(CLIENTS / 2));
  const [ready, straggler, early, atT, atUntil] = await Promise.all([
    httpsLoad({ port, servername: 'lb.test', ca, until: end, clients: each, localAddress: '127.0.0.2' }),
    httpsLoad({
      port,
      servername: 'lb.test',
      ca: [oldRoot],
      until: end,
      clients: each,
      localAddress: '127.0.0.3',
    }),
    httpsLoad({
      port,
      servername: 'lb.test',
      ca: [newRoot],
      until: end,
      clients: each,
      localAddress: '127.0.0.4',
    }),
    watchSwitch('127.0.0.2', port, at, end),
    watchSwitch('127.0.0.5', port, shortUntil, end),
  ]);
  // The straggler proves itself (entry removed), then is put back (entry added again) right away.
  const changeDelaysMs: GraceResult['changeDelaysMs'] = [];
  await new Promise((r) => setTimeout(r, BATCH_MS + 200));
  let t0 = Date.now();
  await dp.exceptions('vs1', table(false));
  changeDelaysMs.push({
    what: 'after a quiet period',
    ms: await firstReflecting('127.0.0.3', port, newSha, t0),
  });
  t0 = Date.now();
  await dp.exceptions('vs1', table(true));
  changeDelaysMs.push({
    what: 'right after another',
    ms: await firstReflecting('127.0.0.3', port, oldSha, t0),
  });
  // Table churn under keep-alive load: a change every BATCH_MS + 100 ms (each one a reload on nginx).
  await new Promise((r) => setTimeout(r, BATCH_MS + 200));
  const CHANGES = 4;
  const churnEnd = Date.now() + 250 + CHANGES * (BATCH_MS + 100) + 500;
  let changes = 0;
  const churner = async () => {
    await new Promise((r) => setTimeout(r, 250));
    for (; changes < CHANGES; changes++) {
      await dp.exceptions('vs1', table(changes % 2 === 1));
      await new Promise((r) => setTimeout(r, BATCH_MS + 100));
    }
  };
  const [churn] = await Promise.all([
    httpsLoad({
      port,
      servername: 'lb.test',
      ca,
      until: churnEnd,
      clients: CLIENTS,
      localAddress: '127.0.0.2',
    }),
    churner(),
  ]);
  // A table of 10 000 addresses + 100 /24 ranges: one replace, then the straggler's entry removed from it.
  await new Promise((r) => setTimeout(r, BATCH_MS + 200));
  const big = [
    ...Array.from({ length: 10_000 }, (_, i) => ({
      cidr: `10.${(i >> 8) & 255}.${i & 255}.7`,
      serve: 'old' as const,
      until,
    })),
    ...Array.from({ length: 100 }, (_, i) => ({ cidr: `172.16.${i}.0/24`, serve: 'old' as const, until })),
  ];
  t0 = Date.now();
  await dp.exceptions('vs1', { op: 'replace', entries: [...big, ...table(true).entries] });
  // The straggler is in grace before and after this call: only its duration is measured.
  const bigCallMs = Date.now() - t0;
  await new Promise((r) => setTimeout(r, BATCH_MS + 200));
  t0 = Date.now();
  await dp.exceptions('vs1', { op: 'replace', entries: [...big, ...table(false).entries] });
  const bigRemoveMs = await firstReflecting('127.0.0.3', port, newSha, t0);
  changeDelaysMs.push(
    { what: 'a 10 100-entry table (the call)', ms: bigCallMs },
    { what: 'one entry removed from it', ms: bigRemoveMs },
  );
  dp.close();
  return {
    dataPlane: name,
    groups: { ready, straggler, early },
    atT,
    atUntil,
    changeDelaysMs,
    churn: { ...churn, changes },
  };
}
