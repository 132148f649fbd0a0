/**
 * Migration 0008: per-sender grace. The renewal's grace policy (`grace_policy` off | unready, the
 * deadline `grace_until`, `early_policy` off | proven, `auto_grace` on | off); on each readiness row
 * the grace the coordinator decided for the sender (JSON: served the old credential until when, on
 * which addresses, held by which senders); on each renewal-node row the source-exception table last
 * sent and what the node answered (JSON).
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds the grace policy columns, `readiness.grace` and `renewal_nodes.exceptions`. */
export async function grace(db: AnyDb): Promise<void> {
  for (const c of ['grace_policy', 'grace_until', 'early_policy', 'auto_grace'])
    await db.schema.alterTable('renewals').addColumn(c, 'text').execute();
  await db.schema.alterTable('readiness').addColumn('grace', 'text').execute();
  await db.schema.alterTable('renewal_nodes').addColumn('exceptions', 'text').execute();
}
