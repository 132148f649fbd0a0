/**
 * Generic access to the tables whose rows carry an `id`: insert (ids minted), get, list, update and
 * remove, with database constraint failures mapped to typed errors that name the object. The store's
 * methods and the repositories (src/store/repos) share it, so a duplicate reads the same everywhere.
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import { mapDbError } from './errors.js';
import { newId } from './ids.js';
import type { Database } from './schema.js';

/** A row of `T` as read. */
export type Row<T extends keyof Database> = Selectable<Database[T]>;

/** Tables whose rows carry an `id` primary key. */
export type EntityTable =
  | 'users'
  | 'api_tokens'
  | 'invitations'
  | 'load_balancers'
  | 'lb_nodes'
  | 'virtual_servers'
  | 'cas'
  | 'credentials'
  | 'tenants'
  | 'senders'
  | 'renewals'
  | 'steps'
  | 'forwardings'
  | 'readiness'
  | 'notifications'
  | 'jobs';

const ID_PREFIX: Record<EntityTable, string> = {
  users: 'usr',
  api_tokens: 'tok',
  invitations: 'inv',
  load_balancers: 'lb',
  lb_nodes: 'node',
  virtual_servers: 'vs',
  cas: 'ca',
  credentials: 'cred',
  tenants: 'ten',
  senders: 'snd',
  renewals: 'ren',
  steps: 'step',
  forwardings: 'fwd',
  readiness: 'rdy',
  notifications: 'ntf',
  jobs: 'job',
};

/** What people call a row of each table. */
const KIND: Record<EntityTable, string> = {
  users: 'the user',
  api_tokens: 'the token',
  invitations: 'the invitation',
  load_balancers: 'the load balancer',
  lb_nodes: 'the node',
  virtual_servers: 'the virtual server',
  cas: 'the CA',
  credentials: 'the credential',
  tenants: 'the tenant',
  senders: 'the sender',
  renewals: 'the renewal',
  steps: 'the step',
  forwardings: 'the forwarding',
  readiness: 'the readiness record',
  notifications: 'the notification',
  jobs: 'the job',
};

/** How a duplicate of each table's row is described, for error messages. */
const NOUN: Record<EntityTable, string> = {
  users: 'a user with this name',
  api_tokens: 'this token',
  invitations: 'this invitation',
  load_balancers: 'a load balancer with this name',
  lb_nodes: 'a node with this name',
  virtual_servers: 'a virtual server with this name',
  cas: 'a CA with this name',
  credentials: 'a credential with this name',
  tenants: 'a tenant with this name',
  senders: 'a sender with this name in this tenant',
  renewals: 'this renewal',
  steps: 'this step',
  forwardings: 'this forwarding',
  readiness: 'this readiness record',
  notifications: 'this notification',
  jobs: 'this job',
};

/** Every table with an `id`. */
export const ENTITY_TABLES = Object.keys(ID_PREFIX) as EntityTable[];

/** Tables whose rows also carry a unique `name`. */
export type NamedTable = 'users' | 'load_balancers' | 'virtual_servers' | 'tenants';

/** What a duplicate of a row of `table` is called, and what the row is called (for mapDbError). */
export function describe(table: EntityTable): [noun: string, kind: string] {
  return [NOUN[table], KIND[table]];
}

// Kysely cannot narrow a generic table name: these go through an untyped handle.
// biome-ignore lint/suspicious/noExplicitAny: see above
const anyDb = (db: Kysely<Database>) => db as Kysely<any>;

/** Inserts a row (an id is minted unless given) and returns it as stored. */
export async function insertRow<T extends EntityTable>(
  db: Kysely<Database>,
  table: T,
  values: Omit<Insertable<Database[T]>, 'id'> & { id?: string },
): Promise<Row<T>> {
  const row = { ...values, id: values.id ?? newId(ID_PREFIX[table]) } as unknown as Insertable<Database[T]>;
  try {
    await anyDb(db).insertInto(table).values(row).execute();
  } catch (e) {
    mapDbError(e, NOUN[table], KIND[table]);
  }
  return row as Row<T>;
}

/** Inserts many rows in multi-row statements (ids minted unless given); all or nothing with a transaction. */
export async function insertRows<T extends EntityTable>(
  db: Kysely<Database>,
  table: T,
  values: Array<Omit<Insertable<Database[T]>, 'id'> & { id?: string }>,
): Promise<Row<T>[]> {
  const rows = values.map(
    (v) => ({ ...v, id: v.id ?? newId(ID_PREFIX[table]) }) as unknown as Insertable<Database[T]>,
  );
  // 500 rows per statement stays far below SQLite's and PostgreSQL's bound-parameter limits.
  for (let i = 0; i < rows.length; i += 500) {
    try {
      await anyDb(db)
        .insertInto(table)
        .values(rows.slice(i, i + 500))
        .execute();
    } catch (e) {
      mapDbError(e, NOUN[table], KIND[table]);
    }
  }
  return rows as Row<T>[];
}

/** A row by id, or undefined. */
export async function getRow<T extends EntityTable>(
  db: Kysely<Database>,
  table: T,
  id: string,
): Promise<Row<T> | undefined> {
  return (await anyDb(db).selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst()) as
    | Row<T>
    | undefined;
}

/** Rows of a table, optionally where `column` is one of `values`, ordered by id. */
export async function listRows<T extends EntityTable>(
  db: Kysely<Database>,
  table: T,
  filter?: { column: string; values: readonly string[] },
): Promise<Row<T>[]> {
  if (filter && filter.values.length === 0) return [];
  let q = anyDb(db).selectFrom(table).selectAll();
  if (filter) q = q.where(filter.column, 'in', filter.values as string[]);
  return (await q.orderBy('id').execute()) as Row<T>[];
}

/** Updates columns of a row by id; returns false when no row had that id. */
export async function updateRow<T extends EntityTable>(
  db: Kysely<Database>,
  table: T,
  id: string,
  values: Partial<Insertable<Database[T]>>,
): Promise<boolean> {
  const set = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
  // Nothing to change: say whether the row exists, without an empty (invalid) UPDATE.
  if (Object.keys(set).length === 0) return (await getRow(db, table, id)) !== undefined;
  try {
    const r = await anyDb(db)
      .updateTable(table as string)
      .set(set)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  } catch (e) {
    return mapDbError(e, NOUN[table], KIND[table]);
  }
}

/** Deletes a row by id; returns false when no row had that id. STILL_IN_USE when still referenced. */
export async function removeRow(db: Kysely<Database>, table: EntityTable, id: string): Promise<boolean> {
  try {
    const r = await anyDb(db).deleteFrom(table).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  } catch (e) {
    return mapDbError(e, NOUN[table], KIND[table]);
  }
}

/**
 * A row by id or by its unique name, in one query either way (so a miss costs the same as a hit
 * that the caller then hides: existence does not show in timing).
 */
export async function rowByIdOrName<T extends NamedTable>(
  db: Kysely<Database>,
  table: T,
  ref: string,
): Promise<Row<T> | undefined> {
  const rows = (await anyDb(db)
    .selectFrom(table)
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
    .execute()) as Row<T>[];
  return rows.find((r) => (r as { id: string }).id === ref) ?? rows[0];
}
