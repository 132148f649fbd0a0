/**
 * Gathering the facts the per-sender status is derived from (the senders' facts port → pure inputs),
 * and turning the derived status into its JSON. Views, mails, the status JSON and the CLI all go
 * through here to src/renewal/sender-status.ts.
 */
import { REMIND_INTERVAL_MS, remindVerdict } from '../../renewal/remind.js';
import { type RenewalFactsForStatus, renewalStatus } from '../../renewal/renewal-status.js';
import {
  observationStands,
  provenNow,
  type RenewalClock,
  type SenderFacts,
  type SenderStatus,
  type SenderTally,
  type SenderTraffic,
  senderStatus,
  tallySenders,
} from '../../renewal/sender-status.js';
import type { RenewalNodes } from '../ports/renewal-nodes.js';
import type { Renewal } from '../ports/renewals.js';
import {
  NO_TRAFFIC,
  type SenderFactsRepo,
  type SenderRecord,
  type StoredProof,
  type StoredRemoval,
  type StoredTraffic,
} from '../ports/sender-facts.js';
import { renewalStatusJson, type SenderStatusJson, senderStatusJson } from './status-json.js';

export type { StoredProof, StoredRemoval, StoredTraffic } from '../ports/sender-facts.js';
export { renewalStatusJson, type SenderStatusJson, senderStatusJson } from './status-json.js';

const date = (s: string | null | undefined) => (s ? new Date(s) : null);

function trafficOf(t: StoredTraffic): SenderTraffic {
  return {
    successesAfter: t.successesAfter,
    successesOnNewAfter: t.successesOnNewAfter,
    failuresAfter: t.failuresAfter,
    firstFailureAfterAt: date(t.firstFailureAfterAt),
    lastFailureAt: date(t.lastFailureAt),
    lastSuccessOnNewAt: date(t.lastSuccessOnNewAt),
    lastHandshakeAt: date(t.lastHandshakeAt),
    lastServed: t.lastServed,
    successesBefore: t.successesBefore,
    failuresBefore: t.failuresBefore,
  };
}

/** A sender's attributed traffic, or null when it has no addresses to attribute by. */
export function storedTraffic(s: Pick<SenderRecord, 'sourceAddresses' | 'traffic'>): StoredTraffic | null {
  if (!s.sourceAddresses.length) return null;
  return s.traffic ?? NO_TRAFFIC;
}

/**
 * A sender's facts. Senders recorded before these facts were kept fall back on the readiness state
 * (verified → a proof, old-root-removed → a removal report, at its update instant).
 */
export function senderFactsOf(s: SenderRecord, forwardedAt: string | null): SenderFacts {
  const st = s.state;
  const told = st !== 'pending';
  const proof: StoredProof | null =
    s.proof ??
    (st === 'verified'
      ? { ok: true, at: s.updatedAt, afterStaging: true }
      : st === 'failing'
        ? { ok: false, at: s.updatedAt, afterStaging: true, ...(s.reason ? { reason: s.reason } : {}) }
        : null);
  const removal: StoredRemoval | null =
    s.removal ?? (st === 'old-root-removed' ? { at: s.updatedAt, forced: false } : null);
  const traffic = storedTraffic(s);
  const g = s.grace;
  const observed = s.observed;
  return {
    grace: g
      ? {
          oldUntil: date(g.oldUntil),
          oldCidrs: g.oldCidrs,
          heldBy: g.heldBy,
          earlyCidrs: g.earlyCidrs,
          nodes: g.nodes,
        }
      : null,
    toldAt: told ? new Date(forwardedAt ?? s.updatedAt) : null,
    acknowledgedAt: date(s.acknowledgedAt) ?? (st === 'acknowledged' ? new Date(s.updatedAt) : null),
    proof: proof
      ? {
          ok: proof.ok,
          at: new Date(proof.at),
          afterStaging: proof.afterStaging,
          ...(proof.reason ? { reason: proof.reason } : {}),
        }
      : null,
    removal: removal ? { at: new Date(removal.at), forced: removal.forced } : null,
    traffic: traffic ? trafficOf(traffic) : null,
    observed: observed
      ? { at: new Date(observed.at), client: observed.client, handshakes: observed.handshakes }
      : null,
  };
}

/** True when the sender's observation stands (there is one and no later failed proof), for the gate. */
export function senderObservationStands(s: SenderRecord): boolean {
  const f = senderFactsOf(s, null);
  return observationStands(f.observed, f.proof);
}

/** The renewal's nodes for its current T: how many, staged, verified. */
export async function nodeCounts(store: { renewalNodes: RenewalNodes }, r: Renewal) {
  const rows = await store.renewalNodes.list(r.id);
  const current = rows.filter((x) => x.sequence === r.sequence);
  const use = current.length ? current : rows;
  return {
    nodes: use.length,
    nodesStaged: use.filter((x) => x.stagedAckAt).length,
    nodesVerified: use.filter((x) => x.verifiedAt).length,
  };
}

/** The renewal's clock: planned T, the real exchange instant, window, verification, gate and hold. */
export function renewalClockOf(r: Renewal): RenewalClock {
  const state = r.state;
  const gate = r.gate;
  const before = ['planned', 'announced', 'staged', 'postponed'].includes(state);
  const exchangedAt = r.exchangedAt
    ? new Date(r.exchangedAt)
    : before || state === 'cancelled'
      ? null
      : new Date(r.exchangeAt!);
  return {
    state,
    exchangeAt: new Date(r.exchangeAt!),
    exchangedAt,
    rollbackWindowMs: r.rollbackWindowSeconds * 1000,
    exchangeVerified: ['verified', 'retiring', 'completed'].includes(state),
    gatePolicy: r.gatePolicy,
    gateAt: new Date(r.gateAt ?? r.exchangeAt!),
    held:
      before && gate?.decision === 'blocked' && !r.gateOverride
        ? { reason: gate.reason, since: new Date(r.gateAt ?? r.exchangeAt!) }
        : null,
    grace: r.grace,
    bridgeUntil: r.bridge ? new Date(r.bridge.until) : null,
    acceptObserved: r.acceptObserved ?? false,
  };
}

/** The renewal's facts for its status. */
export async function renewalFactsOf(
  store: { renewalNodes: RenewalNodes },
  r: Renewal,
): Promise<RenewalFactsForStatus> {
  const c = r.completion;
  const ov = r.gateOverride;
  return {
    ...renewalClockOf(r),
    postponeDeadline: new Date(r.postponeDeadline ?? r.exchangeAt!),
    ...(await nodeCounts(store, r)),
    completion: c ? { ...c, at: new Date(c.at) } : null,
    override: ov ? { by: ov.by, reason: ov.reason } : null,
  };
}

/** The derived status of one sender, as JSON. */
export function statusOf(
  s: SenderRecord,
  forwardedAt: string | null,
  clock: RenewalClock,
  now: Date,
): SenderStatusJson {
  return senderStatusJson(senderStatus(senderFactsOf(s, forwardedAt), clock, now), storedTraffic(s));
}

/** The renewal's status over the given sender statuses, with their tally. */
export async function renewalStatusOf(
  store: { renewalNodes: RenewalNodes },
  r: Renewal,
  statuses: Array<Pick<SenderStatusJson, 'state' | 'proven' | 'oldCredentialServedUntil'>>,
  now: Date,
  partial: boolean,
): Promise<{ status: ReturnType<typeof renewalStatusJson>; tally: SenderTally & { partial: boolean } }> {
  const tally = tallySenders(statuses);
  return {
    status: renewalStatusJson(renewalStatus(await renewalFactsOf(store, r), tally, now)),
    tally: { ...tally, partial },
  };
}

/** One sender's derived status in a renewal, or undefined when the sender is not part of it. */
export async function senderStatusIn(
  env: { store: { senderFacts: SenderFactsRepo }; clock: { now(): number } },
  r: Renewal,
  senderId: string,
) {
  const s = await env.store.senderFacts.get(r.id, senderId);
  if (!s) return undefined;
  const fwd = await env.store.senderFacts.forwardedAt(r.id, [s.tenantId]);
  return {
    id: s.senderId,
    name: s.name,
    status: statusOf(s, fwd.get(s.tenantId) ?? null, renewalClockOf(r), new Date(env.clock.now())),
  };
}

/**
 * For each sender: may it be reminded now (by a person or the schedule)? Derived from its status
 * and the renewal's recent `remind` steps.
 */
export async function remindVerdicts(
  tx: { senderFacts: SenderFactsRepo },
  r: Renewal,
  senders: readonly SenderRecord[],
  now: Date,
) {
  const forwarded = await tx.senderFacts.forwardedAt(r.id, [...new Set(senders.map((s) => s.tenantId))]);
  const since = new Date(now.getTime() - REMIND_INTERVAL_MS).toISOString();
  const last = await tx.senderFacts.remindedSince(r.id, since);
  const clock = renewalClockOf(r);
  return senders.map((sender) => {
    const status = statusOf(sender, forwarded.get(sender.tenantId) ?? null, clock, now);
    const at = last.get(sender.senderId);
    return { sender, status, verdict: remindVerdict(status, at ? new Date(at) : null, now) };
  });
}

const PAGE = 5000;

/** Every sender's derived status in a renewal (paged, so 100 000 senders stay in bounds). */
export async function allSenderStatuses(
  store: { senderFacts: SenderFactsRepo },
  r: Renewal,
  now: Date,
): Promise<SenderStatus[]> {
  return [...(await senderStatusesById(store, r, now)).values()];
}

/**
 * Whether each sender of a renewal is proven now (`provenNow`, the status's `proven` without the rest
 * of the status), by sender id: what the grace table is computed from, read in pages.
 */
export async function senderProvenById(
  store: { senderFacts: SenderFactsRepo },
  r: Renewal,
): Promise<Map<string, boolean>> {
  const clock = renewalClockOf(r);
  const out = new Map<string, boolean>();
  let after = '';
  for (;;) {
    const page = await store.senderFacts.page(r.id, after, PAGE);
    for (const s of page) out.set(s.senderId, provenNow(senderFactsOf(s, null), clock));
    if (page.length < PAGE) return out;
    after = page.at(-1)!.senderId;
  }
}

/** Every sender's derived status in a renewal, by sender id. */
export async function senderStatusesById(
  store: { senderFacts: SenderFactsRepo },
  r: Renewal,
  now: Date,
): Promise<Map<string, SenderStatus>> {
  const forwarded = await store.senderFacts.forwardedAt(r.id);
  const clock = renewalClockOf(r);
  const out = new Map<string, SenderStatus>();
  let after = '';
  for (;;) {
    const page = await store.senderFacts.page(r.id, after, PAGE);
    for (const s of page)
      out.set(s.senderId, senderStatus(senderFactsOf(s, forwarded.get(s.tenantId) ?? null), clock, now));
    if (page.length < PAGE) return out;
    after = page.at(-1)!.senderId;
  }
}
