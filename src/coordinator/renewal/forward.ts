/**
 * Step 3: a tenant admin (or the tenant's auto-forward policy) passes the announcement on. Every
 * sender of the tenant gets a personal, signed, expiring link and a notice (mail to its contacts,
 * inbox for its sender admins); its readiness moves to notified.
 */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { isBeforeExchange, type RenewalState } from '../../renewal/states.js';
import { fail } from '../../shared/errors.js';
import type { Store } from '../../store/store.js';
import { notFound } from '../env.js';
import { issueLinks } from './links.js';
import { type Actor, actorOf, addStep, loadFacts, type RenewalFacts } from './model.js';
import { enqueue, type OutboxItem } from './outbox.js';
import type { RenewalEnv } from './ports.js';
import { holders } from './recipients.js';

/** Writes sender notices for `senderIds` (new links, mail to contacts, inbox for sender admins). */
export async function notifySenders(
  tx: Store,
  env: RenewalEnv,
  f: RenewalFacts,
  senderIds: readonly string[],
  opts: { message?: string | undefined; keyPrefix: string; reminder?: boolean },
): Promise<void> {
  if (senderIds.length === 0) return;
  const links = await issueLinks(tx, env, f.r.id, senderIds);
  const seq = Number(f.r.sequence);
  const subject = `${opts.reminder ? '[reminder] ' : ''}Add the new root for ${f.vss[0]!.name} before ${f.r.exchange_at}`;
  const admins = new Map<string, string[]>();
  for (const h of await holders(tx, 'sender-admin', senderIds))
    admins.set(h.scopeId, [...(admins.get(h.scopeId) ?? []), h.userId]);
  const items: OutboxItem[] = [];
  for (let i = 0; i < senderIds.length; i += 1000) {
    const rows = await tx.db
      .selectFrom('senders')
      .select(['id', 'contacts'])
      .where('id', 'in', senderIds.slice(i, i + 1000))
      .execute();
    for (const s of rows) {
      const body = {
        t: 'sender-notice' as const,
        renewalId: f.r.id,
        senderId: s.id,
        linkId: links.get(s.id)!,
        sequence: seq,
        ...(opts.message ? { message: opts.message } : {}),
        ...(opts.reminder ? { reminder: true } : {}),
      };
      for (const to of JSON.parse(s.contacts) as string[]) {
        items.push({
          key: `${opts.keyPrefix}:${s.id}:${to}`,
          channel: 'mail',
          recipient: to,
          subject,
          body,
          renewalId: f.r.id,
        });
      }
      for (const u of admins.get(s.id) ?? []) {
        items.push({
          key: `${opts.keyPrefix}:${s.id}:inbox:${u}`,
          channel: 'inbox',
          recipient: u,
          subject,
          body,
          renewalId: f.r.id,
        });
      }
    }
  }
  await enqueue(tx, env, items);
}

/** Forwards inside a transaction (shared by the route and auto-forward). Idempotent per tenant. */
export async function forwardInTx(
  tx: Store,
  env: RenewalEnv,
  f: RenewalFacts,
  tenantId: string,
  actor: Actor,
  message: string | undefined,
  kind: 'forward' | 'auto-forward',
): Promise<boolean> {
  const fwd = await tx.db
    .selectFrom('forwardings')
    .selectAll()
    .where('renewal_id', '=', f.r.id)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!fwd) fail('CONFLICT', 'the renewal has not been announced to this tenant yet');
  if (fwd.state === 'forwarded') return false;
  const now = new Date(env.clock.now()).toISOString();
  await tx.db
    .updateTable('forwardings')
    .set({ state: 'forwarded', actor: actor.name, updated_at: now, message: message ?? null })
    .where('id', '=', fwd.id)
    .execute();
  const senders = await tx.db
    .selectFrom('senders')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .orderBy('id')
    .execute();
  const ids = senders.map((s) => s.id);
  await notifySenders(tx, env, f, ids, { message, keyPrefix: `fwd:${f.r.id}:${Number(f.r.sequence)}` });
  await tx.db
    .updateTable('readiness')
    .set({ state: 'notified', updated_at: now })
    .where('renewal_id', '=', f.r.id)
    .where('state', '=', 'pending')
    .where('sender_id', 'in', tx.db.selectFrom('senders').select('id').where('tenant_id', '=', tenantId))
    .execute();
  await addStep(tx, env, f.r.id, kind, actor, {
    tenant: tenantId,
    senders: ids.length,
    ...(message ? { message } : {}),
  });
  return true;
}

/** A tenant admin forwards the announcement to the tenant's senders. */
export async function forwardRenewal(
  env: RenewalEnv,
  p: Principal,
  id: string,
  tenantId: string,
  message?: string,
): Promise<void> {
  await env.store.transaction(async (tx) => {
    const f = await loadFacts(tx, id);
    const tenant = f.tenants.find((t) => t.id === tenantId);
    // Not your tenant, or not in this renewal: the same answer, so neither leaks.
    if (!tenant || !can(p, 'update', { kind: 'tenant', tenantId })) notFound('tenant', tenantId);
    if (!isBeforeExchange(f.r.state as RenewalState) || f.r.state === 'planned') {
      fail(
        'CONFLICT',
        `a renewal that is ${f.r.state} cannot be forwarded (announce it first; after T it is too late)`,
        { state: f.r.state },
      );
    }
    await forwardInTx(tx, env, f, tenantId, actorOf(p), message, 'forward');
  });
  env.renewal.changed(id, (await env.store.get('renewals', id))!.state);
}
