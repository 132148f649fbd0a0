/**
 * Webhooks on sender status changes: for each tenant of a renewal that has a webhook, every sender
 * whose derived status (src/renewal/sender-status.ts — the same one every page speaks from) entered a
 * new state gets one `sender.status` event. The outbox key names the state and the instant it began,
 * so running this again changes nothing until a status really changes; it runs whenever the renewal
 * changes (the change feed) and whenever handshake attribution moved a sender's traffic.
 */
import { readableUtc } from '../../../shared/time.js';
import { reschedule } from '../jobs-store.js';
import { loadFacts } from '../model.js';
import { enqueue, type OutboxItem } from '../outbox.js';
import type { RenewalEnv } from '../ports.js';
import { forwardedAt, renewalClockOf, statusOfRow, statusRows } from '../sender-facts.js';
import type { JobResult } from './common.js';
import type { PayloadOf } from './payloads.js';

/** Asks for a pass over the renewal's sender statuses now (one pending pass per renewal at a time). */
export async function watchSenderStatus(env: RenewalEnv, renewalId: string): Promise<void> {
  await reschedule(env.store, 'status-watch', { renewalId }, env.clock.now(), `status-watch:${renewalId}`);
}

/** Compares each webhook tenant's senders' statuses with what was sent, and sends what changed. */
export async function statusWatchJob(env: RenewalEnv, p: PayloadOf<'status-watch'>): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (f.r.state === 'planned') return {};
  const hooks = await env.store.db
    .selectFrom('tenant_settings')
    .innerJoin('tenants', 'tenants.id', 'tenant_settings.tenant_id')
    .select('tenant_settings.tenant_id')
    .where(
      'tenants.virtual_server_id',
      'in',
      f.vss.map((v) => v.id),
    )
    .where('tenant_settings.webhook_url', 'is not', null)
    .execute();
  if (hooks.length === 0) return {};
  const tenantIds = hooks.map((h) => h.tenant_id);
  const forwarded = await forwardedAt(env.store, f.r.id, tenantIds);
  const clock = renewalClockOf(f.r);
  const now = new Date(env.clock.now());
  const seq = Number(f.r.sequence);
  const items: OutboxItem[] = [];
  for (const row of await statusRows(env.store, f.r.id, { tenantIds })) {
    const s = statusOfRow(row, forwarded.get(row.tenant_id) ?? null, clock, now);
    items.push({
      key: `status:${f.r.id}:${seq}:${row.id}:${s.state}:${s.since ?? ''}`,
      channel: 'webhook',
      recipient: row.tenant_id,
      subject: `${row.name}: ${s.headline}`,
      body: {
        t: 'event',
        event: {
          type: 'sender.status',
          renewalId: f.r.id,
          tenantId: row.tenant_id,
          senderId: row.id,
          sender: row.name,
          state: s.state,
          tone: s.tone,
          headline: s.headline,
          reason: s.reason,
          since: s.since,
          next: s.next,
          removal: s.removal,
          exchangeAt: f.r.exchange_at,
          exchangeAtText: readableUtc(f.r.exchange_at!),
        },
      },
      renewalId: f.r.id,
    });
  }
  await enqueue(env.store, env, items);
  return {};
}
