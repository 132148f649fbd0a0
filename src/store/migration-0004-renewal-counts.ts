/**
 * Migration 0004: a renewal's readiness counts kept beside it (JSON), updated in the same transaction
 * as every readiness change, so the status summary over 100 000 senders is one row read.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds `renewals.readiness_counts`. */
export async function renewalCounts(db: AnyDb): Promise<void> {
  await db.schema.alterTable('renewals').addColumn('readiness_counts', 'text').execute();
}
