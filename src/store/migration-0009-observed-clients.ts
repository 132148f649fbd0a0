/**
 * Migration 0009: passive proof and unknown clients. Whether a renewal's gate accepts a handshake seen
 * on the preview listener as readiness (`renewals.accept_observed`), the latest such handshake per
 * sender (`readiness.observed`, JSON), and the client addresses the nodes saw handshaking before T,
 * per renewal, with the lb-admin's decision to grace them (`renewal_clients`).
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds `renewals.accept_observed`, `readiness.observed` and `renewal_clients`. */
export async function observedClients(db: AnyDb): Promise<void> {
  await db.schema
    .alterTable('renewals')
    .addColumn('accept_observed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('readiness').addColumn('observed', 'text').execute();
  await db.schema
    .createTable('renewal_clients')
    .addColumn('renewal_id', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('handshakes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('graced_at', 'text')
    .addColumn('graced_by', 'text')
    .addPrimaryKeyConstraint('renewal_clients_pk', ['renewal_id', 'address'])
    .execute();
}
