/**
 * Migration 0006: the facts the per-sender status is derived from. The real exchange instant and a
 * completion record on the renewal; on each sender's readiness row when it acknowledged, its latest
 * proof, its removal report and the handshakes seen from its addresses (JSON), so that no later
 * event overwrites an earlier fact.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds `renewals.exchanged_at`, `renewals.completion` and the readiness fact columns. */
export async function senderTruth(db: AnyDb): Promise<void> {
  await db.schema.alterTable('renewals').addColumn('exchanged_at', 'text').execute();
  await db.schema.alterTable('renewals').addColumn('completion', 'text').execute();
  for (const c of ['acknowledged_at', 'proof', 'removal', 'traffic'])
    await db.schema.alterTable('readiness').addColumn(c, 'text').execute();
}
