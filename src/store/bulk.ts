/**
 * Bulk inserts for the fan-out: on PostgreSQL one `INSERT … SELECT FROM unnest($1::text[], …)` per
 * chunk (one array parameter per column instead of tens of thousands of scalars); on SQLite multi-row
 * VALUES. Every column is text or integer, named explicitly.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/** Inserts `rows` into `table`; with `conflictColumn`, rows clashing on it are skipped. */
export async function bulkInsert<T extends keyof Database>(
  db: Kysely<Database>,
  dialect: 'sqlite' | 'postgres',
  table: T,
  rows: ReadonlyArray<Record<string, string | number | null>>,
  types: Record<string, 'text' | 'integer'>,
  conflictColumn?: string,
): Promise<void> {
  if (rows.length === 0) return;
  const cols = Object.keys(types);
  if (dialect === 'postgres') {
    for (let i = 0; i < rows.length; i += 5000) {
      const part = rows.slice(i, i + 5000);
      const arrays = cols.map(
        (c) =>
          sql`${part.map((r) => r[c] ?? null)}::${sql.raw(types[c] === 'integer' ? 'integer' : 'text')}[]`,
      );
      await sql`insert into ${sql.table(table)} (${sql.join(cols.map((c) => sql.ref(c)))}) select * from unnest(${sql.join(arrays)})${
        conflictColumn ? sql` on conflict (${sql.ref(conflictColumn)}) do nothing` : sql``
      }`.execute(db);
    }
    return;
  }
  const per = Math.max(1, Math.floor(30_000 / cols.length));
  for (let i = 0; i < rows.length; i += per) {
    // biome-ignore lint/suspicious/noExplicitAny: rows are checked against the column list above
    let q = (db as any).insertInto(table).values(rows.slice(i, i + per));
    if (conflictColumn)
      q = q.onConflict((oc: { column(c: string): { doNothing(): unknown } }) =>
        oc.column(conflictColumn).doNothing(),
      );
    await q.execute();
  }
}
