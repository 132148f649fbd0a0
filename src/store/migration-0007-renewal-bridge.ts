/**
 * Migration 0007: the bridge a renewal serves between the old and the new root (mode, deadline and
 * the bridge certificates, JSON), null when the renewal serves none.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds `renewals.bridge`. */
export async function renewalBridge(db: AnyDb): Promise<void> {
  await db.schema.alterTable('renewals').addColumn('bridge', 'text').execute();
}
