/**
 * One fuzz target in a worker thread: inputs from seed mutation and from fast-check generation, each
 * copied into shared memory before it runs so the parent can name the input that hangs. Reports
 * cumulative counts every second and at the end.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { readCorpus } from './corpus.js';
import { mutate, Rng } from './mutate.js';
import { classify, findingKey } from './outcome.js';
import { TARGETS } from './targets.js';

/** What the parent passes. */
export interface WorkerInput {
  target: string;
  deadline: number;
  seed: number;
  shared: SharedArrayBuffer;
  /** Stop after this many inputs (for the quick replay); default unlimited. */
  maxInputs?: number;
}

/** Counts per strategy. */
export interface StrategyStats {
  inputs: number;
  /** Distinct outcome signatures (typed code + message shape) reached. */
  outcomes: number;
  findings: number;
}

/** The cumulative report. */
export interface WorkerReport {
  target: string;
  inputs: number;
  typed: Record<string, number>;
  ok: number;
  findings: Record<string, { count: number; sample: string; stack: string }>;
  slowest: { ms: number; sample: string };
  slowInputs: number;
  strategies: Record<'mutate' | 'generate', StrategyStats>;
  done: boolean;
  /** Time to mint the seeds and build the generator. */
  setupMs: number;
}

/** Shared memory layout: [state, length] Int32, [startedAt] Float64 at 8, input bytes from 16. */
export const SHARED_BYTES = 16 + 1024 * 1024;

async function main(): Promise<void> {
  const w = workerData as WorkerInput;
  const target = TARGETS.find((t) => t.name === w.target)!;
  const ctl = new Int32Array(w.shared, 0, 2);
  const started = new Float64Array(w.shared, 8, 1);
  const data = new Uint8Array(w.shared, 16);
  const s0 = Date.now();
  await target.setup?.();
  const pool: Uint8Array[] = [...readCorpus(target.name), ...(await target.seeds())];
  const arb = await target.generator();
  const setupMs = Date.now() - s0;
  const rng = new Rng(w.seed);
  const outcomes = { mutate: new Set<string>(), generate: new Set<string>() };
  const report: WorkerReport = {
    target: target.name,
    inputs: 0,
    typed: {},
    ok: 0,
    findings: {},
    slowest: { ms: 0, sample: '' },
    slowInputs: 0,
    strategies: {
      mutate: { inputs: 0, outcomes: 0, findings: 0 },
      generate: { inputs: 0, outcomes: 0, findings: 0 },
    },
    done: false,
    setupMs,
  };
  const seen = new Set<string>();
  let lastPost = Date.now();
  let generated: Uint8Array[] = [];
  let genSeed = w.seed;
  const max = w.maxInputs ?? Number.POSITIVE_INFINITY;
  while (Date.now() < w.deadline && report.inputs < max) {
    // Half the inputs from each strategy, alternating in small batches.
    const strategy: 'mutate' | 'generate' = (report.inputs >> 6) % 2 === 0 ? 'mutate' : 'generate';
    let input: Uint8Array;
    if (strategy === 'mutate') {
      const a = pool[rng.below(pool.length)]!;
      const b = pool[rng.below(pool.length)]!;
      input = rng.below(50) === 0 ? a : mutate(a, b, rng);
    } else {
      if (!generated.length) generated = fc.sample(arb, { numRuns: 64, seed: genSeed++ });
      input = generated.pop()!;
    }
    if (input.length > data.length) input = input.subarray(0, data.length);
    data.set(input);
    Atomics.store(ctl, 1, input.length);
    started[0] = Date.now();
    Atomics.store(ctl, 0, 1);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    let sig: string;
    let finding = false;
    try {
      await target.run(input);
      report.ok++;
      sig = 'ok';
    } catch (e) {
      const o = classify(e);
      if (o.kind === 'typed') {
        report.typed[o.code] = (report.typed[o.code] ?? 0) + 1;
        // The message's shape: numbers, hashes and quoted input text vary with the input.
        sig = `${o.code}:${(e as Error).message
          .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, 'Q')
          .replace(/[0-9a-f]{8,}|\d+/g, 'N')
          .slice(0, 60)}`;
      } else {
        finding = true;
        const key = findingKey(o);
        sig = `!${key}`;
        report.findings[key] ??= { count: 0, sample: Buffer.from(input).toString('base64'), stack: o.stack };
        report.findings[key].count++;
      }
    }
    Atomics.store(ctl, 0, 0);
    // CPU time, not wall time: on a busy shared machine an input can wait long for a core.
    const c = process.cpuUsage(c0);
    const ms = Math.min(performance.now() - t0, (c.user + c.system) / 1000);
    if (ms > report.slowest.ms)
      report.slowest = { ms, sample: Buffer.from(input.subarray(0, 4096)).toString('base64') };
    if (ms >= 1000) report.slowInputs++;
    report.inputs++;
    const st = report.strategies[strategy];
    st.inputs++;
    if (finding) st.findings++;
    if (!outcomes[strategy].has(sig)) {
      outcomes[strategy].add(sig);
      st.outcomes = outcomes[strategy].size;
    }
    // Outcome novelty as feedback: an input that reached something new joins the mutation pool.
    if (!seen.has(sig)) {
      seen.add(sig);
      if (pool.length < 2000) pool.push(input.slice());
    }
    if (Date.now() - lastPost > 1000) {
      lastPost = Date.now();
      parentPort!.postMessage(report);
    }
  }
  report.done = true;
  parentPort!.postMessage(report);
}

// Imported by the parent for its types and layout; runs only as a worker.
if (parentPort) void main();
