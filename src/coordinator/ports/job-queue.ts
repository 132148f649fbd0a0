/** Durable jobs: scheduled once per duty (a unique key), claimed by the one scheduler, retried. */

/** The kinds of job the renewal workflow schedules. */
export type JobKind =
  | 'stage'
  | 'gate'
  | 'exchange'
  | 'verify'
  | 'failures'
  | 'observe'
  | 'reminder'
  | 'retire'
  | 'hold'
  | 'unstage'
  | 'status-watch'
  | 'exceptions';

/** A job as claimed: its payload already parsed (validated by the job that runs it). */
export interface Job {
  id: string;
  kind: string;
  payload: unknown;
  attempts: number;
}

/** The job table. */
export interface JobQueue {
  /** Schedules a job unless one with the same key exists (re-arming is then a no-op). */
  schedule(kind: JobKind, payload: Record<string, unknown>, runAt: string, key: string): Promise<void>;
  /** Makes the job with `key` pending again at `runAt` unless it is running; false when there is none. */
  rearm(key: string, payload: Record<string, unknown>, runAt: string): Promise<boolean>;
  /** Makes every running job pending again (what a previous scheduler left half-done). */
  releaseRunning(): Promise<void>;
  /** Pending jobs due at `now`, earliest first. */
  due(now: string, limit: number): Promise<Job[]>;
  /** Marks a pending job running for `by`; false when someone else took it. */
  claim(id: string, by: string): Promise<boolean>;
  /** Marks a job done, or pending again at `retryAt`. */
  finish(id: string, attempts: number, retryAt?: string): Promise<void>;
  /** Records a failed run; pending again at `retryAt`. */
  failed(id: string, attempts: number, error: string, retryAt: string): Promise<void>;
}
