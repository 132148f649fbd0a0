/** The outbox over SQL: notifications added in bulk, skipping keys already written. */
import { type Kysely, sql } from 'kysely';
import type { Outbox, Template } from '../../coordinator/ports/outbox.js';
import { bulkInsert } from '../bulk.js';
import { newId } from '../ids.js';
import type { Database } from '../schema.js';

/** The outbox on `db`. */
export function sqlOutbox(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Outbox {
  return {
    async add(items) {
      const rows = items.map((i) => ({
        id: newId('ntf'),
        channel: i.channel,
        recipient: i.recipient,
        subject: i.subject,
        body: JSON.stringify(i.body),
        state: i.state,
        attempts: 0,
        next_attempt_at: i.nextAttemptAt,
        last_error: null,
        created_at: i.createdAt,
        delivered_at: i.deliveredAt,
        idempotency_key: i.idempotencyKey,
        renewal_id: i.renewalId,
      }));
      await bulkInsert(
        db,
        dialect,
        'notifications',
        rows,
        {
          id: 'text',
          channel: 'text',
          recipient: 'text',
          subject: 'text',
          body: 'text',
          state: 'text',
          attempts: 'integer',
          next_attempt_at: 'text',
          last_error: 'text',
          created_at: 'text',
          delivered_at: 'text',
          idempotency_key: 'text',
          renewal_id: 'text',
        },
        'idempotency_key',
      );
    },
    async due(now, limit) {
      const rows = await db
        .selectFrom('notifications')
        .selectAll()
        .where('state', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((n) => ({
        id: n.id,
        channel: n.channel as 'mail' | 'webhook' | 'inbox',
        recipient: n.recipient,
        body: JSON.parse(n.body) as Template,
        attempts: Number(n.attempts),
        idempotencyKey: n.idempotency_key ?? n.id,
      }));
    },
    async delivered(id, attempts, at) {
      await db
        .updateTable('notifications')
        .set({ state: 'delivered', attempts, delivered_at: at, last_error: null })
        .where('id', '=', id)
        .execute();
    },
    async failed(id, attempts, error, retryAt) {
      await db
        .updateTable('notifications')
        .set({ attempts, next_attempt_at: retryAt, last_error: error })
        .where('id', '=', id)
        .execute();
    },
    async inbox(recipient, limit) {
      const rows = await db
        .selectFrom('notifications')
        .select(['id', 'subject', 'renewal_id', 'created_at'])
        .where('channel', '=', 'inbox')
        .where('recipient', '=', recipient)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        subject: r.subject,
        renewalId: r.renewal_id,
        createdAt: r.created_at,
      }));
    },
    async pendingCount() {
      const r = await db
        .selectFrom('notifications')
        .select(sql<number>`count(*)`.as('n'))
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
  };
}
