/** Opens the store's database on SQLite (a file, or `:memory:`) or PostgreSQL; the store migrates it. */
import Sqlite from 'better-sqlite3';
import { Kysely, type LogEvent, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { fail } from '../shared/errors.js';
import { checkMigrationState, checkSqliteIntegrity } from './integrity.js';
import { MIGRATIONS } from './migrations.js';
import type { Database } from './schema.js';

/** Where the store lives. */
export type StoreConfig =
  | { kind: 'sqlite'; file: string; onQuery?: (sql: string) => void }
  | {
      kind: 'postgres';
      /** Called with every statement run (tests count queries to prove equal work on hit and miss). */
      onQuery?: (sql: string) => void;
      url: string;
      /** A schema to work in (created when missing); tests isolate each run in its own schema. */
      schema?: string;
    };

/** An open database: Kysely plus which dialect it speaks. */
export interface OpenDb {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  /** The PostgreSQL schema in use (migrations are kept in it). */
  schema?: string;
  /** The raw SQLite handle (for the online backup); absent on PostgreSQL. */
  sqlite?: Sqlite.Database;
  close(): Promise<void>;
}

function logger(onQuery: ((sql: string) => void) | undefined) {
  return (e: LogEvent) => {
    if (onQuery && e.level === 'query') onQuery(e.query.sql);
  };
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens the database (without migrating: the store checks the master key first). */
export async function openDb(config: StoreConfig): Promise<OpenDb> {
  if (config.kind === 'sqlite') {
    let handle: Sqlite.Database;
    try {
      handle = new Sqlite(config.file);
    } catch (e) {
      return fail('IO_ERROR', `cannot open the SQLite store ${config.file}: ${(e as Error).message}`);
    }
    try {
      checkSqliteIntegrity(handle, config.file);
    } catch (e) {
      handle.close();
      throw e;
    }
    handle.pragma('journal_mode = WAL');
    handle.pragma('foreign_keys = ON');
    handle.pragma('busy_timeout = 5000');
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: handle }),
      log: logger(config.onQuery),
    });
    await checkMigrationState(db, 'sqlite', Object.keys(MIGRATIONS), config.file).catch(async (e) => {
      await db.destroy();
      throw e;
    });
    return { db, dialect: 'sqlite', sqlite: handle, close: () => db.destroy() };
  }
  const schema = config.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    fail('BAD_ARGUMENT', `"${schema}" is not a usable PostgreSQL schema name`);
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: 5,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: logger(config.onQuery) });
  let current: string;
  try {
    if (schema) await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    current = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s ?? 'public';
  } catch (e) {
    await db.destroy();
    return fail('CONNECT_FAILED', `cannot reach PostgreSQL at DATABASE_URL: ${(e as Error).message}`);
  }
  await checkMigrationState(db, 'postgres', Object.keys(MIGRATIONS), `in PostgreSQL schema ${current}`).catch(
    async (e) => {
      await db.destroy();
      throw e;
    },
  );
  return { db, dialect: 'postgres', schema: current, close: () => db.destroy() };
}
