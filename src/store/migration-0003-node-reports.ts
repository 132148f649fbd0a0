/**
 * Migration 0003: what remote data-plane nodes that pull their desired state report back — their
 * status (served, staged, listeners) and handshake-failure telemetry, one row per node, replaced on
 * every report.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds node_reports. */
export async function nodeReports(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('node_reports')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('reported_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('failures', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
}
