/** Runs one claimed job: its payload validated against the kind's schema, then the kind's function. */
import { fail, isRolloverError } from '../../../shared/errors.js';
import type { Job } from '../../ports/job-queue.js';
import { unstageJob } from '../cancel.js';
import { observeJob } from '../observe.js';
import type { RenewalEnv } from '../ports.js';
// The failures job attributes the handshakes after the exchange per sender (../sender-traffic.ts).
import { trafficJob as failuresJob } from '../sender-traffic.js';
import type { JobResult } from './common.js';
import { exceptionsJob } from './exceptions.js';
import { exchangeJob } from './exchange.js';
import { gateJob } from './gate.js';
import { JOB_PAYLOADS, type PayloadOf, type RunnableJob } from './payloads.js';
import { reminderJob } from './reminder.js';
import { retireJob } from './retire.js';
import { stageJob } from './stage.js';
import { statusWatchJob } from './status-watch.js';
import { verifyJob } from './verify.js';

const RUN: { [K in RunnableJob]: (env: RenewalEnv, p: PayloadOf<K>) => Promise<JobResult> } = {
  stage: stageJob,
  gate: gateJob,
  exchange: exchangeJob,
  verify: verifyJob,
  failures: failuresJob,
  observe: observeJob,
  reminder: reminderJob,
  retire: retireJob,
  unstage: unstageJob,
  'status-watch': statusWatchJob,
  exceptions: exceptionsJob,
};

function runnable(kind: string): kind is RunnableJob {
  return Object.hasOwn(JOB_PAYLOADS, kind);
}

/** Runs one job; other kinds complete at once, and a renewal gone since (NOT_FOUND) ends its jobs. */
export async function runJob(env: RenewalEnv, job: Job): Promise<JobResult> {
  if (!runnable(job.kind)) return {};
  const parsed = JOB_PAYLOADS[job.kind].safeParse(job.payload);
  if (!parsed.success)
    fail(
      'INTERNAL',
      `job ${job.id} (${job.kind}) has a malformed payload: ${parsed.error.issues[0]?.message}`,
    );
  try {
    return await (RUN[job.kind] as (env: RenewalEnv, p: unknown) => Promise<JobResult>)(env, parsed.data);
  } catch (e) {
    if (isRolloverError(e, 'NOT_FOUND')) return {};
    throw e;
  }
}
