/** The job table over SQL; payloads parsed once here. */
import type { Kysely } from 'kysely';
import type { JobQueue } from '../../coordinator/ports/job-queue.js';
import { newId } from '../ids.js';
import type { Database } from '../schema.js';

/** Jobs on `db`. */
export function sqlJobQueue(db: Kysely<Database>): JobQueue {
  return {
    async schedule(kind, payload, runAt, key) {
      await db
        .insertInto('jobs')
        .values({
          id: newId('job'),
          kind,
          payload: JSON.stringify(payload),
          run_at: runAt,
          state: 'pending',
          attempts: 0,
          locked_by: null,
          locked_until: null,
          job_key: key,
          last_error: null,
        })
        .onConflict((oc) => oc.column('job_key').doNothing())
        .execute();
    },
    async rearm(key, payload, runAt) {
      const r = await db
        .updateTable('jobs')
        .set({ state: 'pending', run_at: runAt, payload: JSON.stringify(payload) })
        .where('job_key', '=', key)
        .where('state', '!=', 'running')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
    async releaseRunning() {
      await db
        .updateTable('jobs')
        .set({ state: 'pending', locked_by: null })
        .where('state', '=', 'running')
        .execute();
    },
    async due(now, limit) {
      const rows = await db
        .selectFrom('jobs')
        .select(['id', 'kind', 'payload', 'attempts'])
        .where('state', '=', 'pending')
        .where('run_at', '<=', now)
        .orderBy('run_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind,
        payload: JSON.parse(r.payload) as unknown,
        attempts: Number(r.attempts),
      }));
    },
    async claim(id, by) {
      const r = await db
        .updateTable('jobs')
        .set({ state: 'running', locked_by: by })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async finish(id, attempts, retryAt) {
      await db
        .updateTable('jobs')
        .set(
          retryAt !== undefined
            ? { state: 'pending', locked_by: null, attempts, run_at: retryAt }
            : { state: 'done', locked_by: null, attempts },
        )
        .where('id', '=', id)
        .execute();
    },
    async failed(id, attempts, error, retryAt) {
      await db
        .updateTable('jobs')
        .set({ state: 'pending', locked_by: null, attempts, last_error: error, run_at: retryAt })
        .where('id', '=', id)
        .execute();
    },
  };
}
