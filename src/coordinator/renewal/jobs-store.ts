/** Scheduling the workflow's durable jobs in the caller's unit of work. */
import type { JobKind, JobQueue } from '../ports/job-queue.js';

export type { JobKind } from '../ports/job-queue.js';

/** Anything that carries the job queue (a store or its transaction). */
interface HasJobs {
  jobs: JobQueue;
}

function instant(at: number | string): string {
  return typeof at === 'string' ? at : new Date(at).toISOString();
}

/** Schedules a job unless one with the same key exists (re-arming is then a no-op). */
export async function schedule(
  tx: HasJobs,
  kind: JobKind,
  payload: Record<string, unknown>,
  runAt: number | string,
  key: string,
): Promise<void> {
  await tx.jobs.schedule(kind, payload, instant(runAt), key);
}

/** Schedules a job to run again (same key) now or later, even if it ran before. */
export async function reschedule(
  tx: HasJobs,
  kind: JobKind,
  payload: Record<string, unknown>,
  runAt: number,
  key: string,
): Promise<void> {
  if (!(await tx.jobs.rearm(key, payload, instant(runAt)))) await schedule(tx, kind, payload, runAt, key);
}
