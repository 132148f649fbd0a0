/**
 * `npm run bench:exchange`: load across an exchange. The built-in data plane (`lb run`, one worker)
 * serves the old credential; while the load runs, `lb stage` stages the new one for T = now + 6 s.
 * Three groups of clients, each from its own loopback address, run keep-alive and new-connection
 * loops until at least 50k requests and the grace deadline + 1.5 s:
 * - ready (127.0.0.1): trusts both roots;
 * - stragglers (127.0.0.2): trust only the old root, and are in grace (`lb grace --until T + 3 s`);
 * - early (127.0.0.3): trust only the new root, switched early (`lb early`), started once staged.
 * Reports requests and failures per group (the goal: none before the grace deadline, in every
 * group), how soon after the deadline the stragglers' new handshakes fail, the lateness of the first
 * new-certificate handshake after T (server side: the ClientHello's arrival, from `lb status`; client
 * side: when the handshake started), and how many handshakes of the ready group that started after T
 * got the old certificate.
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
const LEAD_MS = 6000;
const GRACE_MS = 3000;
const KEEP_ALIVE_LOOPS = 12;
const NEW_CONNECTION_LOOPS = 4;
/** Loops per extra group (stragglers, early): half keep-alive, half new connections. */
const GROUP_LOOPS = 4;

type Group = 'ready' | 'straggler' | 'early';
const ADDRESS: Record<Group, string> = { ready: '127.0.0.1', straggler: '127.0.0.2', early: '127.0.0.3' };

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

  const roots = { old: oldC.cred.root.der, new: newC.cred.root.der };
  const ctxOf: Record<Group, ReturnType<typeof createSecureContext>> = {
    ready: createSecureContext({ ca: encodeCertificatesPem([roots.old, roots.new]) }),
    straggler: createSecureContext({ ca: encodeCertificatesPem([roots.old]) }),
    early: createSecureContext({ ca: encodeCertificatesPem([roots.new]) }),
  };
  let T = Number.POSITIVE_INFINITY;
  let until = Number.POSITIVE_INFINITY;

  let requests = 0;
  const per = new Map<
    Group,
    { requests: number; failures: Map<string, number>; failuresBeforeUntil: number }
  >();
  for (const g of ['ready', 'straggler', 'early'] as const)
    per.set(g, { requests: 0, failures: new Map(), failuresBeforeUntil: 0 });
  const handshakes: Array<{ group: Group; startedAt: number; fp: string | null; keepAlive: boolean }> = [];
  const seen = new WeakSet<object>();
  const one = (group: Group, agent: https.Agent | false, sni: boolean) =>
    new Promise<void>((resolve) => {
      const g = per.get(group)!;
      const startedAt = Date.now();
      const fail = (why: string) => {
        g.failures.set(why, (g.failures.get(why) ?? 0) + 1);
        if (startedAt < until) g.failuresBeforeUntil++;
      };
      const req = https.request(
        {
          host: '127.0.0.1',
          port: lb.port,
          path: '/',
          headers: { host: 'lb.test' },
          agent,
          localAddress: ADDRESS[group],
          secureContext: ctxOf[group],
          ...(sni ? { servername: 'lb.test' } : {}),
        } as https.RequestOptions,
        (res) => {
          res.resume();
          res.on('end', () => {
            requests++;
            g.requests++;
            if (res.statusCode !== 200) fail(`HTTP ${res.statusCode}`);
            resolve();
          });
        },
      );
      req.on('socket', (s) => {
        if (seen.has(s)) return;
        seen.add(s);
        const at = Date.now();
        const record = (fp: string | null) =>
          handshakes.push({ group, startedAt: at, fp, keepAlive: agent !== false });
        s.once('secureConnect', () =>
          record(
            ((s as TLSSocket).getPeerCertificate().fingerprint256 ?? '').replace(/:/g, '').toLowerCase(),
          ),
        );
        s.once('error', () => record(null));
      });
      req.on('error', (e) => {
        requests++;
        g.requests++;
        fail((e as NodeJS.ErrnoException).code ?? e.message);
        resolve();
      });
      req.end();
    });
  const done = () => requests >= MIN_REQUESTS && Date.now() >= until + 1500;
  const loop = async (group: Group, keepAlive: boolean, sni: boolean) => {
    const agent = keepAlive
      ? new https.Agent({ keepAlive: true, maxSockets: 1, maxCachedSessions: 0 })
      : false;
    while (!done()) await one(group, agent, sni);
    if (agent) agent.destroy();
  };
  const t0 = Date.now();
  const loops: Promise<void>[] = [];
  for (let i = 0; i < KEEP_ALIVE_LOOPS; i++) loops.push(loop('ready', true, i % 2 === 0));
  for (let i = 0; i < NEW_CONNECTION_LOOPS; i++) loops.push(loop('ready', false, i % 2 === 0));
  for (let i = 0; i < GROUP_LOOPS; i++) loops.push(loop('straggler', i % 2 === 0, true));
  // Stage while the load runs, T a few seconds ahead (the CLI calls take a while on a busy machine).
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
  const graceUntil = t + GRACE_MS;
  await cli(
    'lb',
    'grace',
    '--state-dir',
    lb.stateDir,
    '--add',
    ADDRESS.straggler,
    '--until',
    new Date(graceUntil).toISOString(),
  );
  await cli('lb', 'early', '--state-dir', lb.stateDir, '--add', ADDRESS.early);
  const tablesAhead = t - Date.now();
  until = graceUntil;
  for (let i = 0; i < GROUP_LOOPS; i++) loops.push(loop('early', i % 2 === 0, true));
  await Promise.all(loops);
  const elapsed = (Date.now() - t0) / 1000;

  const metrics = await (await fetch(`http://127.0.0.1:${lb.metricsPort}/metrics`)).text();
  const lag = (q: string) =>
    Number(new RegExp(`^nodejs_eventloop_lag_${q}_seconds (\\S+)`, 'm').exec(metrics)?.[1] ?? Number.NaN) *
    1000;
  const status = JSON.parse((await cli('lb', 'status', '--state-dir', lb.stateDir, '--json')).stdout);
  const vs = status.virtualServers[0];
  const ready = handshakes.filter((h) => h.group === 'ready');
  const afterT = ready.filter((h) => h.startedAt >= T);
  const oldAfterT = afterT.filter((h) => h.fp !== NEW).length;
  const firstNew = Math.min(...ready.filter((h) => h.fp === NEW).map((h) => h.startedAt));
  // Stragglers after the deadline: new connections get the new certificate and fail (keep-alive
  // connections opened before it keep their credential); when does the first one fail?
  const strNew = handshakes.filter((h) => h.group === 'straggler' && !h.keepAlive);
  const firstFailAfter = Math.min(
    ...strNew.filter((h) => h.fp === null && h.startedAt >= until).map((h) => h.startedAt),
  );
  const lastOkBefore = Math.max(...strNew.filter((h) => h.fp === OLD).map((h) => h.startedAt));
  const earlyNewBeforeT = handshakes.filter(
    (h) => h.group === 'early' && h.fp === NEW && h.startedAt < T,
  ).length;
  const row = (g: Group) => {
    const x = per.get(g)!;
    const all = [...x.failures.values()].reduce((a, b) => a + b, 0);
    return `| ${g} (${ADDRESS[g]}) | ${x.requests} | ${x.failuresBeforeUntil} | ${all - x.failuresBeforeUntil}${all ? ` (${[...x.failures].map(([k, v]) => `${k}: ${v}`).join('; ')})` : ''} |`;
  };
  console.log(
    `\n| group (measured ${new Date().toISOString().slice(0, 10)}) | requests | failed before the grace deadline (goal 0) | failed after it |`,
  );
  console.log('|---|---|---|---|');
  for (const g of ['ready', 'straggler', 'early'] as const) console.log(row(g));
  const failed = [...per.values()].reduce((a, x) => a + x.failuresBeforeUntil, 0);
  console.log(`\n| measured ${new Date().toISOString().slice(0, 10)} | value | goal |`);
  console.log('|---|---|---|');
  console.log(
    `| requests (over ${elapsed.toFixed(1)} s; ready: ${KEEP_ALIVE_LOOPS} keep-alive + ${NEW_CONNECTION_LOOPS} new-connection loops, half with SNI; ${GROUP_LOOPS} loops per other group; staged ${stagedAhead} ms and the grace/early tables ${tablesAhead} ms before T; grace deadline T + ${GRACE_MS} ms) | ${requests} | ≥ 50000 |`,
  );
  console.log(`| failed requests before the grace deadline, all groups | ${failed} | 0 |`);
  console.log(
    `| stragglers' first failed new handshake after the deadline (its start − deadline) / last one served the old certificate (its start − deadline) | ${firstFailAfter - until} ms / ${lastOkBefore - until} ms | ≤ 50 ms / < 0 |`,
  );
  console.log(`| early group: handshakes before T that got the new certificate | ${earlyNewBeforeT} | > 0 |`);
  console.log(`| ready handshakes (total / started at or after T) | ${ready.length} / ${afterT.length} | |`);
  console.log(`| ready handshakes started after T that got the old certificate | ${oldAfterT} | 0 |`);
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
