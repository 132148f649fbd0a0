/**
 * Completing a renewal tells the truth: what is still open (senders failing, not proven, old root
 * still trusted) is derived from every sender's status; completing with open items needs an explicit
 * confirmation with a reason, and the completion record keeps what was open, so the renewal's line
 * reads "completed with 2 senders failing", not just "completed".
 */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { describeOpen, type OpenItems, openItems } from '../../renewal/renewal-status.js';
import { type SenderStatus, senderStatus, tallySenders } from '../../renewal/sender-status.js';
import { fail } from '../../shared/errors.js';
import type { Row, Store } from '../../store/store.js';
import { forbidden, notFound } from '../env.js';
import { actorOf, addStep, transition } from './model.js';
import type { RenewalEnv } from './ports.js';
import {
  READINESS_FACT_COLUMNS,
  type ReadinessFactsRow,
  renewalClockOf,
  senderFactsOf,
} from './sender-facts.js';

const PAGE = 5000;

/** Every sender's derived status in a renewal (paged, so 100 000 senders stay in bounds). */
export async function allSenderStatuses(
  store: Store,
  r: Row<'renewals'>,
  now: Date,
): Promise<SenderStatus[]> {
  const forwarded = new Map(
    (
      await store.db
        .selectFrom('forwardings')
        .select(['tenant_id', 'updated_at'])
        .where('renewal_id', '=', r.id)
        .where('state', '=', 'forwarded')
        .execute()
    ).map((x) => [x.tenant_id, x.updated_at]),
  );
  const clock = renewalClockOf(r);
  const out: SenderStatus[] = [];
  let after = '';
  for (;;) {
    const rows = await store.db
      .selectFrom('readiness')
      .innerJoin('senders', 'senders.id', 'readiness.sender_id')
      .select([...READINESS_FACT_COLUMNS, 'readiness.sender_id', 'senders.tenant_id'])
      .where('readiness.renewal_id', '=', r.id)
      .where('readiness.sender_id', '>', after)
      .orderBy('readiness.sender_id')
      .limit(PAGE)
      .execute();
    for (const row of rows)
      out.push(
        senderStatus(
          senderFactsOf(row as ReadinessFactsRow, forwarded.get(row.tenant_id) ?? null),
          clock,
          now,
        ),
      );
    if (rows.length < PAGE) return out;
    after = rows.at(-1)!.sender_id;
  }
}

/** What is open in a renewal now. */
export async function openItemsOf(store: Store, r: Row<'renewals'>, now: Date): Promise<OpenItems> {
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
    const r = (await tx.get('renewals', id)) ?? notFound('renewal', id);
    if (r.state === 'completed') return;
    if (r.state !== 'retiring')
      fail('WRONG_STATE', `a renewal that is ${r.state} cannot be completed (it must be retiring)`, {
        state: r.state,
      });
    const open = await openItemsOf(tx, r, now);
    const what = describeOpen(open);
    const reason = confirm.reason?.trim() || null;
    if (what && !(confirm.force && reason))
      fail(
        'OPEN_ITEMS',
        `still open: ${what}. Complete anyway only with a confirmation and a reason (force: true, reason)`,
        { open },
      );
    const completion = { at: now.toISOString(), by: p.name, forced: Boolean(what), reason, open };
    await transition(tx, env, r, 'complete', { completion: JSON.stringify(completion) });
    await addStep(tx, env, id, 'complete', actorOf(p), {
      open,
      forced: completion.forced,
      ...(reason ? { reason } : {}),
    });
  });
  env.renewal.changed(id, 'completed');
}
