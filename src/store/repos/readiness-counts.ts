/** Readiness counts over SQL: GROUP BY for the truth, a JSON column kept on the renewal for speed. */
import { type Kysely, sql } from 'kysely';
import type { ReadinessCounts, ReadinessTally } from '../../coordinator/ports/readiness-counts.js';
import { READINESS_STATES, type ReadinessState, readinessSummary } from '../../renewal/readiness.js';
import type { Database } from '../schema.js';

/** Readiness counts on `db`. */
export function sqlReadinessCounts(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): ReadinessCounts {
  const count = async (renewalId: string): Promise<ReadinessTally> => {
    const rows = await db
      .selectFrom('readiness')
      .select(['state', sql<number>`count(*)`.as('n')])
      .where('renewal_id', '=', renewalId)
      .groupBy('state')
      .execute();
    const out = readinessSummary([]);
    for (const r of rows)
      if ((READINESS_STATES as readonly string[]).includes(r.state))
        out[r.state as ReadinessState] = Number(r.n);
    return out;
  };
  const keep = async (renewalId: string, counts: ReadinessTally) => {
    await db
      .updateTable('renewals')
      .set({ readiness_counts: JSON.stringify(counts) })
      .where('id', '=', renewalId)
      .execute();
  };
  return {
    count,
    async kept(renewalId) {
      const row = await db
        .selectFrom('renewals')
        .select('readiness_counts')
        .where('id', '=', renewalId)
        .executeTakeFirst();
      return row?.readiness_counts ? (JSON.parse(row.readiness_counts) as ReadinessTally) : undefined;
    },
    async reset(renewalId) {
      await keep(renewalId, await count(renewalId));
    },
    async bump(renewalId, delta) {
      // PostgreSQL: lock the renewal's row so concurrent bumps queue. SQLite: one writer at a time.
      const q = db.selectFrom('renewals').select('readiness_counts').where('id', '=', renewalId);
      const row = await (dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
      if (!row?.readiness_counts) return;
      const cur = JSON.parse(row.readiness_counts) as ReadinessTally;
      for (const [k, v] of Object.entries(delta))
        cur[k as ReadinessState] = (cur[k as ReadinessState] ?? 0) + (v ?? 0);
      await keep(renewalId, cur);
    },
  };
}
