/**
 * Migration 0002: what the renewal workflow (issue 6) keeps beyond the initial tables — the instants
 * computed once at planning, per-node acknowledgements, personal sender links, per-tenant notification
 * settings, node control endpoints, and idempotency keys on the outbox and on jobs.
 */
import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations see the database before its types exist
type AnyDb = Kysely<any>;

/** Adds the renewal workflow's columns and tables. */
export async function renewalWorkflow(db: AnyDb): Promise<void> {
  const s = db.schema;
  const add = async (table: string, cols: Array<[string, 'text' | 'integer', unknown?]>) => {
    // One column per statement: SQLite's ALTER TABLE adds one at a time.
    for (const [name, type, dflt] of cols) {
      await s
        .alterTable(table)
        .addColumn(name, type, (c) => (dflt === undefined ? c : c.notNull().defaultTo(dflt)))
        .execute();
    }
  };
  await add('renewals', [
    ['gate_at', 'text'],
    ['postpone_deadline', 'text'],
    ['safe_removal_at', 'text'],
    ['sequence', 'integer', 0],
    ['gate', 'text'],
    ['gate_override', 'text'],
    ['reminders', 'text', '[]'],
    ['failures_baseline', 'text'],
  ]);
  await add('lb_nodes', [
    ['control_url', 'text'],
    ['control_token_sealed', 'text'],
  ]);
  await add('readiness', [
    ['failures_after_t', 'integer', 0],
    ['reason', 'text'],
  ]);
  await add('forwardings', [['message', 'text']]);
  await add('notifications', [
    ['idempotency_key', 'text'],
    ['renewal_id', 'text'],
  ]);
  await add('jobs', [
    ['job_key', 'text'],
    ['last_error', 'text'],
  ]);
  await s.createIndex('notifications_key').unique().on('notifications').column('idempotency_key').execute();
  await s
    .createIndex('notifications_recipient')
    .on('notifications')
    .columns(['channel', 'recipient'])
    .execute();
  await s.createIndex('jobs_key').unique().on('jobs').column('job_key').execute();
  await s.createIndex('readiness_renewal').on('readiness').columns(['renewal_id', 'state']).execute();
  await s
    .createTable('renewal_nodes')
    .addColumn('renewal_id', 'text', (c) => c.notNull().references('renewals.id'))
    .addColumn('node_id', 'text', (c) => c.notNull().references('lb_nodes.id'))
    .addColumn('virtual_server_id', 'text', (c) => c.notNull().references('virtual_servers.id'))
    .addColumn('sequence', 'integer', (c) => c.notNull())
    .addColumn('staged_ack_at', 'text')
    .addColumn('verified_at', 'text')
    .addColumn('served_sha256', 'text')
    .addColumn('last_error', 'text')
    .addPrimaryKeyConstraint('renewal_nodes_pk', ['renewal_id', 'node_id', 'virtual_server_id'])
    .execute();
  await s
    .createTable('sender_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('renewal_id', 'text', (c) => c.notNull().references('renewals.id'))
    .addColumn('sender_id', 'text', (c) => c.notNull().references('senders.id'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await s
    .createIndex('sender_links_sender')
    .on('sender_links')
    .columns(['renewal_id', 'sender_id'])
    .execute();
  await s
    .createTable('tenant_settings')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id'))
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_secret_sealed', 'text')
    .addColumn('auto_forward', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}
