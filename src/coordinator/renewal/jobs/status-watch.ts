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
import { renewalClockOf, statusOf } from '../sender-facts.js';
import type { JobResult } from './common.js';
import type { PayloadOf } from './payloads.js';

/** Asks for a pass over the renewal's sender statuses now (one pending pass per renewal at a time). */
export async function watchSenderStatus(env: RenewalEnv, renewalId: string): Promise<void> {
  await reschedule(env.store, 'status-watch', { renewalId }, env.clock.now(), `status-watch:${renewalId}`);
}

/** Compares each webhook tenant's senders' statuses with what was sent, and sends what changed. */
export async function statusWatchJob(env: RenewalEnv, p: PayloadOf<'status-watch'>): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId);
  const r = f.renewal;
  if (r.state === 'planned') return {};
  const tenantIds = await env.store.tenantSettings.withWebhook(f.tenants.map((t) => t.id));
  if (tenantIds.length === 0) return {};
  const forwarded = await env.store.senderFacts.forwardedAt(r.id, tenantIds);
  const clock = renewalClockOf(r);
  const now = new Date(env.clock.now());
  const items: OutboxItem[] = [];
  for (const sender of await env.store.senderFacts.list(r.id, { tenantIds })) {
    const s = statusOf(sender, forwarded.get(sender.tenantId) ?? null, clock, now);
    items.push({
      key: `status:${r.id}:${r.sequence}:${sender.senderId}:${s.state}:${s.since ?? ''}`,
      channel: 'webhook',
      recipient: sender.tenantId,
      subject: `${sender.name}: ${s.headline}`,
      body: {
        t: 'event',
        event: {
          type: 'sender.status',
          renewalId: r.id,
          tenantId: sender.tenantId,
          senderId: sender.senderId,
          sender: sender.name,
          state: s.state,
          tone: s.tone,
          headline: s.headline,
          reason: s.reason,
          since: s.since,
          next: s.next,
          removal: s.removal,
          exchangeAt: r.exchangeAt,
          exchangeAtText: readableUtc(r.exchangeAt!),
        },
      },
      renewalId: r.id,
    });
  }
  await enqueue(env.store, env, items);
  return {};
}
