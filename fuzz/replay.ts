/**
 * The quick replay the normal test run makes: a target's committed corpus, its run-time seeds, a few
 * hundred deterministic mutations of them and a batch of generated inputs, each of which must be
 * accepted or refused with a typed error, within a second.
 */
import fc from 'fast-check';
import { readCorpus } from './corpus.js';
import { mutate, Rng } from './mutate.js';
import { classify } from './outcome.js';
import type { Target } from './targets.js';

/** A problem the replay found. */
export interface ReplayProblem {
  input: string;
  problem: string;
}

/** Replays; returns how many inputs ran and every problem (empty when the target holds). */
export async function replay(
  target: Target,
  opts: { mutations: number; generated: number; seed: number },
): Promise<{ inputs: number; corpus: number; problems: ReplayProblem[] }> {
  await target.setup?.();
  const corpus = readCorpus(target.name);
  const seeds = [...corpus, ...(await target.seeds())];
  const rng = new Rng(opts.seed);
  const inputs = [...seeds];
  for (let i = 0; i < opts.mutations; i++)
    inputs.push(mutate(seeds[rng.below(seeds.length)]!, seeds[rng.below(seeds.length)]!, rng));
  inputs.push(...fc.sample(await target.generator(), { numRuns: opts.generated, seed: opts.seed }));
  const problems: ReplayProblem[] = [];
  for (const input of inputs) {
    const t0 = Date.now();
    try {
      await target.run(input);
    } catch (e) {
      const o = classify(e);
      if (o.kind === 'untyped')
        problems.push({
          input: Buffer.from(input).toString('base64'),
          problem: `${o.name}: ${o.message}\n${o.stack}`,
        });
    }
    const ms = Date.now() - t0;
    if (ms >= 1000) problems.push({ input: Buffer.from(input).toString('base64'), problem: `took ${ms} ms` });
  }
  return { inputs: inputs.length, corpus: corpus.length, problems };
}
