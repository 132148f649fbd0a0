/**
 * The derived per-sender and per-renewal status as JSON (instants as ISO 8601 UTC text, null for
 * none): the shape the coordinator hands every surface. Declared here; the API's schema
 * (src/api/contract/sender-status.ts) is checked against it.
 */
import type { RenewalStatusView } from '../../renewal/renewal-status.js';
import type { SenderStatus } from '../../renewal/sender-status.js';
import { NO_TRAFFIC, type StoredTraffic } from '../ports/sender-facts.js';

/** What is true for one sender now (JSON). */
export interface SenderStatusJson {
  state: SenderStatus['state'];
  tone: SenderStatus['tone'];
  headline: string;
  reason: string;
  since: string | null;
  next: { who: SenderStatus['next']['who']; action: string; by: string | null };
  proven: boolean;
  removal: { allowed: boolean; from: string | null; reason: string };
  evidence: {
    kind: NonNullable<SenderStatus['evidence']>['kind'];
    at: string;
    detail: string;
    counts: boolean;
  } | null;
  traffic: {
    /** False when the sender has no source addresses: nothing can be attributed to it. */
    addressesKnown: boolean;
    successesAfterExchange: number;
    successesOnNewAfterExchange: number;
    failuresAfterExchange: number;
    lastHandshakeAt: string | null;
    lastServed: 'new' | 'old' | 'other' | null;
    lastServedSha256: string | null;
    lastFailureAt: string | null;
  };
  oldCredentialServedUntil: string | null;
  graceUntil: string | null;
  grace: SenderStatus['grace'];
}

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** A derived sender status as JSON, with its traffic (null: the sender has no addresses). */
export function senderStatusJson(s: SenderStatus, traffic: StoredTraffic | null): SenderStatusJson {
  const t = traffic ?? NO_TRAFFIC;
  return {
    state: s.state,
    tone: s.tone,
    headline: s.headline,
    reason: s.reason,
    since: isoOrNull(s.since),
    next: { who: s.next.who, action: s.next.action, by: isoOrNull(s.next.by) },
    proven: s.proven,
    removal: { allowed: s.removal.allowed, from: isoOrNull(s.removal.from), reason: s.removal.reason },
    oldCredentialServedUntil: isoOrNull(s.oldCredentialServedUntil),
    graceUntil: isoOrNull(s.graceUntil),
    grace: s.grace,
    evidence: s.evidence
      ? {
          kind: s.evidence.kind,
          at: s.evidence.at.toISOString(),
          detail: s.evidence.detail,
          counts: s.evidence.counts,
        }
      : null,
    traffic: {
      addressesKnown: traffic !== null,
      successesAfterExchange: t.successesAfter,
      successesOnNewAfterExchange: t.successesOnNewAfter,
      failuresAfterExchange: t.failuresAfter,
      lastHandshakeAt: t.lastHandshakeAt,
      lastServed: t.lastServed,
      lastServedSha256: t.lastServedSha256,
      lastFailureAt: t.lastFailureAt,
    },
  };
}

/** A renewal status view as JSON. */
export function renewalStatusJson(v: RenewalStatusView) {
  return {
    ...v,
    grace: { ...v.grace, graceUntil: isoOrNull(v.grace.graceUntil) },
    held: v.held ? { ...v.held, since: v.held.since.toISOString() } : null,
    exchangeAt: v.exchangeAt.toISOString(),
    exchangedAt: isoOrNull(v.exchangedAt),
    safeRemovalAt: v.safeRemovalAt.toISOString(),
    rollbackUntil: isoOrNull(v.rollbackUntil),
  };
}
