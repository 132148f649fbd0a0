/**
 * What is true for one sender now, derived from facts about that sender and its renewal — never from
 * the clock alone. Every surface (web UI, CLI, mails, inbox, webhooks, the status JSON that
 * `truststore remove` reads) speaks from this one function. Pure: `now` is an input.
 *
 * The rule for removing the old root: only a sender that is proven ready (its proof led to the new
 * root, or it was seen working on the new credential after the exchange), only after the *real*
 * exchange instant plus the rollback window, and only once the exchange is verified on every node.
 */
import type { GatePolicy } from './gate.js';
import type { GracePolicy } from './grace.js';
import type { RenewalState } from './states.js';

/** The named states of a sender, in the order the checks try them (see {@link senderStatus}). */
export const SENDER_STATES = [
  'cancelled',
  'rolled-back',
  'not-told',
  'failing',
  'old-root-removed',
  'in-grace',
  'safe-to-remove',
  'proven-ready',
  'no-traffic',
  'not-proven',
  'proof-failed',
  'observed',
  'acknowledged',
  'told',
] as const;
/** One of {@link SENDER_STATES}. */
export type SenderStateName = (typeof SENDER_STATES)[number];

/** How a surface should colour a state: bad is red, action needs someone, good and done are green. */
export type Tone = 'bad' | 'action' | 'waiting' | 'good' | 'done' | 'neutral';

/** Who has the next move. */
export type ActionOwner = 'tenant-admin' | 'sender-admin' | 'lb-admin' | 'nobody';

/** Handshakes seen from a sender's addresses on the virtual server's main listener. */
export interface SenderTraffic {
  /** Since the real exchange instant (all zero before it). */
  successesAfter: number;
  /** Of those, handshakes that were served the new credential. */
  successesOnNewAfter: number;
  failuresAfter: number;
  /** The first and last failed handshake after the exchange. */
  firstFailureAfterAt: Date | null;
  lastFailureAt: Date | null;
  /** The last handshake served the new credential. */
  lastSuccessOnNewAt: Date | null;
  /** The last handshake of any outcome, and which credential it was served (null when it failed). */
  lastHandshakeAt: Date | null;
  lastServed: 'new' | 'old' | 'other' | null;
  /** Before the exchange, for "it was working on the old credential". */
  successesBefore: number;
  failuresBefore: number;
}

/** Facts about one sender in one renewal. */
export interface SenderFacts {
  /** When its tenant admin forwarded the renewal to it (or it was forwarded automatically); null: not told. */
  toldAt: Date | null;
  acknowledgedAt: Date | null;
  /** Its latest readiness proof (`sender verify --report`): did the chain lead to the new root? */
  proof: {
    ok: boolean;
    at: Date;
    /** True when every node had acknowledged staging when it arrived (so the preview served the new credential). */
    afterStaging: boolean;
    reason?: string;
  } | null;
  /** Its report that the old root left its truststore. */
  removal: { at: Date; forced: boolean } | null;
  /** Handshakes attributed to it through its source addresses; null when it has no address to attribute by. */
  traffic: SenderTraffic | null;
  /** The grace the coordinator decided for its addresses and sent to the nodes; null: none. */
  grace: SenderGraceFacts | null;
  /**
   * The latest handshake with the new credential the preview listener saw from one of its addresses
   * (passive proof: evidence of kind `observed`, weaker than a proof — the client may not check).
   */
  observed?: Observed | null;
}

/** A sender's grace as decided and sent (src/renewal/grace.ts computes it; the nodes answered). */
export interface SenderGraceFacts {
  /** Some of its addresses are served the old credential until this instant; null: none. */
  oldUntil: Date | null;
  oldCidrs: string[];
  /** Senders not proven who share or overlap its addresses (for a proven sender: who holds it). */
  heldBy: Array<{ id: string; name: string }>;
  earlyCidrs: string[];
  /** The nodes of its virtual server: how many, how many apply the table, how many answered "not yet". */
  nodes: { total: number; applied: number; notYet: number };
}

/** A handshake with the new credential seen on the preview listener from a sender's address. */
export interface Observed {
  at: Date;
  client: string;
  handshakes: number;
}

/** The kinds of readiness evidence, strongest first: a proof (`sender verify --report`), a handshake seen. */
export const EVIDENCE_KINDS = ['verified', 'observed'] as const;
/** One of {@link EVIDENCE_KINDS}. */
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** The strongest readiness evidence a sender has, and whether its renewal counts it. */
export interface Evidence {
  kind: EvidenceKind;
  at: Date;
  /** What it is, in words. */
  detail: string;
  /** True when it makes the sender proven (a proof always; an observation when the renewal accepts it). */
  counts: boolean;
}

/**
 * True when an observation stands: there is one, and no failed proof came after it (the latest of the
 * two says what the sender's truststore holds now).
 */
export function observationStands(
  observed: { at: Date } | null | undefined,
  proof: { ok: boolean; at: Date } | null | undefined,
): boolean {
  if (!observed) return false;
  return !(proof && !proof.ok && proof.at > observed.at);
}

/** Facts about the renewal the status depends on. */
export interface RenewalClock {
  state: RenewalState;
  /** The planned exchange instant T. */
  exchangeAt: Date;
  /** The real exchange instant (T, or the override / "exchange now" instant); null before it. */
  exchangedAt: Date | null;
  rollbackWindowMs: number;
  /** Every node was observed serving the new credential after the exchange. */
  exchangeVerified: boolean;
  gatePolicy: GatePolicy;
  gateAt: Date;
  /** The gate holds the exchange (blocked, not overridden): why. */
  held: { reason: string; since: Date } | null;
  /** The renewal's grace policy. */
  grace: GracePolicy;
  /**
   * The bridge deadline, when the renewal serves a forward bridge: until then a sender that trusts only
   * the old root keeps working on the new credential, so it is the real deadline of an unproven sender,
   * and handshakes on the new credential prove the new root only from then on. Absent or null: no bridge.
   */
  bridgeUntil?: Date | null;
  /** The renewal counts a handshake seen on the preview listener (evidence `observed`) as readiness. */
  acceptObserved?: boolean;
}

/** The next action, for whom, and by when (null: now, or no deadline). */
export interface NextAction {
  who: ActionOwner;
  action: string;
  by: Date | null;
}

/** May this sender remove the old root now; if not, from when (null: not by time alone). */
export interface RemovalVerdict {
  allowed: boolean;
  from: Date | null;
  reason: string;
}

/** What is true for one sender now. */
export interface SenderStatus {
  state: SenderStateName;
  tone: Tone;
  /** One short line, e.g. "failing since 13:14:49Z". */
  headline: string;
  /** Why, in a sentence built from the facts. */
  reason: string;
  /** The instant the state began, when known. */
  since: Date | null;
  next: NextAction;
  /** Counts towards "n of m senders proven". */
  proven: boolean;
  removal: RemovalVerdict;
  /** Until when some of its addresses are served the old credential (null: none now). */
  oldCredentialServedUntil: Date | null;
  /** The renewal's grace deadline (null: grace off). */
  graceUntil: Date | null;
  /** Its grace in detail: which addresses, held by whom, early ones, how many nodes apply it. */
  grace: {
    oldCidrs: string[];
    heldBy: Array<{ id: string; name: string }>;
    earlyCidrs: string[];
    nodes: { total: number; applied: number; notYet: number } | null;
  };
  /** Its strongest readiness evidence (null: none). */
  evidence: Evidence | null;
}

const iso = (d: Date) => d.toISOString();

/** The instant until which the sender's addresses are (to be) served the old credential, if that is still ahead. */
export function servedOldUntil(s: Pick<SenderFacts, 'grace'>, now: Date): Date | null {
  const u = s.grace?.oldUntil;
  return u && now < u ? u : null;
}

/** "127.0.0.3/32 and 10.0.0.0/24" (at most three, then "and n more"). */
function cidrList(cidrs: readonly string[]): string {
  const shown = cidrs.slice(0, 3).join(', ');
  return cidrs.length > 3 ? `${shown} and ${cidrs.length - 3} more` : shown;
}

/** How many nodes apply a sender's grace, when not all. */
function appliedNote(g: SenderGraceFacts): string {
  const n = g.nodes;
  if (n.total === 0 || n.applied === n.total) return '';
  return ` (applied on ${n.applied} of ${n.total} node(s)${n.notYet ? `; ${n.notYet} answer that their agent does not apply source exceptions yet` : ''})`;
}

/** The instant from which senders may remove the old root: the real exchange instant plus the window. */
export function safeRemovalInstant(
  r: Pick<RenewalClock, 'exchangedAt' | 'exchangeAt' | 'rollbackWindowMs'>,
): Date {
  return new Date((r.exchangedAt ?? r.exchangeAt).getTime() + r.rollbackWindowMs);
}

/** True when the sender has shown it trusts the new root (a proof, or handshakes on the new credential after the exchange). */
export function isProven(
  s: SenderFacts,
  r: Pick<RenewalClock, 'exchangedAt' | 'bridgeUntil' | 'acceptObserved'>,
): boolean {
  if (s.proof?.ok) return true;
  if (r.acceptObserved && observationStands(s.observed, s.proof)) return true;
  if (!r.exchangedAt || (s.traffic?.successesOnNewAfter ?? 0) === 0) return false;
  // Through a bridge an old-root-only sender succeeds too: only a handshake after the bridge proves.
  const last = s.traffic?.lastSuccessOnNewAt;
  return !r.bridgeUntil || (last !== null && last !== undefined && last >= r.bridgeUntil);
}

/** The bridge deadline while it is still ahead, else null. */
function liveBridge(r: RenewalClock, now: Date): Date | null {
  return r.bridgeUntil && now < r.bridgeUntil ? r.bridgeUntil : null;
}

/** For an unproven sender: the bridge keeps it working until the bridge deadline, its real deadline. */
function bridgeText(r: RenewalClock, now: Date): string {
  const until = liveBridge(r, now);
  return until
    ? `; a bridge keeps it working with only the old root until ${iso(until)}, its real deadline`
    : '';
}

/** The sender's strongest evidence: a proof that led to the new root, else an observation that stands. */
export function evidenceOf(s: SenderFacts, r: Pick<RenewalClock, 'acceptObserved'>): Evidence | null {
  if (s.proof?.ok)
    return {
      kind: 'verified',
      at: s.proof.at,
      detail: `its proof at ${iso(s.proof.at)} led to the new root`,
      counts: true,
    };
  if (s.observed && observationStands(s.observed, s.proof))
    return {
      kind: 'observed',
      at: s.observed.at,
      detail: `seen handshaking with the new credential on the preview listener from ${s.observed.client} at ${iso(s.observed.at)} (${s.observed.handshakes} handshake(s))`,
      counts: Boolean(r.acceptObserved),
    };
  return null;
}

/** True when the last handshake after the exchange failed. */
/**
 * The status's `proven`, alone (what the grace table needs of every sender): proven ready, and not
 * failing after the exchange whatever it proved before. Depends on the facts, not on the clock.
 */
export function provenNow(
  s: SenderFacts,
  r: Pick<RenewalClock, 'exchangedAt' | 'bridgeUntil' | 'acceptObserved'>,
): boolean {
  return isProven(s, r) && !failingNow(s.traffic) && !proofFailsAfter(s, r);
}

function failingNow(t: SenderTraffic | null): boolean {
  if (!t || t.failuresAfter === 0 || !t.lastFailureAt) return false;
  return !t.lastSuccessOnNewAt || t.lastFailureAt > t.lastSuccessOnNewAt;
}

/** A proof after the exchange that failed, with no handshake on the new credential since. */
function proofFailsAfter(s: SenderFacts, r: Pick<RenewalClock, 'exchangedAt'>): boolean {
  if (!r.exchangedAt || !s.proof || s.proof.ok || s.proof.at < r.exchangedAt) return false;
  const ok = s.traffic?.lastSuccessOnNewAt;
  return !ok || ok < s.proof.at;
}

function removalVerdict(s: SenderFacts, r: RenewalClock, now: Date, proven: boolean): RemovalVerdict {
  const from = safeRemovalInstant(r);
  if (r.state === 'cancelled' || r.state === 'rolled-back')
    return {
      allowed: false,
      from: null,
      reason: `the renewal is ${r.state}: the load balancer serves the old credential, keep the old root`,
    };
  if (!s.toldAt) return { allowed: false, from: null, reason: 'this sender was never told of this renewal' };
  if (!r.exchangedAt)
    return {
      allowed: false,
      from: null,
      reason: 'the exchange has not happened yet: the load balancer still serves the old credential',
    };
  const oldUntil = servedOldUntil(s, now);
  if (oldUntil) {
    const held = s.grace!.heldBy.length
      ? `, shared with ${s.grace!.heldBy.map((h) => h.name).join(', ')} who ${s.grace!.heldBy.length === 1 ? 'is' : 'are'} not proven`
      : '';
    return {
      allowed: false,
      from: proven ? new Date(Math.max(oldUntil.getTime(), from.getTime())) : null,
      reason: `its address(es) ${cidrList(s.grace!.oldCidrs)} are still served the old credential until ${iso(oldUntil)} (grace${held})${proven ? '' : '; and it is not proven ready'}`,
    };
  }
  if (failingNow(s.traffic) || proofFailsAfter(s, r))
    return { allowed: false, from: null, reason: 'this sender fails its handshakes on the new credential' };
  if (!proven)
    return {
      allowed: false,
      from: null,
      reason:
        'this sender is not proven ready: no proof led to the new root and no handshake on the new credential was seen',
    };
  if (!r.exchangeVerified)
    return { allowed: false, from, reason: 'the exchange is not verified on every node yet' };
  if (now < from)
    return {
      allowed: false,
      from,
      reason: `the rollback window is open until ${iso(from)} (the exchange happened at ${iso(r.exchangedAt)})`,
    };
  return {
    allowed: true,
    from,
    reason: `proven ready, the exchange is verified and the rollback window closed at ${iso(from)}`,
  };
}

/** The deadline before the exchange: the gate's instant under `block` (it counts proofs then), else T. */
function actBy(r: RenewalClock, now: Date): Date | null {
  if (r.held) return null;
  const by = r.gatePolicy === 'block' && r.gateAt < r.exchangeAt ? r.gateAt : r.exchangeAt;
  return by > now ? by : null;
}

function byText(r: RenewalClock, now: Date): string {
  if (r.held) return `now: the exchange is held at the gate (${r.held.reason})`;
  const by = actBy(r, now);
  if (!by) return 'now: T has passed';
  return by.getTime() === r.exchangeAt.getTime()
    ? `by T (${iso(r.exchangeAt)})`
    : `by ${iso(by)}, when the gate counts proofs (T is ${iso(r.exchangeAt)})`;
}

/**
 * Derives a sender's status. Named checks, first match wins: renewal outcome, not told, then after the
 * exchange (failing, removed, proven, no traffic, not proven), then before it (removed early, proven,
 * proof failed, acknowledged, told).
 */
export function senderStatus(s: SenderFacts, r: RenewalClock, now: Date): SenderStatus {
  const proven = provenNow(s, r);
  const removal = removalVerdict(s, r, now, proven);
  const evidence = evidenceOf(s, r);
  const g = s.grace;
  const oldUntil = servedOldUntil(s, now);
  const grace: SenderStatus['grace'] = {
    oldCidrs: oldUntil ? (g?.oldCidrs ?? []) : [],
    heldBy: oldUntil ? (g?.heldBy ?? []) : [],
    earlyCidrs: g?.earlyCidrs ?? [],
    nodes: g?.nodes ?? null,
  };
  const out = (
    x: Omit<
      SenderStatus,
      'proven' | 'removal' | 'grace' | 'oldCredentialServedUntil' | 'graceUntil' | 'evidence'
    >,
  ): SenderStatus => ({
    ...x,
    proven,
    removal,
    oldCredentialServedUntil: oldUntil,
    graceUntil: r.grace.graceUntil,
    grace,
    evidence,
  });
  const t = s.traffic;
  // In grace: served the old credential on at least one node that applies the table.
  const inGrace = oldUntil !== null && g !== null && (g.nodes.total === 0 || g.nodes.applied > 0);
  const heldBy = g?.heldBy.map((h) => h.name).join(', ') ?? '';
  /** Before T: what happens at T if it is not proven by then (grace), or what holds a proven sender. */
  const graceNote =
    !oldUntil || !g
      ? ''
      : proven && g.heldBy.length
        ? `; its address(es) ${cidrList(g.oldCidrs)} are shared with ${heldBy}: they keep the old certificate after T until every sender behind them is proven (at most until ${iso(oldUntil)})`
        : proven
          ? ''
          : `; if it is not proven by T, its address(es) ${cidrList(g.oldCidrs)} keep the old certificate until ${iso(oldUntil)} (grace)${appliedNote(g)}`;

  if (r.state === 'cancelled')
    return out({
      state: 'cancelled',
      tone: 'neutral',
      headline: 'renewal cancelled',
      reason: 'the renewal was cancelled before the exchange: the load balancer keeps the old credential',
      since: null,
      next: {
        who: 'nobody',
        action: 'nothing to do: keep the old root (the new root may stay or go)',
        by: null,
      },
    });
  if (r.state === 'rolled-back')
    return out({
      state: 'rolled-back',
      tone: 'neutral',
      headline: 'rolled back',
      reason: 'the exchange was rolled back: the load balancer serves the old credential again',
      since: null,
      next: { who: 'nobody', action: 'keep the old root; a new renewal will be announced', by: null },
    });
  if (!s.toldAt && !s.acknowledgedAt && !s.proof && !s.removal)
    return out({
      state: 'not-told',
      tone: r.exchangedAt ? 'bad' : 'action',
      headline: 'not told yet',
      reason: r.exchangedAt
        ? `the exchange happened at ${iso(r.exchangedAt)} and this sender was never told`
        : 'its tenant admin has not forwarded the renewal to this sender',
      since: null,
      next: {
        who: 'tenant-admin',
        action: `forward the renewal to this sender ${r.exchangedAt ? 'now' : byText(r, now)}`,
        by: r.exchangedAt ? null : actBy(r, now),
      },
    });

  if (r.exchangedAt) {
    const windowEnd = safeRemovalInstant(r);
    const inWindow = now < windowEnd;
    const bridge = liveBridge(r, now);
    if (proofFailsAfter(s, r) && !failingNow(t))
      return out({
        state: 'failing',
        tone: 'bad',
        headline: `failing since ${iso(s.proof!.at)}`,
        reason: `its proof at ${iso(s.proof!.at)}, after the exchange, failed${s.proof!.reason ? `: ${s.proof!.reason}` : ''}`,
        since: s.proof!.at,
        next: {
          who: 'sender-admin',
          action: `add the new root to its truststore now${inWindow ? `; the lb-admin can still roll back until ${iso(windowEnd)}` : ''}`,
          by: null,
        },
      });
    if (failingNow(t))
      return out({
        state: 'failing',
        tone: 'bad',
        headline: `failing since ${iso(t!.firstFailureAfterAt ?? t!.lastFailureAt!)}`,
        reason: `${t!.failuresAfter} handshake(s) from its addresses failed since the exchange at ${iso(r.exchangedAt)}, the last at ${iso(t!.lastFailureAt!)}${s.removal ? ' (it reported removing the old root)' : ''}`,
        since: t!.firstFailureAfterAt ?? t!.lastFailureAt,
        next: {
          who: 'sender-admin',
          action: `add the new root to its truststore now${inWindow ? `; the lb-admin can still roll back until ${iso(windowEnd)}` : ''}`,
          by: null,
        },
      });
    if (s.removal)
      return out({
        state: 'old-root-removed',
        tone: 'done',
        headline: `old root removed ${iso(s.removal.at)}`,
        reason: `it reported removing the old root at ${iso(s.removal.at)}${s.removal.forced ? ' (forced)' : ''}`,
        since: s.removal.at,
        next: { who: 'nobody', action: 'nothing left to do', by: null },
      });
    if (inGrace) {
      const held = proven && g!.heldBy.length > 0;
      return out({
        state: 'in-grace',
        tone: held ? 'waiting' : 'action',
        headline: held
          ? `proven ready; held on the old certificate by ${heldBy} until ${iso(oldUntil!)}`
          : `in grace: served the old certificate until ${iso(oldUntil!)}`,
        reason: held
          ? `its address(es) ${cidrList(g!.oldCidrs)} are shared with ${heldBy}, not proven: they are served the old credential until every sender behind them is proven, at most until ${iso(oldUntil!)}${appliedNote(g!)}`
          : `it is not proven ready, so its address(es) ${cidrList(g!.oldCidrs)} are served the old credential until ${iso(oldUntil!)}${g!.heldBy.length ? ` (shared with ${heldBy})` : ''}; after that they get the new one and it fails unless it trusts the new root${appliedNote(g!)}`,
        since: r.exchangedAt,
        next: held
          ? {
              who: 'tenant-admin',
              action: `nothing for this sender; ${heldBy} must prove the new root (keep the old root until then)`,
              by: oldUntil,
            }
          : {
              who: 'sender-admin',
              action: `add the new root and prove it before the grace deadline ${iso(oldUntil!)}: sender verify against the preview listener with --report`,
              by: oldUntil,
            },
      });
    }
    if (proven) {
      const how = evidence?.counts
        ? `${evidence.detail}${evidence.kind === 'observed' ? ' (observed; this renewal accepts that)' : ''}`
        : `${t!.successesOnNewAfter} handshake(s) on the new credential since the exchange`;
      if (removal.allowed)
        return out({
          state: 'safe-to-remove',
          tone: 'action',
          headline: `may remove the old root (from ${iso(removal.from!)})`,
          reason: `${how}; ${removal.reason}`,
          since: removal.from,
          next: {
            who: 'sender-admin',
            action:
              'remove the old root from its truststore (truststore remove --renewal-status … --report …)',
            by: null,
          },
        });
      return out({
        state: 'proven-ready',
        tone: 'good',
        headline: removal.from ? `proven ready; old root may go from ${iso(removal.from)}` : 'proven ready',
        reason: `${how}; keep the old root: ${removal.reason}`,
        since: evidence?.counts ? evidence.at : t!.lastSuccessOnNewAt,
        next: {
          who: 'sender-admin',
          action: removal.from
            ? `keep the old root until ${iso(removal.from)}, then remove it`
            : 'keep the old root until the exchange is verified',
          by: null,
        },
      });
    }
    if (!t || t.successesAfter + t.failuresAfter === 0)
      return out({
        state: 'no-traffic',
        tone: 'bad',
        headline: `no traffic seen since ${iso(r.exchangedAt)}`,
        reason: t
          ? `no handshakes were seen from its addresses since the exchange at ${iso(r.exchangedAt)}, and it has not proven the new root: whether it works is unknown`
          : 'it has no source addresses to attribute handshakes by, and it has not proven the new root: whether it works is unknown',
        since: r.exchangedAt,
        next: {
          who: 'sender-admin',
          action: `prove it: run sender verify against the ${bridge ? 'preview listener (it serves no bridge)' : 'virtual server'} with --report${bridgeText(r, now)}`,
          by: bridge ?? (inWindow ? windowEnd : null),
        },
      });
    if (bridge && t.successesOnNewAfter > 0)
      return out({
        state: 'not-proven',
        tone: 'action',
        headline: `working through the bridge until ${iso(bridge)}, not proven`,
        reason: `${t.successesAfter} handshake(s) since the exchange succeeded, but the bridge is served until ${iso(bridge)}, so they do not show that it trusts the new root; it has not proven the new root`,
        since: r.exchangedAt,
        next: {
          who: 'sender-admin',
          action: `add the new root and prove it: run sender verify against the preview listener (it serves no bridge) with --report${bridgeText(r, now)}`,
          by: bridge,
        },
      });
    return out({
      state: 'not-proven',
      tone: 'bad',
      headline: 'working, but not on the new credential',
      reason: `${t.successesAfter} handshake(s) since the exchange succeeded, none on the new credential, and it has not proven the new root`,
      since: r.exchangedAt,
      next: {
        who: 'sender-admin',
        action: `prove it: run sender verify against the virtual server with --report${bridgeText(r, now)}`,
        by: bridge ?? (inWindow ? windowEnd : null),
      },
    });
  }

  // Before the exchange.
  if (s.removal)
    return out({
      state: 'old-root-removed',
      tone: 'bad',
      headline: 'old root removed before the exchange',
      reason: `it reported removing the old root at ${iso(s.removal.at)}, before the exchange: until T it cannot trust what the load balancer serves`,
      since: s.removal.at,
      next: { who: 'sender-admin', action: 'add the old root back until the exchange', by: null },
    });
  if (s.proof?.ok)
    return out({
      state: 'proven-ready',
      tone: 'good',
      headline: 'proven ready',
      reason: `its proof at ${iso(s.proof.at)} led to the new root; keep both roots until the exchange and the rollback window are over${graceNote}${g?.earlyCidrs.length ? `; its address(es) ${cidrList(g.earlyCidrs)} already get the new certificate (early)` : ''}`,
      since: s.proof.at,
      next: {
        who: 'nobody',
        action: `nothing before T; the old root may go from ${iso(safeRemovalInstant(r))} once the exchange is verified`,
        by: null,
      },
    });
  if (evidence?.kind === 'observed' && evidence.counts)
    return out({
      state: 'proven-ready',
      tone: 'good',
      headline: 'observed ready',
      reason: `${evidence.detail}; this renewal accepts an observed handshake as readiness (weaker than a proof: the client may not check certificates). Keep both roots until the exchange and the rollback window are over`,
      since: evidence.at,
      next: {
        who: 'nobody',
        action: `nothing before T (a proof with sender verify --report is stronger); the old root may go from ${iso(safeRemovalInstant(r))} once the exchange is verified`,
        by: null,
      },
    });
  const prove = 'add the new root and prove it: sender verify against the preview listener with --report';
  if (evidence?.kind === 'observed')
    return out({
      state: 'observed',
      tone: 'action',
      headline: 'observed on the preview listener, not proven',
      reason: `${evidence.detail}; this renewal's gate counts only proofs (an observed handshake does not show that the client checks certificates)`,
      since: evidence.at,
      next: {
        who: 'sender-admin',
        action: `prove it: sender verify against the preview listener with --report ${byText(r, now)}`,
        by: actBy(r, now),
      },
    });
  if (s.proof?.afterStaging)
    return out({
      state: 'proof-failed',
      tone: 'bad',
      headline: `its proof failed at ${iso(s.proof.at)}`,
      reason: `its latest proof at ${iso(s.proof.at)} failed${s.proof.reason ? `: ${s.proof.reason}` : ''}${graceNote}`,
      since: s.proof.at,
      next: {
        who: 'sender-admin',
        action: `${prove} ${byText(r, now)}${bridgeText(r, now)}`,
        by: actBy(r, now),
      },
    });
  if (s.acknowledgedAt || s.proof)
    return out({
      state: 'acknowledged',
      tone: 'action',
      headline: 'acknowledged, not proven',
      reason: s.proof
        ? `its proof at ${iso(s.proof.at)} ran before every node served the new credential on the preview listener, so it proves nothing either way`
        : `it acknowledged at ${iso(s.acknowledgedAt!)}; an acknowledgement is not a proof (the gate counts only proofs)${graceNote}`,
      since: s.acknowledgedAt ?? s.proof!.at,
      next: {
        who: 'sender-admin',
        action: `${prove} ${byText(r, now)}${bridgeText(r, now)}`,
        by: actBy(r, now),
      },
    });
  return out({
    state: 'told',
    tone: 'action',
    headline: `told, act ${byText(r, now)}`,
    reason: `it was told at ${iso(s.toldAt!)} and has neither acknowledged nor proven the new root${graceNote}`,
    since: s.toldAt,
    next: {
      who: 'sender-admin',
      action: `${prove} ${byText(r, now)}${bridgeText(r, now)}`,
      by: actBy(r, now),
    },
  });
}

/** Counts over the statuses of a renewal's senders, for "1 of 4 senders proven" and the list line. */
export interface SenderTally {
  total: number;
  told: number;
  proven: number;
  failing: number;
  noTraffic: number;
  removed: number;
  /** Senders whose addresses are served the old credential now (grace). */
  inGrace: number;
  byState: Record<SenderStateName, number>;
}

/** Tallies sender statuses. */
export function tallySenders(
  statuses: Iterable<Pick<SenderStatus, 'state' | 'proven'> & { oldCredentialServedUntil?: unknown }>,
): SenderTally {
  const byState = Object.fromEntries(SENDER_STATES.map((s) => [s, 0])) as Record<SenderStateName, number>;
  let total = 0;
  let proven = 0;
  let inGrace = 0;
  for (const s of statuses) {
    total++;
    byState[s.state]++;
    if (s.proven) proven++;
    if (s.oldCredentialServedUntil) inGrace++;
  }
  return {
    total,
    told: total - byState['not-told'],
    proven,
    failing: byState.failing + byState['proof-failed'],
    noTraffic: byState['no-traffic'],
    removed: byState['old-root-removed'],
    inGrace,
    byState,
  };
}
