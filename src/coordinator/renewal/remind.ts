/**
 * "Remind": a tenant admin (or the lb-admin) sends a reminder now to senders whose admin has the next
 * move — the same notice a scheduled reminder sends (mail to contacts, inbox for sender admins, a
 * fresh personal link), recorded as one step per sender. Who may be reminded is derived from each
 * sender's status (src/renewal/remind.ts), never from the readiness column alone.
 */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { fail } from '../../shared/errors.js';
import { forbidden, notFound } from '../env.js';
import { notifySenders } from './forward.js';
import { actorOf, addStep, loadFacts } from './model.js';
import type { RenewalEnv } from './ports.js';
import { remindVerdicts } from './sender-facts.js';

/** Renewal states in which a sender still has something to do (before T, and after it until the end). */
const OPEN = ['announced', 'staged', 'postponed', 'exchanged', 'verified', 'retiring'];

/** What `remind` asks for: every remindable sender of a tenant, or the given senders. */
export interface RemindRequest {
  tenantId?: string | undefined;
  senderIds?: readonly string[] | undefined;
}

/** What it did: who was reminded, and who was not and why. */
export interface RemindAnswer {
  reminded: string[];
  skipped: Array<{ senderId: string; reason: string }>;
}

/** Sends reminders now; refused (NOTHING_TO_REMIND) when no sender asked for may be reminded. */
export async function remindSenders(
  env: RenewalEnv,
  p: Principal,
  id: string,
  req: RemindRequest,
): Promise<RemindAnswer> {
  if (!req.tenantId && !req.senderIds?.length) fail('BAD_ARGUMENT', 'name a tenant or at least one sender');
  const answer = await env.store.transaction(async (tx) => {
    const f = await loadFacts(tx, id, false);
    const rows = await tx.senderFacts.list(id, {
      tenantIds: req.tenantId ? [req.tenantId] : undefined,
      senderIds: req.senderIds,
    });
    // Not yours, or not in this renewal: the same answer, so neither leaks.
    for (const want of req.senderIds ?? [])
      if (!rows.some((r) => r.senderId === want)) notFound('sender', want);
    if (req.tenantId && rows.length === 0) notFound('tenant', req.tenantId);
    const tenants = [...new Set(rows.map((r) => r.tenantId))];
    for (const t of tenants) if (!can(p, 'read', { kind: 'tenant', tenantId: t })) notFound('tenant', t);
    for (const t of tenants)
      if (!can(p, 'update', { kind: 'tenant', tenantId: t })) forbidden("remind this tenant's senders");
    if (!OPEN.includes(f.renewal.state))
      fail('WRONG_STATE', `a renewal that is ${f.renewal.state} needs no reminders`, {
        state: f.renewal.state,
      });

    const now = new Date(env.clock.now());
    const out: RemindAnswer = { reminded: [], skipped: [] };
    for (const { sender, verdict } of await remindVerdicts(tx, f.renewal, rows, now)) {
      if (verdict.ok) out.reminded.push(sender.senderId);
      else out.skipped.push({ senderId: sender.senderId, reason: `${sender.name}: ${verdict.reason}` });
    }
    if (out.reminded.length === 0)
      fail('NOTHING_TO_REMIND', `no sender to remind: ${out.skipped.map((s) => s.reason).join('; ')}`, {
        skipped: out.skipped,
      });
    await notifySenders(tx, env, f, out.reminded, {
      keyPrefix: `remind:${id}:${f.renewal.sequence}:${now.getTime()}`,
      reminder: true,
    });
    const actor = actorOf(p);
    for (const r of rows)
      if (out.reminded.includes(r.senderId))
        await addStep(tx, env, id, 'remind', actor, { sender: r.senderId, tenant: r.tenantId });
    return out;
  });
  env.renewal.changed(id, (await env.store.renewals.get(id))!.state);
  return answer;
}
