/**
 * Migration 0011: the source exceptions the coordinator wants of a node that pulls its state, per
 * virtual server (`pulled_exceptions`: the whole table as JSON and the automatic-fallback deadline),
 * written by the exceptions job through the pulling node's control verbs and read into the node's
 * desired state.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds pulled_exceptions. */
export async function pulledExceptions(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('pulled_exceptions')
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('virtual_server', 'text', (c) => c.notNull())
    .addColumn('entries', 'text')
    .addColumn('auto_until', 'text')
    .addColumn('set_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pulled_exceptions_pk', ['node_id', 'virtual_server'])
    .execute();
}
