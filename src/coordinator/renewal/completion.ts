/**
 * Completing a renewal tells the truth: what is still open (senders failing, not proven, old root
 * still trusted) is derived from every sender's status; completing with open items needs an explicit
 * confirmation with a reason, and the completion record keeps what was open, so the renewal's line
 * reads "completed with 2 senders failing", not just "completed".
 */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { describeOpen, type OpenItems, openItems } from '../../renewal/renewal-status.js';
import { tallySenders } from '../../renewal/sender-status.js';
import { fail } from '../../shared/errors.js';
import { forbidden, notFound } from '../env.js';
import type { Renewal } from '../ports/renewals.js';
import type { SenderFactsRepo } from '../ports/sender-facts.js';
import { armExceptions } from './jobs/exceptions.js';
import { actorOf, addStep, transition } from './model.js';
import type { RenewalEnv } from './ports.js';
import { allSenderStatuses } from './sender-facts.js';

export { allSenderStatuses, senderStatusesById } from './sender-facts.js';

/** What is open in a renewal now. */
export async function openItemsOf(
  store: { senderFacts: SenderFactsRepo },
  r: Renewal,
  now: Date,
): Promise<OpenItems> {
  return openItems(tallySenders(await allSenderStatuses(store, r, now)));
}

/**
 * Completes a retiring renewal (lb-admin). With open items it needs `force` and a `reason`
 * (OPEN_ITEMS otherwise, naming them); the completion record keeps them and the reason.
 */
export async function completeRenewal(
  env: RenewalEnv,
  p: Principal,
  id: string,
  confirm: { force?: boolean | undefined; reason?: string | undefined } = {},
) {
  if (!can(p, 'update', { kind: 'renewal', tenantIds: [], senderIds: [] })) forbidden('complete renewals');
  const now = new Date(env.clock.now());
  await env.store.transaction(async (tx) => {
    const r = (await tx.renewals.get(id)) ?? notFound('renewal', id);
    if (r.state === 'completed') return;
    if (r.state !== 'retiring')
      fail('WRONG_STATE', `a renewal that is ${r.state} cannot be completed (it must be retiring)`, {
        state: r.state,
      });
    const open = await openItemsOf(tx, r, now);
    const what = describeOpen(open);
    const reason = confirm.reason?.trim() || null;
    // Grace first: a sender in grace is never proven, so it is also an open item, and the refusal
    // must say what completing would do to it (end its grace: it gets the new certificate now).
    const until = r.grace.graceUntil;
    const graceUntil = until && now < until ? until.toISOString() : null;
    const inGrace = graceUntil ? await tx.grace.inGraceAt(r.id, now.toISOString()) : [];
    if (inGrace.length && !(confirm.force && reason))
      fail(
        'IN_GRACE',
        `${inGrace.length} sender(s) are still served the old credential until ${graceUntil} (grace): the renewal completes once grace is over. Completing now needs a confirmation and a reason (force: true, reason), and ends their grace${what ? ` (also still open: ${what})` : ''}`,
        { senders: inGrace.slice(0, 100), graceUntil, open },
      );
    if (what && !(confirm.force && reason))
      fail(
        'OPEN_ITEMS',
        `still open: ${what}. Complete anyway only with a confirmation and a reason (force: true, reason)`,
        { open },
      );
    const completion = {
      at: now.toISOString(),
      by: p.name,
      forced: Boolean(what) || inGrace.length > 0,
      reason,
      open,
      ...(inGrace.length ? { graceEnded: inGrace.length } : {}),
    };
    await transition(tx, env, r, 'complete', { completion });
    // The nodes forget the renewal's source exceptions.
    await armExceptions(tx, env, id);
    await addStep(tx, env, id, 'complete', actorOf(p), {
      open,
      forced: completion.forced,
      ...(inGrace.length ? { graceEnded: inGrace.length } : {}),
      ...(reason ? { reason } : {}),
    });
  });
  env.renewal.changed(id, 'completed');
}
