/**
 * `npm run fuzz -- [--seconds N] [--targets a,b] [--jobs J] [--seed S]`: runs each target for N seconds
 * (default 60) in a worker thread, J targets at a time (default 1; a hang is measured in the process's
 * CPU time, exact with one job), and prints per target the inputs,
 * the rate, what each strategy reached, and every finding: an untyped error (a crash of the decoder's
 * contract), a hang (one input running 1 s: the worker is stopped and restarted) or a slow input. The
 * inputs behind findings are written to fuzz/findings/ (not kept in git) to replay and fix.
 * Exits 1 when there is any finding.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { REPO } from './corpus.js';
import { TARGETS } from './targets.js';
import { SHARED_BYTES, type WorkerInput, type WorkerReport } from './worker.js';

/** An input that uses this much CPU time is a hang (CPU, not wall time: a busy shared machine stalls us). */
const HANG_MS = 1000;
/** An input that sleeps this long without finishing (a promise never settled) is a hang too. */
const WALL_HANG_MS = 30_000;

/** CPU time of this process in ms (the worker's, with one job at a time). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : dflt;
}

interface Total {
  target: string;
  seconds: number;
  inputs: number;
  ok: number;
  typed: Record<string, number>;
  findings: Record<string, { count: number; sample: string; stack: string }>;
  hangs: string[];
  slowestMs: number;
  slowInputs: number;
  strategies: WorkerReport['strategies'];
  restarts: number;
  setupMs: number;
}

function add(t: Total, r: WorkerReport): void {
  t.inputs += r.inputs;
  t.ok += r.ok;
  for (const [k, v] of Object.entries(r.typed)) t.typed[k] = (t.typed[k] ?? 0) + v;
  for (const [k, v] of Object.entries(r.findings)) {
    t.findings[k] ??= { ...v, count: 0 };
    t.findings[k].count += v.count;
  }
  t.slowestMs = Math.max(t.slowestMs, r.slowest.ms);
  t.setupMs += r.setupMs;
  t.slowInputs += r.slowInputs;
  for (const s of ['mutate', 'generate'] as const) {
    t.strategies[s].inputs += r.strategies[s].inputs;
    t.strategies[s].findings += r.strategies[s].findings;
    t.strategies[s].outcomes = Math.max(t.strategies[s].outcomes, r.strategies[s].outcomes);
  }
}

/** Runs one target until `seconds` pass, restarting its worker after a hang. */
export async function fuzzTarget(name: string, seconds: number, seed: number): Promise<Total> {
  const t0 = Date.now();
  const deadline = t0 + seconds * 1000;
  const total: Total = {
    target: name,
    seconds: 0,
    inputs: 0,
    ok: 0,
    typed: {},
    findings: {},
    hangs: [],
    slowestMs: 0,
    slowInputs: 0,
    strategies: {
      mutate: { inputs: 0, outcomes: 0, findings: 0 },
      generate: { inputs: 0, outcomes: 0, findings: 0 },
    },
    restarts: 0,
    setupMs: 0,
  };
  let s = seed;
  while (Date.now() < deadline - 500) {
    const shared = new SharedArrayBuffer(SHARED_BYTES);
    const ctl = new Int32Array(shared, 0, 2);
    const started = new Float64Array(shared, 8, 1);
    const input: WorkerInput = { target: name, deadline, seed: s++, shared };
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: input });
    let last: WorkerReport | undefined;
    const result = await new Promise<'done' | 'hang' | 'error'>((resolve) => {
      let seen = 0;
      let cpu0 = 0;
      const watch = setInterval(() => {
        if (Atomics.load(ctl, 0) !== 1) return;
        if (started[0] !== seen) {
          seen = started[0]!;
          cpu0 = cpuMs();
          return;
        }
        if (cpuMs() - cpu0 > HANG_MS || Date.now() - seen > WALL_HANG_MS) {
          const len = Atomics.load(ctl, 1);
          total.hangs.push(Buffer.from(new Uint8Array(shared, 16, len)).toString('base64'));
          clearInterval(watch);
          void w.terminate();
          resolve('hang');
        }
      }, 100);
      w.on('message', (r: WorkerReport) => {
        last = r;
        if (r.done) {
          clearInterval(watch);
          void w.terminate();
          resolve('done');
        }
      });
      w.on('error', (e) => {
        clearInterval(watch);
        total.findings[`worker crashed: ${e.message.slice(0, 100)}`] = {
          count: 1,
          sample: '',
          stack: e.stack ?? '',
        };
        resolve('error');
      });
      w.on('exit', () => {
        clearInterval(watch);
        resolve(last?.done ? 'done' : 'error');
      });
    });
    if (last) add(total, last);
    if (result === 'done') break;
    total.restarts++;
  }
  total.seconds = (Date.now() - t0) / 1000;
  return total;
}

async function main(): Promise<void> {
  const seconds = Number(arg('seconds', '60'));
  const jobs = Number(arg('jobs', '1'));
  const seed = Number(arg('seed', String(Date.now() % 100000)));
  const names = arg('targets', TARGETS.map((t) => t.name).join(',')).split(',');
  const queue = [...names];
  const totals: Total[] = [];
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      for (let n = queue.shift(); n; n = queue.shift()) {
        const t = await fuzzTarget(n, seconds, seed);
        totals.push(t);
        const f = Object.keys(t.findings).length;
        process.stdout.write(
          `${t.target.padEnd(12)} ${String(t.inputs).padStart(9)} inputs in ${t.seconds.toFixed(0)} s ` +
            `(${Math.round(t.inputs / t.seconds)}/s; set-up ${(t.setupMs / 1000).toFixed(1)} s)  findings ${f}  hangs ${t.hangs.length}  slowest ${t.slowestMs.toFixed(0)} ms  ` +
            `mutate ${t.strategies.mutate.inputs}/${t.strategies.mutate.outcomes} outcomes  ` +
            `generate ${t.strategies.generate.inputs}/${t.strategies.generate.outcomes} outcomes\n`,
        );
      }
    }),
  );
  const dir = join(REPO, 'fuzz', 'findings');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(dir, `run-${stamp}.json`), JSON.stringify({ seconds, seed, totals }, null, 2));
  for (const t of totals) {
    for (const [k, v] of Object.entries(t.findings))
      process.stdout.write(
        `FINDING ${t.target}: ${k} ×${v.count}\n${v.stack}\n  input (base64): ${v.sample.slice(0, 200)}\n`,
      );
    for (const h of t.hangs) process.stdout.write(`HANG ${t.target}: input (base64): ${h.slice(0, 200)}\n`);
  }
  process.stdout.write(
    `${JSON.stringify({ seconds, seed, totals: totals.map(({ findings, hangs, ...r }) => ({ ...r, findings: Object.keys(findings).length, hangs: hangs.length })) })}\n`,
  );
  process.exitCode = totals.some((t) => Object.keys(t.findings).length || t.hangs.length) ? 1 : 0;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) void main();
