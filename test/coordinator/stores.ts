/**
 * Store back-ends for contract tests: SQLite (`:memory:` or a file) and PostgreSQL in a schema of its
 * own, dropped when the test file ends.
 */
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import type { StoreConfig } from '../../src/store/open.js';

/**
 * The PostgreSQL the tests use; TEST_DATABASE_URL overrides it. scripts/test.sh sets it to a throw-away
 * cluster when nothing answers at the default (scripts/ensure-postgres.sh).
 */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh, uniquely named PostgreSQL schema, dropped (with everything in it) after the file. */
export function pgSchemaConfig(): StoreConfig & { kind: 'postgres' } {
  const schema = `rollover_t_${randomBytes(6).toString('hex')}`;
  after(async () => {
    const c = new pg.Client({ connectionString: TEST_PG_URL });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  });
  return { kind: 'postgres', url: TEST_PG_URL, schema };
}

/** Both back-ends, for suites that must pass on each. A new store config per call. */
export const BACKENDS: Array<{ name: string; config: () => StoreConfig }> = [
  { name: 'SQLite', config: () => ({ kind: 'sqlite', file: ':memory:' }) },
  { name: 'PostgreSQL', config: () => pgSchemaConfig() },
];
