/** Migration 0005: indexes the renewal detail reads by (steps of a renewal, senders per renewal node). */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds the steps-by-renewal index. */
export async function renewalIndexes(db: AnyDb): Promise<void> {
  await db.schema.createIndex('steps_renewal').on('steps').columns(['renewal_id', 'at']).execute();
}
