/**
 * The one door to a store's SQL handle from outside src/store. It exists for tests that damage or
 * plant rows on purpose (a tampered audit chain, a row no use case would write, a sealed column
 * read as stored) and for tools that inspect a database. Nothing in src/ or bench/ may import it
 * (the dependency rule `raw-store-for-tests-only`): production code reads and writes through the
 * coordinator's ports and the store's methods.
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Store } from './store.js';

/** The Kysely handle under `store` (inside a transaction, that transaction's). */
export function rawDb(store: Store): Kysely<Database> {
  // The handle is private to the store; this door is the one exception (see above).
  return store['db'];
}
