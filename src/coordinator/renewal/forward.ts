/**
 * Step 3: a tenant admin (or the tenant's auto-forward policy) passes the announcement on. Every
 * sender of the tenant gets a personal, signed, expiring link and a notice (mail to its contacts,
 * inbox for its sender admins); its readiness moves to notified.
 */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { isBeforeExchange, type RenewalState } from '../../renewal/states.js';
import { fail } from '../../shared/errors.js';
import { readableUtc } from '../../shared/time.js';
import { forbidden, notFound } from '../env.js';
import type { SenderContacts } from '../ports/inventory.js';
import type { Ports } from '../ports/unit-of-work.js';
import { bumpCounts } from './counts.js';
import { issueLinks } from './links.js';
import { type Actor, actorOf, addStep, loadFacts, type RenewalFacts } from './model.js';
import { enqueue, type OutboxItem } from './outbox.js';
import type { RenewalEnv } from './ports.js';
import { holders } from './recipients.js';

/** Writes sender notices for `senderIds` (new links, mail to contacts, inbox for sender admins). */
export async function notifySenders(
  tx: Pick<Ports, 'secrets' | 'senderLinks' | 'people' | 'inventory' | 'outbox'>,
  env: Pick<RenewalEnv, 'clock'> & { renewal: Pick<RenewalEnv['renewal'], 'linkTtlMs'> },
  /** What of the renewal the notice names: its id, sequence and T, its first virtual server. */
  f: {
    renewal: Pick<RenewalFacts['renewal'], 'id' | 'sequence' | 'exchangeAt'>;
    vss: ReadonlyArray<{ name: string }>;
  },
  /** Sender ids, or their contacts when the caller has read them already. */
  senders: readonly string[] | readonly SenderContacts[],
  opts: {
    message?: string | undefined;
    keyPrefix: string;
    reminder?: boolean;
    /** True when these senders have no link for this renewal yet (their tenant's first forward). */
    fresh?: boolean;
  },
): Promise<void> {
  if (senders.length === 0) return;
  const given = typeof senders[0] === 'string' ? undefined : (senders as readonly SenderContacts[]);
  const senderIds = given ? given.map((x) => x.senderId) : (senders as readonly string[]);
  const links = await issueLinks(tx, env, f.renewal.id, senderIds, opts.fresh ?? false);
  const seq = Number(f.renewal.sequence);
  const subject = `${opts.reminder ? '[reminder] ' : ''}Add the new root for ${f.vss[0]!.name} before ${readableUtc(f.renewal.exchangeAt!)}`;
  const admins = new Map<string, string[]>();
  for (const h of await holders(tx, 'sender-admin', senderIds))
    admins.set(h.scopeId, [...(admins.get(h.scopeId) ?? []), h.userId]);
  const items: OutboxItem[] = [];
  for (const s of given ?? (await tx.inventory.senderContacts(senderIds))) {
    const body = {
      t: 'sender-notice' as const,
      renewalId: f.renewal.id,
      senderId: s.senderId,
      linkId: links.get(s.senderId)!,
      sequence: seq,
      ...(opts.message ? { message: opts.message } : {}),
      ...(opts.reminder ? { reminder: true } : {}),
    };
    for (const to of s.contacts) {
      items.push({
        key: `${opts.keyPrefix}:${s.senderId}:${to}`,
        channel: 'mail',
        recipient: to,
        subject,
        body,
        renewalId: f.renewal.id,
      });
    }
    for (const u of admins.get(s.senderId) ?? []) {
      items.push({
        key: `${opts.keyPrefix}:${s.senderId}:inbox:${u}`,
        channel: 'inbox',
        recipient: u,
        subject,
        body,
        renewalId: f.renewal.id,
      });
    }
  }
  await enqueue(tx, env, items);
}

/**
 * Forwards to tenants inside a transaction (the route for one tenant; auto-forward for all of them
 * at once, in batches, so a fan-out to 100 000 senders stays a handful of bulk statements). Tenants
 * already forwarded are skipped: a repeated forward changes nothing. Returns how many were forwarded.
 */
export async function forwardTenants(
  tx: RenewalEnv['store'],
  env: RenewalEnv,
  f: RenewalFacts,
  tenantIds: readonly string[],
  actor: Actor,
  message: string | undefined,
  kind: 'forward' | 'auto-forward',
  /** True when the readiness rows were written as notified already (auto-forward at announce). */
  notifiedAlready = false,
): Promise<number> {
  const now = new Date(env.clock.now()).toISOString();
  let forwarded = 0;
  let senderCount = 0;
  const done: string[] = [];
  for (let i = 0; i < tenantIds.length; i += 500) {
    const batch = tenantIds.slice(i, i + 500);
    const ts = await tx.renewals.markForwarded(f.renewal.id, batch, {
      actor: actor.name,
      message: message ?? null,
      at: now,
    });
    if (ts.length === 0) continue;
    const senders = await tx.inventory.tenantSenderContacts(ts);
    const ids = senders.map((s) => s.senderId);
    await notifySenders(tx, env, f, senders, {
      fresh: true,
      message,
      keyPrefix: `fwd:${f.renewal.id}:${Number(f.renewal.sequence)}`,
    });
    const n = notifiedAlready ? 0 : await tx.readiness.markNotified(f.renewal.id, ids, now);
    if (n) await bumpCounts(tx, f.renewal.id, { pending: -n, notified: n });
    forwarded += ts.length;
    senderCount += ids.length;
    if (done.length < 100) done.push(...ts.slice(0, 100 - done.length));
  }
  if (forwarded === 0) return 0;
  await addStep(tx, env, f.renewal.id, kind, actor, {
    ...(forwarded === 1 ? { tenant: done[0] } : { tenants: forwarded, first: done }),
    senders: senderCount,
    ...(message ? { message } : {}),
  });
  return forwarded;
}

/** A tenant admin forwards the announcement to the tenant's senders (the tenant by id or by name). */
export async function forwardRenewal(
  env: RenewalEnv,
  p: Principal,
  id: string,
  tenantRef: string,
  message?: string,
): Promise<void> {
  await env.store.transaction(async (tx) => {
    const f = await loadFacts(tx, id);
    const tenant = f.tenants.find((t) => t.id === tenantRef) ?? f.tenants.find((t) => t.name === tenantRef);
    const tenantId = tenant?.id ?? tenantRef;
    // Not your tenant, or not in this renewal: the same answer, so neither leaks.
    if (!tenant || !can(p, 'read', { kind: 'tenant', tenantId })) notFound('tenant', tenantRef);
    // Visible but read-only (auditor, integration developer): 403, as for every other write.
    if (!can(p, 'update', { kind: 'tenant', tenantId })) forbidden('forward renewals to this tenant');
    if (!isBeforeExchange(f.renewal.state as RenewalState) || f.renewal.state === 'planned') {
      fail(
        'WRONG_STATE',
        `a renewal that is ${f.renewal.state} cannot be forwarded (announce it first; after T it is too late)`,
        { state: f.renewal.state },
      );
    }
    await forwardTenants(tx, env, f, [tenantId], actorOf(p), message, 'forward');
  });
  env.renewal.changed(id, (await env.store.renewals.get(id))!.state);
}
