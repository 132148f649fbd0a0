/**
 * Migration 0012: the coordinator's own verification handshakes per renewal node
 * (`renewal_nodes.probes`, JSON: source address → handshakes), so the handshakes it made itself are
 * not taken for a client's when the nodes' per-client tables are attributed to senders.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds `renewal_nodes.probes`. */
export async function verifyProbes(db: AnyDb): Promise<void> {
  await db.schema.alterTable('renewal_nodes').addColumn('probes', 'text').execute();
}
