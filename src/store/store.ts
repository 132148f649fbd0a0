/**
 * The store: typed reads and writes over Kysely, the same on SQLite and PostgreSQL. It seals private
 * keys under the master key, appends audit events to the hash chain inside the caller's transaction,
 * and refuses to open with a master key that does not match the data.
 */
import { createHmac } from 'node:crypto';
import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import { type AuditFacts, type AuditRecord, type ChainHead, linkEvent, verifyChain } from '../audit/chain.js';
import type { AuditLog } from '../coordinator/ports/audit-log.js';
import type { ClientObservations } from '../coordinator/ports/client-observations.js';
import type { CredentialRepo } from '../coordinator/ports/credentials.js';
import type { GraceRepo } from '../coordinator/ports/grace.js';
import type { InventoryRepo } from '../coordinator/ports/inventory.js';
import type { JobQueue } from '../coordinator/ports/job-queue.js';
import type { NodeReports } from '../coordinator/ports/node-reports.js';
import type { Outbox } from '../coordinator/ports/outbox.js';
import type { PeopleRepo } from '../coordinator/ports/people.js';
import type { ReadinessRepo } from '../coordinator/ports/readiness.js';
import type { ReadinessCounts } from '../coordinator/ports/readiness-counts.js';
import type { RenewalNodes } from '../coordinator/ports/renewal-nodes.js';
import type { RenewalViews } from '../coordinator/ports/renewal-views.js';
import type { RenewalRepo } from '../coordinator/ports/renewals.js';
import type { SecretBox } from '../coordinator/ports/secrets.js';
import type { SenderFactsRepo } from '../coordinator/ports/sender-facts.js';
import type { SenderLinks } from '../coordinator/ports/sender-links.js';
import type { InstallationValues } from '../coordinator/ports/settings.js';
import type { StepLog } from '../coordinator/ports/steps.js';
import type { TenantSettingsRepo } from '../coordinator/ports/tenant-settings.js';
import type { Ports } from '../coordinator/ports/unit-of-work.js';
import { fail } from '../shared/errors.js';
import {
  ENTITY_TABLES,
  type EntityTable,
  getRow,
  insertRow,
  insertRows,
  listRows,
  type NamedTable,
  type Row,
  removeRow,
  rowByIdOrName,
  updateRow,
} from './entities.js';
import { migrate } from './migrations.js';
import { type OpenDb, openDb, type StoreConfig } from './open.js';
import { sqlClientObservations } from './repos/client-observations.js';
import { sqlCredentials } from './repos/credentials.js';
import { sqlGrace } from './repos/grace.js';
import { sqlInventory } from './repos/inventory.js';
import { sqlJobQueue } from './repos/job-queue.js';
import { sqlNodeReports } from './repos/node-reports.js';
import { sqlOutbox } from './repos/outbox.js';
import { sqlPeople } from './repos/people.js';
import { sqlReadiness } from './repos/readiness.js';
import { sqlReadinessCounts } from './repos/readiness-counts.js';
import { sqlRenewalNodes } from './repos/renewal-nodes.js';
import { sqlRenewalViews } from './repos/renewal-views.js';
import { sqlRenewals } from './repos/renewals.js';
import { sqlSenderFacts } from './repos/sender-facts.js';
import { sqlSenderLinks } from './repos/sender-links.js';
import { sqlStepLog } from './repos/steps.js';
import { sqlTenantSettings } from './repos/tenant-settings.js';
import type { Database } from './schema.js';
import { deriveKey, type MasterKey, seal, unseal } from './seal.js';

export type { EntityTable, Row } from './entities.js';
/** A sender's readiness row as the senders' facts port reads it (for readers that still select rows). */
export { toSenderRecord } from './repos/sender-facts.js';

const CHECK_PLAIN = 'rollover master key check';
const HEAD_KEY = 'audit_head';
const CHECK_KEY = 'master_key_check';

/** Typed access to the coordinator's state; one instance per database (or per transaction). */
export class Store implements Ports {
  private constructor(
    /** The Kysely handle (a transaction inside {@link Store.transaction}); outside src/store only raw.ts reads it. */
    private readonly db: Kysely<Database>,
    /** Which SQL dialect this store speaks (the repositories branch on it, nobody outside the store). */
    private readonly dialect: 'sqlite' | 'postgres',
    private readonly masterKey: MasterKey,
    private readonly opened: OpenDb | undefined,
    private readonly inTransaction: boolean,
  ) {}

  /**
   * Opens the store: checks the master key against the data first (a wrong key refuses before any
   * migration or write), then migrates and records the key check on a fresh database.
   */
  static async open(config: StoreConfig, masterKey: MasterKey): Promise<Store> {
    const opened = await openDb(config);
    try {
      const existing = await readMeta(opened.db, CHECK_KEY);
      if (existing !== undefined) {
        try {
          unseal(masterKey, existing, CHECK_KEY);
        } catch {
          fail(
            'WRONG_MASTER_KEY',
            'the master key does not open this store: give the key it was created with ' +
              '(DATA_DIR/master.key, ROLLOVER_MASTER_KEY or --master-key-file); nothing was changed',
          );
        }
      }
      await migrate(opened.db, opened.dialect);
      if (existing === undefined) {
        await opened.db
          .insertInto('meta')
          .values({ key: CHECK_KEY, value: seal(masterKey, CHECK_PLAIN, CHECK_KEY) })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        await opened.db
          .insertInto('meta')
          .values({ key: HEAD_KEY, value: JSON.stringify({ seq: 0, hash: '' }) })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
      }
    } catch (e) {
      await opened.close();
      throw e;
    }
    return new Store(opened.db, opened.dialect, masterKey, opened, false);
  }

  /** Closes the database. */
  async close(): Promise<void> {
    await this.opened?.close();
  }

  /** The raw SQLite handle (online backup); undefined on PostgreSQL. */
  get sqlite() {
    return this.opened?.sqlite;
  }

  /** Runs `fn` in one transaction; nested calls join the outer one. */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.db
      .transaction()
      .execute((trx: Transaction<Database>) =>
        fn(new Store(trx, this.dialect, this.masterKey, undefined, true)),
      );
  }

  // ---- the coordinator's ports (bound to this store, or to its transaction) -----------------------

  /** Renewals as domain values. */
  get renewals(): RenewalRepo {
    return sqlRenewals(this.db);
  }

  /** A renewal's (node, virtual server) rows. */
  get renewalNodes(): RenewalNodes {
    return sqlRenewalNodes(this.db);
  }

  /** Per-sender readiness, as the scheduled jobs need it. */
  get readiness(): ReadinessRepo {
    return sqlReadiness(this.db);
  }

  /** Per-sender grace (what the exceptions job decided for each sender). */
  get grace(): GraceRepo {
    return sqlGrace(this.db);
  }

  /** The durable job queue. */
  get jobs(): JobQueue {
    return sqlJobQueue(this.db);
  }

  /** Notifications to deliver. */
  get outbox(): Outbox {
    return sqlOutbox(this.db, this.dialect);
  }

  /** Who holds which role. */
  get people(): PeopleRepo {
    return sqlPeople(this.db);
  }

  /** Personal sender links. */
  get senderLinks(): SenderLinks {
    return sqlSenderLinks(this.db, this.dialect);
  }

  /** Load balancers, nodes, virtual servers, tenants and senders. */
  get inventory(): InventoryRepo {
    return sqlInventory(this.db);
  }

  /** CAs and server credentials, keys sealed under this store's master key. */
  get credentials(): CredentialRepo {
    return sqlCredentials(this.db, {
      seal: (table, id, pem) => this.sealKey(table, id, pem),
      open: (table, id) => this.privateKeyPem(table, id),
    });
  }

  /** Readiness counts per renewal (counted, kept, bumped). */
  get readinessCounts(): ReadinessCounts {
    return sqlReadinessCounts(this.db, this.dialect);
  }

  /** Values kept once per installation (the meta table). */
  get installation(): InstallationValues {
    return {
      get: (key) => this.meta(key),
      addIfAbsent: async (key, value) => {
        await this.db
          .insertInto('meta')
          .values({ key, value })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
      },
    };
  }

  /** The latest report of each node that pulls its state. */
  get nodeReports(): NodeReports {
    return sqlNodeReports(this.db);
  }

  /** Secrets sealed under a key derived from the master key (through the audit chain's key). */
  get secrets(): SecretBox {
    const key = (purpose: string) =>
      createHmac('sha256', this.auditKey()).update(`rollover:renewal:${purpose}`).digest();
    return {
      seal: (context, plain) => seal(key('seal') as MasterKey, plain, context),
      unseal: (context, sealed) => unseal(key('seal') as MasterKey, sealed, context).toString('utf8'),
      linkKey: () => key('links'),
    };
  }

  /** The audit log (appends join this store's transaction). */
  get audit(): AuditLog {
    return {
      append: (facts) => this.append(facts),
      events: (afterSeq, limit) => this.auditEvents(afterSeq, limit),
      verify: async () => verifyChain(this.auditKey(), await this.auditEvents(), await this.auditHead()),
    };
  }

  /** What the nodes saw of client addresses: preview observations per sender, clients seen before T. */
  get clientObservations(): ClientObservations {
    return sqlClientObservations(this.db);
  }

  /** What the renewal views read (scopes, senders with readiness, forwardings, steps). */
  get renewalViews(): RenewalViews {
    return sqlRenewalViews(this.db);
  }

  /** Tenants' notification settings (webhook, auto-forward). */
  get tenantSettings(): TenantSettingsRepo {
    return sqlTenantSettings(this.db);
  }

  /** What each sender's derived status is read from, and what its reports and traffic write. */
  get senderFacts(): SenderFactsRepo {
    return sqlSenderFacts(this.db);
  }

  /** The renewals' workflow steps, as they are recorded. */
  get steps(): StepLog {
    return sqlStepLog(this.db);
  }

  // ---- generic entity access -------------------------------------------------------------------

  /** Inserts a row (an id is minted unless given) and returns it as stored. */
  insert<T extends EntityTable>(
    table: T,
    values: Omit<Insertable<Database[T]>, 'id'> & { id?: string },
  ): Promise<Row<T>> {
    return insertRow(this.db, table, values);
  }

  /** Inserts many rows in multi-row statements (ids minted unless given); all or nothing with a transaction. */
  insertMany<T extends EntityTable>(
    table: T,
    values: Array<Omit<Insertable<Database[T]>, 'id'> & { id?: string }>,
  ): Promise<Row<T>[]> {
    return insertRows(this.db, table, values);
  }

  /** A row by id, or undefined. */
  get<T extends EntityTable>(table: T, id: string): Promise<Row<T> | undefined> {
    return getRow(this.db, table, id);
  }

  /** Rows of a table, optionally where `column` is one of `values`, ordered by id. */
  list<T extends EntityTable>(
    table: T,
    filter?: { column: string; values: readonly string[] },
  ): Promise<Row<T>[]> {
    return listRows(this.db, table, filter);
  }

  /** Updates columns of a row by id; returns false when no row had that id. */
  update<T extends EntityTable>(
    table: T,
    id: string,
    values: Partial<Insertable<Database[T]>>,
  ): Promise<boolean> {
    return updateRow(this.db, table, id, values);
  }

  /** Deletes a row by id; returns false when no row had that id. STILL_IN_USE when still referenced. */
  remove(table: EntityTable, id: string): Promise<boolean> {
    return removeRow(this.db, table, id);
  }

  // ---- specific reads ---------------------------------------------------------------------------

  /**
   * A row by id or by its unique name, in one query either way (so a miss costs the same as a hit
   * that the caller then hides: existence does not show in timing).
   */
  byIdOrName<T extends NamedTable>(table: T, ref: string): Promise<Row<T> | undefined> {
    return rowByIdOrName(this.db, table, ref);
  }

  // ---- secrets ----------------------------------------------------------------------------------

  /** Seals a private key (PKCS#8 PEM) for a row of `table` with `id`. */
  sealKey(table: 'cas' | 'credentials', id: string, pem: string): string {
    return seal(this.masterKey, pem, `${table}:${id}`);
  }

  /** Opens the sealed private key of a CA or credential (for an authenticated LB node only). */
  async privateKeyPem(table: 'cas' | 'credentials', id: string): Promise<string | undefined> {
    const row = await this.db.selectFrom(table).select('key_sealed').where('id', '=', id).executeTakeFirst();
    if (!row?.key_sealed) return undefined;
    return unseal(this.masterKey, row.key_sealed, `${table}:${id}`).toString('utf8');
  }

  /** The key the audit chain is HMAC'd with. */
  auditKey(): Buffer {
    return deriveKey(this.masterKey, 'audit-chain');
  }

  // ---- meta and audit ---------------------------------------------------------------------------

  /** A meta value. */
  meta(key: string): Promise<string | undefined> {
    return readMeta(this.db, key);
  }

  /** Sets a meta value. */
  async setMeta(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  /** The recorded chain head, or undefined on an empty log. */
  async auditHead(): Promise<ChainHead | undefined> {
    const raw = await this.meta(HEAD_KEY);
    const head = raw ? (JSON.parse(raw) as ChainHead) : undefined;
    return head && head.seq > 0 ? head : undefined;
  }

  /** Appends an audit event in a transaction (joining the caller's), serialised against other appends. */
  append(facts: AuditFacts): Promise<AuditRecord> {
    return this.transaction(async (tx) => {
      // PostgreSQL: lock the head row so concurrent replicas cannot fork the chain. SQLite: the single
      // connection already serialises transactions.
      const q = tx.db.selectFrom('meta').select('value').where('key', '=', HEAD_KEY);
      const headRow = await (tx.dialect === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
      const parsed = headRow ? (JSON.parse(headRow.value) as ChainHead) : undefined;
      const head = parsed && parsed.seq > 0 ? parsed : undefined;
      const rec = linkEvent(tx.auditKey(), head, facts);
      await tx.db
        .insertInto('audit_events')
        .values({
          seq: rec.seq,
          at: rec.at,
          actor: rec.actor,
          role: rec.role,
          organisation: rec.organisation,
          action: rec.action,
          target_kind: rec.targetKind,
          target_id: rec.targetId,
          change: rec.change,
          prev_hash: rec.prevHash,
          hash: rec.hash,
        })
        .execute();
      await tx.setMeta(HEAD_KEY, JSON.stringify({ seq: rec.seq, hash: rec.hash }));
      return rec;
    });
  }

  /** Audit events in order, from `afterSeq` (exclusive), at most `limit`. */
  async auditEvents(afterSeq = 0, limit = 1_000_000): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', afterSeq)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: r.at,
      actor: r.actor,
      role: r.role,
      organisation: r.organisation,
      action: r.action,
      targetKind: r.target_kind,
      targetId: r.target_id,
      change: r.change,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  }

  /** Row counts per table: every entity table and the personal links (restore checks, diagnostics). */
  async counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of [...ENTITY_TABLES, 'sender_links' as const]) {
      const r = await this.db.selectFrom(t).select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
      out[t] = Number(r.n);
    }
    return out;
  }
}

async function readMeta(db: Kysely<Database>, key: string): Promise<string | undefined> {
  try {
    const row = await db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  } catch {
    // A fresh database has no meta table yet.
    return undefined;
  }
}
