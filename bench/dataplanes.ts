/**
 * `npm run bench:dataplanes`: the exchange at T under load on each kind of data plane, side by side in
 * one run — the built-in node (`rollover lb run --workers 1`), a real HAProxy driven by `rollover lb
 * agent`'s Runtime API driver, and a real nginx driven by files + graceful reload. For each: requests
 * and failures of clients that trust both roots (half keep-alive, half a new TLS connection per
 * request), and the lateness after T of the first new-certificate handshake and of the point from which
 * every handshake gets it, seen by an independent observer.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HaproxyDriver, haproxyPem } from '../src/adapters/haproxy/driver.js';
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
import { startHaproxy } from '../test/kit/haproxy.js';
import { httpsLoad } from '../test/kit/load.js';
import { freePort, startBackend, waitFor } from '../test/kit/net.js';
import { startNginx } from '../test/kit/nginx.js';
import { exchangeFacts, observeHandshakes } from '../test/kit/observer.js';

const LEAD_MS = 1500;
const AFTER_MS = Number(process.env.BENCH_AFTER_MS ?? 2500);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
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

// Built-in: `rollover lb run` as its own process, staged through its control interface.
{
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
{
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
{
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
{
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

rmSync(dir, { recursive: true, force: true });
console.log('exchange at T under load (clients trust both roots; half keep-alive, half new connections)');
for (const r of results) {
  console.log(
    `  ${r.dataPlane.padEnd(28)} requests ${String(r.requests).padStart(6)}  failures ${r.failures}  new-before-T ${r.newBeforeT}  first new +${r.firstNewLatenessMs ?? '—'} ms  all new +${r.settledLatenessMs ?? '—'} ms${r.errors.length ? `  (${r.errors.join('; ')})` : ''}`,
  );
}
console.log(JSON.stringify(results));
process.exit(0);
