/**
 * `npm run bench:lb`: the built-in data plane side by side with nginx and HAProxy, in one run, on
 * the same certificate (ECDSA P-256) and the same nginx backend answering 100 bytes. Each server
 * runs one worker/thread. wrk drives keep-alive proxied requests, then new TLS handshakes
 * (`Connection: close`: one full handshake per request). Each server's CPU time is read from /proc,
 * so the per-core-second figures hold even on a shared machine.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  cpuSeconds,
  ensureBenchTools,
  mintBenchCredential,
  type Proc,
  startHaproxy,
  startNginxBackend,
  startNginxProxy,
  startRolloverLb,
} from './lb-servers.js';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

interface Figure {
  requests: number;
  seconds: number;
  rps: number;
  cpu: number;
  perCore: number;
  errors: number;
}

/** Runs wrk against a server and measures the server's CPU time over the run. */
async function wrk(p: Proc, seconds: number, close: boolean): Promise<Figure> {
  const pid = p.child.pid!;
  const args = [
    '-t1',
    `-c${close ? 16 : CONNECTIONS}`,
    `-d${seconds}s`,
    ...(close ? ['-H', 'Connection: close'] : []),
  ];
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const { stdout } = await run('wrk', [...args, `https://127.0.0.1:${p.port}/`], { maxBuffer: 1 << 20 });
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (sock ? sock.slice(1).reduce((n, x) => n + Number(x), 0) : 0);
  return {
    requests,
    seconds: elapsed,
    rps: requests / seconds,
    cpu,
    perCore: requests / Math.max(cpu, 0.01),
    errors,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-lb-'));
const procs: Proc[] = [];
try {
  ensureBenchTools();
  const c = await mintBenchCredential(dir, 'bench');
  const backend = await startNginxBackend(dir);
  procs.push(backend);
  const servers = [
    await startRolloverLb(dir, c.dir, backend.port),
    await startNginxProxy(dir, c.certFile, c.keyFile, backend.port),
    await startHaproxy(dir, c.pemFile, backend.port),
  ];
  procs.push(...servers);
  const results: Record<string, { keepAlive: Figure; handshakes: Figure }> = {};
  for (const s of servers) {
    await wrk(s, 2, false); // warm-up (JIT, pools)
    const keepAlive = await wrk(s, SECONDS, false);
    const handshakes = await wrk(s, SECONDS, true);
    results[s.name] = { keepAlive, handshakes };
    console.error(
      `${s.name}: keep-alive ${keepAlive.rps.toFixed(0)} req/s (${keepAlive.perCore.toFixed(0)} per core-s, cpu ${keepAlive.cpu.toFixed(2)} s, errors ${keepAlive.errors}); ` +
        `handshakes ${handshakes.rps.toFixed(0)}/s (${handshakes.perCore.toFixed(0)} per core-s, cpu ${handshakes.cpu.toFixed(2)} s, errors ${handshakes.errors})`,
    );
  }
  const n = results.nginx!;
  console.log(
    `\n| measured ${new Date().toISOString().slice(0, 10)} | keep-alive req/s | server CPU s | req per core-s | ratio to nginx | new handshakes/s | server CPU s | handshakes per core-s | ratio to nginx |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `| ${name} | ${r.keepAlive.rps.toFixed(0)} | ${r.keepAlive.cpu.toFixed(2)} | ${r.keepAlive.perCore.toFixed(0)} | ${(r.keepAlive.perCore / n.keepAlive.perCore).toFixed(2)}× | ` +
        `${r.handshakes.rps.toFixed(0)} | ${r.handshakes.cpu.toFixed(2)} | ${r.handshakes.perCore.toFixed(0)} | ${(r.handshakes.perCore / n.handshakes.perCore).toFixed(2)}× |`,
    );
  }
  const errs = Object.values(results).reduce((x, r) => x + r.keepAlive.errors + r.handshakes.errors, 0);
  console.log(
    `\n${SECONDS} s per figure, wrk -t1, ${CONNECTIONS} keep-alive connections / 16 closing connections; errors in all runs: ${errs}`,
  );
} finally {
  for (const p of procs.reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
}
