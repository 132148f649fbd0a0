/**
 * Step 4: a sender's acknowledgement and evidence. Either comes from a sender admin (or the tenant
 * admin) of that sender, or through the sender's personal link; evidence for any other sender is
 * refused and changes nothing. Step 6's removal records arrive on the same route.
 */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import type { SenderEvidence } from '../../api/contract/evidence.js';
import { nextReadiness, type ReadinessState } from '../../renewal/readiness.js';
import { fail } from '../../shared/errors.js';
import type { Row } from '../../store/store.js';
import { forbidden, notFound } from '../env.js';
import type { SenderLink } from '../ports/sender-links.js';
import { bumpCounts, moved } from './counts.js';
import { armExceptions } from './jobs/exceptions.js';
import { type Actor, actorOf, addStep } from './model.js';
import type { RenewalEnv } from './ports.js';

/** Who speaks for a sender: a person, or the holder of the sender's personal link. */
export type SenderCaller = { principal: Principal } | { link: SenderLink };

async function senderRow(env: RenewalEnv, caller: SenderCaller, renewalId: string, senderRef: string) {
  const r = (await env.store.get('renewals', renewalId)) ?? notFound('renewal', renewalId);
  const sender = await env.store.db
    .selectFrom('senders')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', senderRef), eb('name', '=', senderRef)]))
    .execute();
  const rdy = await env.store.db
    .selectFrom('readiness')
    .selectAll()
    .where('renewal_id', '=', r.id)
    .where('sender_id', 'in', sender.length ? sender.map((s) => s.id) : [''])
    .execute();
  const s = sender.find((x) => rdy.some((y) => y.sender_id === x.id));
  let actor: Actor;
  if ('link' in caller) {
    // A link speaks for its own sender and renewal only.
    if (caller.link.renewalId !== r.id || !s || caller.link.senderId !== s.id)
      fail('FORBIDDEN', 'this personal link is for another sender or renewal');
    actor = { name: `link:${s.name}`, role: 'sender-link', organisation: s.id };
  } else {
    const scope = s && { kind: 'sender' as const, tenantId: s.tenant_id, senderId: s.id };
    // Hidden is missing; a sender the caller sees but may not act for (auditor, integration
    // developer) is refused as such.
    if (!scope || !can(caller.principal, 'read', scope)) notFound('sender', senderRef);
    if (!can(caller.principal, 'update', scope)) forbidden('acknowledge or report for this sender');
    actor = actorOf(caller.principal);
  }
  return { r, s: s!, rdy: rdy.find((y) => y.sender_id === s!.id)!, actor };
}

/**
 * A proof as a fact: whether it led to the new root, when, and whether every node had acknowledged
 * staging by then (before that the preview listener did not serve the new credential everywhere, so
 * a failure proves nothing).
 */
async function proofFact(
  env: RenewalEnv,
  r: Row<'renewals'>,
  ok: boolean,
  at: string,
  reason: string | null,
) {
  const before = ['announced', 'staged', 'postponed'].includes(r.state);
  const pending = before
    ? await env.store.db
        .selectFrom('renewal_nodes')
        .select('node_id')
        .where('renewal_id', '=', r.id)
        .where('sequence', '=', Number(r.sequence))
        .where((eb) => eb.or([eb('staged_ack_at', 'is', null), eb('staged_ack_at', '>', at)]))
        .execute()
    : [];
  return { ok, at, afterStaging: pending.length === 0, ...(reason ? { reason } : {}) };
}

/** Records an acknowledgement (idempotent: a second one changes nothing). */
export async function acknowledge(
  env: RenewalEnv,
  caller: SenderCaller,
  renewalId: string,
  senderRef: string,
) {
  const { r, s, rdy, actor } = await senderRow(env, caller, renewalId, senderRef);
  if (!['announced', 'staged', 'postponed'].includes(r.state))
    fail('WRONG_STATE', `a renewal that is ${r.state} takes no acknowledgement`, { state: r.state });
  const next = nextReadiness(rdy.state as ReadinessState, { kind: 'acknowledged' });
  if (next === rdy.state && rdy.acknowledged_at) return { senderId: s.id, state: next, changed: false };
  await env.store.transaction(async (tx) => {
    const at = new Date(env.clock.now()).toISOString();
    await bumpCounts(tx, r.id, moved(rdy.state, next));
    await tx.update('readiness', rdy.id, {
      state: next,
      updated_at: at,
      acknowledged_at: at,
    });
    await addStep(tx, env, r.id, 'ack', actor, { sender: s.id });
  });
  env.renewal.changed(r.id, r.state);
  return { senderId: s.id, state: next, changed: true };
}

/** Records readiness evidence or a root-removal record. */
export async function recordEvidence(
  env: RenewalEnv,
  caller: SenderCaller,
  renewalId: string,
  ev: SenderEvidence,
) {
  const { r, s, rdy, actor } = await senderRow(env, caller, renewalId, ev.sender);
  const now = new Date(env.clock.now()).toISOString();
  let next: ReadinessState;
  let reason: string | null = null;
  if (ev.kind === 'readiness') {
    // After the exchange too (until the renewal ends): a proof against the virtual server then is
    // what lets a sender that was not proven before remove the old root.
    if (
      !['announced', 'staged', 'postponed', 'exchanged', 'verified', 'retiring', 'completed'].includes(
        r.state,
      )
    )
      fail('WRONG_STATE', `a renewal that is ${r.state} takes no readiness evidence`, { state: r.state });
    // Proof means: the chain the sender's truststore accepted leads to the renewal's new root.
    const ok = ev.result === 'trusted' && ev.anchorSha256 === r.new_root_fingerprint;
    if (!ok) {
      reason =
        ev.result === 'trusted'
          ? `the handshake was trusted through ${ev.anchorSha256 ?? 'an unknown anchor'}, not the new root: verify against the preview listener`
          : `${ev.code ?? 'FAILED'}: ${ev.reason ?? 'the handshake failed'}`;
    }
    next = nextReadiness(rdy.state as ReadinessState, { kind: 'evidence', ok });
  } else {
    if (!ev.removed.some((x) => x.sha256 === r.old_root_fingerprint))
      fail('BAD_ARGUMENT', "the removal record does not name this renewal's old root");
    next = nextReadiness(rdy.state as ReadinessState, { kind: 'removed' });
  }
  const facts =
    ev.kind === 'readiness'
      ? { proof: JSON.stringify(await proofFact(env, r, next === 'verified', now, reason)) }
      : { removal: JSON.stringify({ at: now, forced: ev.forced }) };
  await env.store.transaction(async (tx) => {
    await bumpCounts(tx, r.id, moved(rdy.state, next));
    await tx.update('readiness', rdy.id, {
      state: next,
      evidence: JSON.stringify(ev),
      reason,
      updated_at: now,
      ...facts,
    });
    // A sender proven (or no longer) changes the desired source exceptions: send them within seconds.
    if (ev.kind === 'readiness') await armExceptions(tx, env, r.id);
    await addStep(tx, env, r.id, ev.kind === 'readiness' ? 'evidence' : 'removal', actor, {
      sender: s.id,
      state: next,
      ...(reason ? { reason } : {}),
      ...(ev.kind === 'readiness'
        ? { anchor: ev.anchorSha256, served: ev.servedSha256 }
        : { forced: ev.forced }),
    });
  });
  env.renewal.changed(r.id, r.state);
  return { senderId: s.id, state: next, ...(reason ? { reason } : {}) };
}
