/**
 * Step 4: a sender's acknowledgement and evidence. Either comes from a sender admin (or the tenant
 * admin) of that sender, or through the sender's personal link; evidence for any other sender is
 * refused and changes nothing. Step 6's removal records arrive on the same route.
 */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { nextReadiness, type ReadinessState } from '../../renewal/readiness.js';
import { fail } from '../../shared/errors.js';
import { forbidden, notFound } from '../env.js';
import type { Renewal } from '../ports/renewals.js';
import type { StoredProof } from '../ports/sender-facts.js';
import type { SenderLink } from '../ports/sender-links.js';
import { bumpCounts, moved } from './counts.js';
import { armExceptions } from './jobs/exceptions.js';
import { type Actor, actorOf, addStep } from './model.js';
import type { RenewalEnv } from './ports.js';

/**
 * What a sender reports (the API's evidence contract, src/api/contract/evidence.ts, conforms): step
 * 4's readiness evidence or step 6's root removal. Kept as sent; these are the fields read here.
 */
export type SenderEvidence =
  | {
      kind: 'readiness';
      /** The sender, by id or name. */
      sender: string;
      result: 'trusted' | 'failed';
      /** The anchor that validated the chain (absent on failure). */
      anchorSha256?: string | undefined;
      servedSha256?: string | undefined;
      code?: string | undefined;
      reason?: string | undefined;
    }
  | {
      kind: 'root-removal';
      sender: string;
      removed: ReadonlyArray<{ sha256: string }>;
      forced: boolean;
    };

/** Who speaks for a sender: a person, or the holder of the sender's personal link. */
export type SenderCaller = { principal: Principal } | { link: SenderLink };

async function senderRow(env: RenewalEnv, caller: SenderCaller, renewalId: string, senderRef: string) {
  const r = (await env.store.renewals.get(renewalId)) ?? notFound('renewal', renewalId);
  const s = await env.store.senderFacts.find(r.id, senderRef);
  let actor: Actor;
  if ('link' in caller) {
    // A link speaks for its own sender and renewal only.
    if (caller.link.renewalId !== r.id || !s || caller.link.senderId !== s.senderId)
      fail('FORBIDDEN', 'this personal link is for another sender or renewal');
    actor = { name: `link:${s.name}`, role: 'sender-link', organisation: s.senderId };
  } else {
    const scope = s && { kind: 'sender' as const, tenantId: s.tenantId, senderId: s.senderId };
    // Hidden is missing; a sender the caller sees but may not act for (auditor, integration
    // developer) is refused as such.
    if (!scope || !can(caller.principal, 'read', scope)) notFound('sender', senderRef);
    if (!can(caller.principal, 'update', scope)) forbidden('acknowledge or report for this sender');
    actor = actorOf(caller.principal);
  }
  return { r, s: s!, actor };
}

/**
 * A proof as a fact: whether it led to the new root, when, and whether every node had acknowledged
 * staging by then (before that the preview listener did not serve the new credential everywhere, so
 * a failure proves nothing).
 */
async function proofFact(
  env: RenewalEnv,
  r: Renewal,
  ok: boolean,
  at: string,
  reason: string | null,
): Promise<StoredProof> {
  const before = ['announced', 'staged', 'postponed'].includes(r.state);
  const pending = before
    ? (await env.store.renewalNodes.list(r.id, r.sequence)).filter(
        (n) => !n.stagedAckAt || n.stagedAckAt > at,
      )
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
  const { r, s, actor } = await senderRow(env, caller, renewalId, senderRef);
  if (!['announced', 'staged', 'postponed'].includes(r.state))
    fail('WRONG_STATE', `a renewal that is ${r.state} takes no acknowledgement`, { state: r.state });
  const next = nextReadiness(s.state, { kind: 'acknowledged' });
  if (next === s.state && s.acknowledgedAt) return { senderId: s.senderId, state: next, changed: false };
  await env.store.transaction(async (tx) => {
    const at = new Date(env.clock.now()).toISOString();
    await bumpCounts(tx, r.id, moved(s.state, next));
    await tx.senderFacts.acknowledge(s.readinessId, next, at);
    await addStep(tx, env, r.id, 'ack', actor, { sender: s.senderId });
  });
  env.renewal.changed(r.id, r.state);
  return { senderId: s.senderId, state: next, changed: true };
}

/** Records readiness evidence or a root-removal record. */
export async function recordEvidence(
  env: RenewalEnv,
  caller: SenderCaller,
  renewalId: string,
  ev: SenderEvidence,
) {
  const { r, s, actor } = await senderRow(env, caller, renewalId, ev.sender);
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
    const ok = ev.result === 'trusted' && ev.anchorSha256 === r.newRootSha256;
    if (!ok) {
      reason =
        ev.result === 'trusted'
          ? `the handshake was trusted through ${ev.anchorSha256 ?? 'an unknown anchor'}, not the new root: verify against the preview listener`
          : `${ev.code ?? 'FAILED'}: ${ev.reason ?? 'the handshake failed'}`;
    }
    next = nextReadiness(s.state, { kind: 'evidence', ok });
  } else {
    if (!ev.removed.some((x) => x.sha256 === r.oldRootSha256))
      fail('BAD_ARGUMENT', "the removal record does not name this renewal's old root");
    next = nextReadiness(s.state, { kind: 'removed' });
  }
  const facts =
    ev.kind === 'readiness'
      ? { proof: await proofFact(env, r, next === 'verified', now, reason) }
      : { removal: { at: now, forced: ev.forced } };
  await env.store.transaction(async (tx) => {
    await bumpCounts(tx, r.id, moved(s.state, next));
    await tx.senderFacts.report(s.readinessId, { state: next, evidence: ev, reason, at: now, ...facts });
    // A sender proven (or no longer) changes the desired source exceptions: send them within seconds.
    if (ev.kind === 'readiness') await armExceptions(tx, env, r.id);
    await addStep(tx, env, r.id, ev.kind === 'readiness' ? 'evidence' : 'removal', actor, {
      sender: s.senderId,
      state: next,
      ...(reason ? { reason } : {}),
      ...(ev.kind === 'readiness'
        ? { anchor: ev.anchorSha256, served: ev.servedSha256 }
        : { forced: ev.forced }),
    });
  });
  env.renewal.changed(r.id, r.state);
  return { senderId: s.senderId, state: next, ...(reason ? { reason } : {}) };
}
