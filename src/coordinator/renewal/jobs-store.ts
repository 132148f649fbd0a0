/** Durable jobs: scheduled once per duty (a unique key), claimed by the one scheduler, retried. */
import { newId } from '../../store/ids.js';
import type { Store } from '../../store/store.js';
import type { RenewalEnv } from './ports.js';

/** The kinds of job the renewal workflow schedules. */
export type JobKind = 'stage' | 'gate' | 'exchange' | 'verify' | 'failures' | 'reminder' | 'retire' | 'hold';

/** Schedules a job unless one with the same key exists (re-arming is then a no-op). */
export async function schedule(
  tx: Store,
  kind: JobKind,
  payload: Record<string, unknown>,
  runAt: number | string,
  key: string,
): Promise<void> {
  await tx.db
    .insertInto('jobs')
    .values({
      id: newId('job'),
      kind,
      payload: JSON.stringify(payload),
      run_at: typeof runAt === 'string' ? runAt : new Date(runAt).toISOString(),
      state: 'pending',
      attempts: 0,
      locked_by: null,
      locked_until: null,
      job_key: key,
      last_error: null,
    })
    .onConflict((oc) => oc.column('job_key').doNothing())
    .execute();
}

/** Schedules a job to run again (same key) now or later, even if it ran before. */
export async function reschedule(
  tx: Store,
  env: RenewalEnv,
  kind: JobKind,
  payload: Record<string, unknown>,
  runAt: number,
  key: string,
): Promise<void> {
  const r = await tx.db
    .updateTable('jobs')
    .set({ state: 'pending', run_at: new Date(runAt).toISOString(), payload: JSON.stringify(payload) })
    .where('job_key', '=', key)
    .where('state', '!=', 'running')
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) await schedule(tx, kind, payload, runAt, key);
  void env;
}
