/**
 * `npm run bench:exchange`: load across an exchange. The built-in data plane (`lb run`, one worker)
 * serves the old credential; while the load runs, `lb stage` stages the new one for T = now + 4 s; clients trusting both
 * roots run keep-alive and new-connection loops until at least 50k requests and T + 3 s. Reports
 * requests, failures, the lateness of the first new-certificate handshake after T (server side:
 * the ClientHello's arrival, from `lb status`; client side: when the handshake started), and how
 * many handshakes that started after T got the old certificate.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { encodeCertificatesPem } from '../src/pki/formats/pem.js';
import type { KeyType } from '../src/pki/keys.js';
import { mintBenchCredential, type Proc, REPO, startNginxBackend, startRolloverLb } from './lb-servers.js';

const run = promisify(execFile);
const MIN_REQUESTS = Number(process.env.BENCH_REQUESTS ?? 50_000);
const NEW_KEY = (process.env.BENCH_NEW_KEY ?? 'ec-p256') as KeyType;
const LEAD_MS = 4000;
const KEEP_ALIVE_LOOPS = 12;
const NEW_CONNECTION_LOOPS = 4;

const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-exchange-'));
const procs: Proc[] = [];
try {
  const oldC = await mintBenchCredential(dir, 'old');
  const newC = await mintBenchCredential(dir, 'new', NEW_KEY);
  const OLD = oldC.cred.chain[0]!.sha256;
  const NEW = newC.cred.chain[0]!.sha256;
  const backend = await startNginxBackend(dir);
  procs.push(backend);
  const lb = await startRolloverLb(dir, oldC.dir, backend.port);
  procs.push(lb);
  const cli = (...args: string[]) =>
    run(process.execPath, [join(REPO, 'bin/rollover.js'), ...args], { cwd: dir });

  const ctx = createSecureContext({ ca: encodeCertificatesPem([oldC.cred.root.der, newC.cred.root.der]) });
  let T = Number.POSITIVE_INFINITY;

  let requests = 0;
  const failures = new Map<string, number>();
  const handshakes: Array<{ startedAt: number; fp: string }> = [];
  const seen = new WeakSet<object>();
  const fail = (why: string) => failures.set(why, (failures.get(why) ?? 0) + 1);
  const one = (agent: https.Agent | false, sni: boolean) =>
    new Promise<void>((resolve) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port: lb.port,
          path: '/',
          headers: { host: 'lb.test' },
          agent,
          secureContext: ctx,
          ...(sni ? { servername: 'lb.test' } : {}),
        } as https.RequestOptions,
        (res) => {
          res.resume();
          res.on('end', () => {
            requests++;
            if (res.statusCode !== 200) fail(`HTTP ${res.statusCode}`);
            resolve();
          });
        },
      );
      req.on('socket', (s) => {
        if (seen.has(s)) return;
        seen.add(s);
        const startedAt = Date.now();
        s.once('secureConnect', () =>
          handshakes.push({
            startedAt,
            fp: ((s as TLSSocket).getPeerCertificate().fingerprint256 ?? '').replace(/:/g, '').toLowerCase(),
          }),
        );
      });
      req.on('error', (e) => {
        fail(e.message);
        resolve();
      });
      req.end();
    });
  const done = () => requests >= MIN_REQUESTS && Date.now() >= T + 3000;
  const loop = async (keepAlive: boolean, sni: boolean) => {
    const agent = keepAlive
      ? new https.Agent({ keepAlive: true, maxSockets: 1, maxCachedSessions: 0 })
      : false;
    while (!done()) await one(agent, sni);
    if (agent) agent.destroy();
  };
  const t0 = Date.now();
  const loops: Promise<void>[] = [];
  for (let i = 0; i < KEEP_ALIVE_LOOPS; i++) loops.push(loop(true, i % 2 === 0));
  for (let i = 0; i < NEW_CONNECTION_LOOPS; i++) loops.push(loop(false, i % 2 === 0));
  // Stage while the load runs, T a few seconds ahead (the CLI call itself takes a while on a busy machine).
  await new Promise((r) => setTimeout(r, 1000));
  const t = Date.now() + LEAD_MS;
  await cli(
    'lb',
    'stage',
    '--state-dir',
    lb.stateDir,
    '--credential',
    newC.dir,
    '--at',
    new Date(t).toISOString(),
  );
  const stagedAhead = t - Date.now();
  T = t;
  await Promise.all(loops);
  const elapsed = (Date.now() - t0) / 1000;

  const metrics = await (await fetch(`http://127.0.0.1:${lb.metricsPort}/metrics`)).text();
  const lag = (q: string) =>
    Number(new RegExp(`^nodejs_eventloop_lag_${q}_seconds (\\S+)`, 'm').exec(metrics)?.[1] ?? Number.NaN) *
    1000;
  const status = JSON.parse((await cli('lb', 'status', '--state-dir', lb.stateDir, '--json')).stdout);
  const vs = status.virtualServers[0];
  const afterT = handshakes.filter((h) => h.startedAt >= T);
  const oldAfterT = afterT.filter((h) => h.fp !== NEW).length;
  const firstNew = Math.min(...handshakes.filter((h) => h.fp === NEW).map((h) => h.startedAt));
  const failed = [...failures.values()].reduce((a, b) => a + b, 0);
  console.log(`\n| measured ${new Date().toISOString().slice(0, 10)} | value | goal |`);
  console.log('|---|---|---|');
  console.log(
    `| requests (over ${elapsed.toFixed(1)} s; ${KEEP_ALIVE_LOOPS} keep-alive + ${NEW_CONNECTION_LOOPS} new-connection loops, half with SNI; staged ${stagedAhead} ms before T) | ${requests} | ≥ 50000 |`,
  );
  console.log(
    `| failed requests | ${failed}${failed ? ` (${[...failures].map(([k, v]) => `${k}: ${v}`).join('; ')})` : ''} | 0 |`,
  );
  console.log(`| handshakes (total / started at or after T) | ${handshakes.length} / ${afterT.length} | |`);
  console.log(`| handshakes started after T that got the old certificate | ${oldAfterT} | 0 |`);
  console.log(
    `| first new-certificate handshake after T, server side (ClientHello arrival − T) | ${vs.lastSwap?.latenessMs ?? 'n/a'} ms | ≤ 5 ms |`,
  );
  console.log(
    `| earliest handshake that got the new certificate, client side (its connect start − T; negative: connected just before T, ClientHello arrived after) | ${firstNew - T} ms | |`,
  );
  console.log(
    `| the data plane's event-loop delay over the run (p50 / p99 / max) | ${lag('p50').toFixed(1)} / ${lag('p99').toFixed(1)} / ${lag('max').toFixed(1)} ms | |`,
  );
  console.log(
    `| served after the run | ${vs.served.sha256 === NEW ? 'new' : vs.served.sha256 === OLD ? 'old' : '?'} certificate (${NEW_KEY}) | new |`,
  );
} finally {
  for (const p of procs.reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
}
