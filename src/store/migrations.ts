/**
 * The one migration set, written with Kysely's schema builder in portable types so the same steps run
 * on SQLite and PostgreSQL. Append new migrations; never edit one that has shipped.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { fail } from '../shared/errors.js';
import { renewalWorkflow } from './migration-0002-renewal.js';
import { nodeReports } from './migration-0003-node-reports.js';
import { renewalCounts } from './migration-0004-renewal-counts.js';
import { renewalIndexes } from './migration-0005-renewal-indexes.js';
import { senderTruth } from './migration-0006-sender-truth.js';
import { renewalBridge } from './migration-0007-renewal-bridge.js';
import { grace } from './migration-0008-grace.js';
import { observedClients } from './migration-0009-observed-clients.js';
import { tlsProfile } from './migration-0010-tls-profile.js';
import { pulledExceptions } from './migration-0011-pulled-exceptions.js';
import { verifyProbes } from './migration-0012-verify-probes.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

async function initial(db: AnyDb): Promise<void> {
  const s = db.schema;
  await s
    .createTable('meta')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('organisation', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('role_bindings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addUniqueConstraint('role_bindings_unique', ['user_id', 'role', 'scope_id'])
    .execute();
  await s
    .createTable('api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await s
    .createTable('invitations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('scope_id', 'text', (c) => c.notNull())
    .addColumn('organisation', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .execute();
  await s
    .createTable('load_balancers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('lb_nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lb_id', 'text', (c) => c.notNull().references('load_balancers.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('lb_nodes_name', ['lb_id', 'name'])
    .execute();
  await s
    .createTable('cas')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text')
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('not_after', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('chain_pem', 'text', (c) => c.notNull())
    .addColumn('root_pem', 'text', (c) => c.notNull())
    .addColumn('key_sealed', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('not_after', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('virtual_servers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('lb_id', 'text', (c) => c.notNull().references('load_balancers.id'))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('hosts', 'text', (c) => c.notNull())
    .addColumn('listen', 'text', (c) => c.notNull())
    .addColumn('backends', 'text', (c) => c.notNull())
    .addColumn('active_credential_id', 'text', (c) => c.references('credentials.id'))
    .addColumn('staged_credential_id', 'text', (c) => c.references('credentials.id'))
    .addColumn('activate_at', 'text')
    .addColumn('preview_listen', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('tenants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('virtual_server_id', 'text', (c) => c.references('virtual_servers.id'))
    .addColumn('operating_model', 'text', (c) => c.notNull())
    .addColumn('customer_organisation', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('senders')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('contacts', 'text', (c) => c.notNull())
    .addColumn('truststore_kind', 'text', (c) => c.notNull())
    .addColumn('source_addresses', 'text', (c) => c.notNull())
    .addColumn('client_cert_subject', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('senders_name', ['tenant_id', 'name'])
    .execute();
  await s
    .createTable('renewals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('virtual_server_id', 'text', (c) => c.notNull().references('virtual_servers.id'))
    .addColumn('old_credential_id', 'text', (c) => c.references('credentials.id'))
    .addColumn('new_credential_id', 'text', (c) => c.references('credentials.id'))
    .addColumn('old_root_fingerprint', 'text')
    .addColumn('new_root_fingerprint', 'text')
    .addColumn('exchange_at', 'text')
    .addColumn('rollback_window_seconds', 'integer', (c) => c.notNull())
    .addColumn('gate_policy', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('renewal_virtual_servers')
    .addColumn('renewal_id', 'text', (c) => c.notNull().references('renewals.id'))
    .addColumn('virtual_server_id', 'text', (c) => c.notNull().references('virtual_servers.id'))
    .addPrimaryKeyConstraint('renewal_virtual_servers_pk', ['renewal_id', 'virtual_server_id'])
    .execute();
  await s
    .createTable('steps')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('renewal_id', 'text', (c) => c.notNull().references('renewals.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .execute();
  await s
    .createTable('forwardings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('renewal_id', 'text', (c) => c.notNull().references('renewals.id'))
    .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('actor', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('forwardings_unique', ['renewal_id', 'tenant_id'])
    .execute();
  await s
    .createTable('readiness')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('renewal_id', 'text', (c) => c.notNull().references('renewals.id'))
    .addColumn('sender_id', 'text', (c) => c.notNull().references('senders.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('readiness_unique', ['renewal_id', 'sender_id'])
    .execute();
  await s
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('delivered_at', 'text')
    .execute();
  await s
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('locked_by', 'text')
    .addColumn('locked_until', 'text')
    .execute();
  await s
    .createTable('audit_events')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('organisation', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('change', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await s.createIndex('senders_tenant').on('senders').column('tenant_id').execute();
  await s
    .createIndex('notifications_due')
    .on('notifications')
    .columns(['state', 'next_attempt_at'])
    .execute();
  await s.createIndex('jobs_due').on('jobs').columns(['state', 'run_at']).execute();
}

/** Every migration, in order. Names sort in the order they run. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': { up: initial },
  '0002_renewal_workflow': { up: renewalWorkflow },
  '0003_node_reports': { up: nodeReports },
  '0004_renewal_counts': { up: renewalCounts },
  '0005_renewal_indexes': { up: renewalIndexes },
  '0006_sender_truth': { up: senderTruth },
  '0007_renewal_bridge': { up: renewalBridge },
  '0008_grace': { up: grace },
  '0009_observed_clients': { up: observedClients },
  '0010_tls_profile': { up: tlsProfile },
  '0011_pulled_exceptions': { up: pulledExceptions },
  '0012_verify_probes': { up: verifyProbes },
};

/**
 * Brings the database up to the latest migration; safe on a fresh or an existing database, and with
 * several replicas starting at once. One transaction: on PostgreSQL it first takes an advisory lock
 * keyed by the schema in use, so concurrent starts wait instead of racing; DDL is transactional on
 * both databases, so a failed migration leaves nothing half-done. (Kysely's own Migrator is not used:
 * it looks for its tables through catalog introspection across every schema of the database, which
 * races with schemas being dropped next door and mistakes another schema's tables for ours.)
 */
export async function migrate(db: AnyDb, dialect: 'sqlite' | 'postgres'): Promise<void> {
  let current = '';
  try {
    await db.transaction().execute(async (trx) => {
      if (dialect === 'postgres')
        await sql`select pg_advisory_xact_lock(hashtext(current_schema()))`.execute(trx);
      await trx.schema
        .createTable('rollover_migrations')
        .ifNotExists()
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('applied_at', 'text', (c) => c.notNull())
        .execute();
      const done = new Set<string>(
        (await trx.selectFrom('rollover_migrations').select('name').execute()).map((r) => r.name as string),
      );
      if (done.size === 0) {
        for (const name of await kyselyApplied(trx, dialect)) {
          done.add(name);
          await trx
            .insertInto('rollover_migrations')
            .values({ name, applied_at: new Date().toISOString() })
            .execute();
        }
      }
      for (const name of Object.keys(MIGRATIONS).sort()) {
        if (done.has(name)) continue;
        current = name;
        await MIGRATIONS[name]!.up(trx);
        await trx
          .insertInto('rollover_migrations')
          .values({ name, applied_at: new Date().toISOString() })
          .execute();
      }
    });
  } catch (e) {
    fail(
      'INTERNAL',
      `database migration ${current || '(set-up)'} failed: ${(e as Error).message ?? String(e)}`,
    );
  }
}

/** Migrations a store made before this runner recorded as applied (in Kysely's own table). */
async function kyselyApplied(trx: AnyDb, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  const present =
    dialect === 'postgres'
      ? (await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(trx))
          .rows[0]?.t
      : (
          await sql<{
            t: string;
          }>`select name as t from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(
            trx,
          )
        ).rows[0]?.t;
  if (!present) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(trx);
  return rows.rows.map((r) => r.name);
}
