/**
 * Migration 0010: the TLS profile a node reported when it acknowledged staging
 * (`renewal_nodes.tls_profile`, the profile name), shown in the renewal page's node table.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds `renewal_nodes.tls_profile`. */
export async function tlsProfile(db: AnyDb): Promise<void> {
  await db.schema.alterTable('renewal_nodes').addColumn('tls_profile', 'text').execute();
}
