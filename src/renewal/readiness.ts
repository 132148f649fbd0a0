/** Per-sender readiness (ARCHITECTURE §4): told, acknowledged, proven, and after T the old root removed. */
export const READINESS_STATES = [
  'pending',
  'notified',
  'acknowledged',
  'verified',
  'failing',
  'old-root-removed',
] as const;
/** One of {@link READINESS_STATES}. */
export type ReadinessState = (typeof READINESS_STATES)[number];

const RANK: Record<ReadinessState, number> = {
  pending: 0,
  notified: 1,
  acknowledged: 2,
  failing: 2,
  verified: 3,
  'old-root-removed': 4,
};

/** What happened to a sender. */
export type ReadinessEvent =
  | { kind: 'notified' }
  | { kind: 'acknowledged' }
  | { kind: 'evidence'; ok: boolean }
  | { kind: 'removed' };

/**
 * The sender's state after an event. Readiness only moves forward — except that evidence decides
 * between verified and failing whichever came before, since the latest proof is the one that counts.
 * A notice or an acknowledgement never demotes a sender that already proved more.
 */
export function nextReadiness(state: ReadinessState, event: ReadinessEvent): ReadinessState {
  switch (event.kind) {
    case 'notified':
      return RANK[state] >= RANK.notified ? state : 'notified';
    case 'acknowledged':
      return RANK[state] >= RANK.acknowledged ? state : 'acknowledged';
    case 'evidence':
      if (state === 'old-root-removed') return state;
      return event.ok ? 'verified' : 'failing';
    case 'removed':
      return 'old-root-removed';
  }
}

/** Counts per readiness state, every state present. */
export function readinessSummary(states: Iterable<ReadinessState>): Record<ReadinessState, number> {
  const out = Object.fromEntries(READINESS_STATES.map((s) => [s, 0])) as Record<ReadinessState, number>;
  for (const s of states) out[s]++;
  return out;
}

/** True when a sender is proven ready for T (verified, or already past T and removed the old root). */
export function isReady(state: ReadinessState): boolean {
  return state === 'verified' || state === 'old-root-removed';
}
