/**
 * A renewal's readiness counts, kept beside it and changed in the same transaction as each readiness
 * row (PostgreSQL: under a row lock on the renewal), so the summary does not count 100 000 rows.
 */
import { sql } from 'kysely';
import { READINESS_STATES, type ReadinessState, readinessSummary } from '../../renewal/readiness.js';
import type { Store } from '../../store/store.js';

/** Counts by GROUP BY (the truth the kept counts start from). */
export async function countReadiness(
  store: Store,
  renewalId: string,
): Promise<Record<ReadinessState, number>> {
  const rows = await store.db
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
}

/** Sets the kept counts from the rows (after the bulk writes of an announcement). */
export async function resetCounts(tx: Store, renewalId: string): Promise<void> {
  await tx.db
    .updateTable('renewals')
    .set({ readiness_counts: JSON.stringify(await countReadiness(tx, renewalId)) })
    .where('id', '=', renewalId)
    .execute();
}

/** Adds `delta` to the kept counts (no-op while none are kept: the summary then counts rows). */
export async function bumpCounts(
  tx: Store,
  renewalId: string,
  delta: Partial<Record<ReadinessState, number>>,
): Promise<void> {
  const q = tx.db.selectFrom('renewals').select('readiness_counts').where('id', '=', renewalId);
  const row = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  if (!row?.readiness_counts) return;
  const cur = JSON.parse(row.readiness_counts) as Record<ReadinessState, number>;
  for (const [k, v] of Object.entries(delta))
    cur[k as ReadinessState] = (cur[k as ReadinessState] ?? 0) + (v ?? 0);
  await tx.db
    .updateTable('renewals')
    .set({ readiness_counts: JSON.stringify(cur) })
    .where('id', '=', renewalId)
    .execute();
}

/** A state change of one sender as a delta. */
export function moved(from: string, to: string): Partial<Record<ReadinessState, number>> {
  if (from === to) return {};
  return { [from]: -1, [to]: 1 } as Partial<Record<ReadinessState, number>>;
}
