/** Claiming and running due jobs: done, retried when the job asks, backed off when it throws. */
import type { Clock } from '../../shared/time.js';
import type { Job, JobQueue } from '../ports/job-queue.js';

/** A job's outcome: done, or run again after `retryInMs`. */
export type JobResult = { retryInMs?: number };

/** The delay after a job's `attempts`-th failure: 0.5 s doubling, at most a minute. */
export function failureBackoffMs(attempts: number): number {
  return Math.min(60_000, 500 * 2 ** Math.min(7, attempts));
}

/**
 * Runs due jobs in rounds of 20 (at most 20 rounds, or until `stopped()`); each is claimed first so a
 * second scheduler never runs the same job.
 */
export async function runDueJobs(p: {
  queue: JobQueue;
  clock: Clock;
  by: string;
  run: (job: Job) => Promise<JobResult>;
  log: (line: string) => void;
  stopped: () => boolean;
}): Promise<void> {
  const at = (ms: number) => new Date(ms).toISOString();
  for (let round = 0; round < 20 && !p.stopped(); round++) {
    const due = await p.queue.due(at(p.clock.now()), 20);
    if (due.length === 0) return;
    for (const job of due) {
      if (!(await p.queue.claim(job.id, p.by))) continue;
      try {
        const r = await p.run(job);
        await p.queue.finish(
          job.id,
          job.attempts + 1,
          r.retryInMs !== undefined ? at(p.clock.now() + r.retryInMs) : undefined,
        );
      } catch (e) {
        p.log(`job ${job.kind} ${job.id} failed: ${(e as Error).message}`);
        await p.queue.failed(
          job.id,
          job.attempts + 1,
          (e as Error).message.slice(0, 500),
          at(p.clock.now() + failureBackoffMs(job.attempts)),
        );
      }
    }
  }
}
