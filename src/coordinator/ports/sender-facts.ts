/**
 * The facts a sender's derived status is read from (src/renewal/sender-status.ts), per renewal, as
 * domain values: its readiness, the proof, removal report, traffic, grace and observation it holds
 * (JSON columns parsed once, in the store), when its tenant forwarded the renewal, and when it was last
 * reminded. Also what the evidence route and the traffic attribution write back.
 */
import type { ReadinessState } from '../../renewal/readiness.js';
import type { Observation } from './client-observations.js';
import type { StoredSenderGrace } from './grace.js';

/** A sender's proof as recorded: whether it led to the new root, when, and whether after staging. */
export interface StoredProof {
  ok: boolean;
  at: string;
  afterStaging: boolean;
  reason?: string;
}

/** A sender's removal report as recorded. */
export interface StoredRemoval {
  at: string;
  forced: boolean;
}

/** Handshakes attributed to a sender (instants as ISO strings). */
export interface StoredTraffic {
  successesAfter: number;
  successesOnNewAfter: number;
  failuresAfter: number;
  firstFailureAfterAt: string | null;
  lastFailureAt: string | null;
  lastSuccessOnNewAt: string | null;
  lastHandshakeAt: string | null;
  lastServed: 'new' | 'old' | 'other' | null;
  lastServedSha256: string | null;
  successesBefore: number;
  failuresBefore: number;
}

/** No handshakes seen (also what a field missing from an older traffic record reads as). */
export const NO_TRAFFIC: StoredTraffic = {
  successesAfter: 0,
  successesOnNewAfter: 0,
  failuresAfter: 0,
  firstFailureAfterAt: null,
  lastFailureAt: null,
  lastSuccessOnNewAt: null,
  lastHandshakeAt: null,
  lastServed: null,
  lastServedSha256: null,
  successesBefore: 0,
  failuresBefore: 0,
};

/** One sender of a renewal with the facts its status is derived from. */
export interface SenderRecord {
  readinessId: string;
  senderId: string;
  name: string;
  tenantId: string;
  state: ReadinessState;
  updatedAt: string;
  reason: string | null;
  failuresAfterT: number;
  acknowledgedAt: string | null;
  proof: StoredProof | null;
  removal: StoredRemoval | null;
  /** As last attributed, fields missing from older records filled with none (null: never attributed). */
  traffic: StoredTraffic | null;
  /** The grace decided for the sender (null: none). */
  grace: StoredSenderGrace | null;
  observed: Observation | null;
  sourceAddresses: string[];
}

/** A sender's traffic as attribution reads and writes it. */
export interface SenderTrafficRecord {
  readinessId: string;
  sourceAddresses: string[];
  traffic: StoredTraffic | null;
}

/** Which senders of a renewal: of some tenants, the given ones, or (neither given) all. */
export interface SenderSelection {
  tenantIds?: readonly string[] | undefined;
  senderIds?: readonly string[] | undefined;
}

/** Reading senders' facts, and recording what a sender reports or was seen doing. */
export interface SenderFactsRepo {
  /** The selected senders' facts, by sender id (an empty tenant list selects none). */
  list(renewalId: string, by?: SenderSelection): Promise<SenderRecord[]>;
  /** At most `limit` senders' facts with sender ids after `after`, by sender id (paging all of them). */
  page(renewalId: string, after: string, limit: number): Promise<SenderRecord[]>;
  /** One sender's facts, or undefined when it is not part of the renewal. */
  get(renewalId: string, senderId: string): Promise<SenderRecord | undefined>;
  /** A sender of the renewal named by id or by name (the first by id when several match), or undefined. */
  find(renewalId: string, ref: string): Promise<SenderRecord | undefined>;
  /** When each tenant forwarded the renewal, by tenant id (those that have not are absent): of these, or all. */
  forwardedAt(renewalId: string, tenantIds?: readonly string[]): Promise<Map<string, string>>;
  /** When each sender was last reminded (its latest `remind` step) at or after `since`, by sender id. */
  remindedSince(renewalId: string, since: string): Promise<Map<string, string>>;
  /** Every sender's addresses and attributed traffic. */
  traffic(renewalId: string): Promise<SenderTrafficRecord[]>;
  /** Records a sender's attributed traffic. */
  setTraffic(readinessId: string, traffic: StoredTraffic): Promise<void>;
  /** Records an acknowledgement: the new state, and when. */
  acknowledge(readinessId: string, state: ReadinessState, at: string): Promise<void>;
  /** Records reported evidence (kept as sent) with the new state, and its proof or removal report. */
  report(
    readinessId: string,
    r: {
      state: ReadinessState;
      evidence: unknown;
      reason: string | null;
      at: string;
      proof?: StoredProof;
      removal?: StoredRemoval;
    },
  ): Promise<void>;
}
