/**
 * Checks at start that the store is whole, so a damaged store refuses to start with STORE_DAMAGED
 * and what to do, instead of answering 500 on the first read of a broken page. SQLite: the file
 * header and `PRAGMA quick_check` (structure of every page, without the slower index cross-check of
 * `integrity_check`); both dialects: the recorded migrations are a known, gap-free prefix.
 */
import { promises as fs } from 'node:fs';
import type Sqlite from 'better-sqlite3';
import { type Kysely, sql } from 'kysely';
import { fail, isRolloverError } from '../shared/errors.js';

// biome-ignore lint/suspicious/noExplicitAny: the check reads the database before its types apply
type AnyDb = Kysely<any>;

const RESTORE_HINT =
  'nothing was changed; stop every server using it, then restore the last backup (`rollover restore FILE --data-dir DIR`, from a file `rollover backup` made; on PostgreSQL pg_restore)';

/**
 * Refuses a SQLite file that is not a whole database: garbage (SQLite answers "not a database"), or
 * pages `quick_check` finds broken or missing (a truncated file). An empty (zero-byte) file passes here: whether it may become a new
 * store is the data directory's decision ({@link assertStoreNotLost}).
 */
export function checkSqliteIntegrity(handle: Sqlite.Database, file: string): void {
  let rows: unknown[];
  try {
    rows = handle.pragma('quick_check(8)', { simple: false }) as unknown[];
  } catch (e) {
    damaged(file, (e as Error).message);
  }
  const problems = rows
    .map((r) => String(Object.values(r as Record<string, unknown>)[0]))
    .filter((m) => m !== 'ok')
    .map((m) =>
      m
        .replace(/\*\*\* in database \w+ \*\*\*/g, '')
        .replace(/\s+/g, ' ')
        .trim(),
    );
  if (problems.length > 0) damaged(file, problems.join('; '));
}

/**
 * Refuses a store whose recorded migrations are not a gap-free prefix of `known` (a step missing in
 * the middle, or the record gone while the tables are there). Names beyond `known` are a newer
 * rollover's: refused too, since this version cannot know what they changed.
 */
export async function checkMigrationState(
  db: AnyDb,
  dialect: 'sqlite' | 'postgres',
  known: readonly string[],
  where: string,
): Promise<void> {
  let names: string[];
  const has = (name: string) => hasTable(db, dialect, name);
  try {
    if (!(await has('rollover_migrations'))) {
      // A store made before the record existed keeps Kysely's table; a fresh one has neither.
      if ((await has('meta')) && !(await has('kysely_migration'))) {
        damaged(where, 'the tables exist but the record of applied migrations is gone');
      }
      return;
    }
    names = (
      await sql<{ name: string }>`select name from rollover_migrations order by name`.execute(db)
    ).rows.map((r) => r.name);
  } catch (e) {
    if (isRolloverError(e)) throw e;
    return damaged(where, `the migration record cannot be read: ${(e as Error).message}`);
  }
  const sorted = [...known].sort();
  const newer = names.filter((n) => !sorted.includes(n));
  if (newer.length > 0) {
    fail(
      'STORE_DAMAGED',
      `${where} was migrated by a newer rollover (${newer.join(', ')}): run that version, or restore a backup made by this one; nothing was changed`,
      { migrations: newer },
    );
  }
  const gap = sorted.slice(0, names.length).find((n, i) => names[i] !== n);
  if (gap !== undefined)
    damaged(where, `migration ${gap} is missing from the record while later ones are applied`);
}

async function hasTable(db: AnyDb, dialect: 'sqlite' | 'postgres', name: string): Promise<boolean> {
  // Not Kysely's introspection: on PostgreSQL it lists every schema's tables, not only ours.
  const rows =
    dialect === 'postgres'
      ? (await sql<{ t: string | null }>`select to_regclass(${name})::text as t`.execute(db)).rows
      : (
          await sql<{
            t: string;
          }>`select name as t from sqlite_master where type = 'table' and name = ${name}`.execute(db)
        ).rows;
  return rows.some((r) => r.t);
}

function damaged(where: string, why: string): never {
  return fail('STORE_DAMAGED', `the store ${where} is damaged (${why}): ${RESTORE_HINT}`, { store: where });
}

/**
 * Refuses to start a fresh store where the data directory's own master key says one existed: a
 * missing or zero-byte database next to DATA_DIR/master.key is a lost store (a new one would come with
 * a new admin token, silently), not a first start.
 */
export async function assertStoreNotLost(dbFile: string, masterKeyFile: string): Promise<void> {
  const key = await fs.stat(masterKeyFile).catch(() => undefined);
  if (!key) return;
  const db = await fs.stat(dbFile).catch(() => undefined);
  if (db && db.size > 0) return;
  fail(
    db ? 'STORE_DAMAGED' : 'STORE_MISSING',
    `${masterKeyFile} exists but ${dbFile} is ${db ? 'empty (zero bytes)' : 'missing'}: the store this key belongs to is lost, and starting would create a new one with a new admin. Restore the last backup (\`rollover restore FILE --data-dir DIR\`); to start afresh on purpose, move master.key away first. Nothing was changed`,
    { store: dbFile },
  );
}
