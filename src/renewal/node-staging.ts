/**
 * What one node holds of a renewal's new credential, in words, from facts (its acknowledgement, its
 * last error, the renewal's phase) — for the node table of the renewal page and `renewal status`.
 * Pure.
 */
import type { RenewalPhase } from './renewal-status.js';

/** A node's staging as a page shows it. */
export interface NodeStaging {
  state: 'not-announced' | 'staging' | 'staged' | 'unstaging' | 'unstaged' | 'switched';
  text: string;
}

/** The staging of a node with these facts in a renewal in `phase`. */
export function nodeStaging(
  n: { stagedAckAt: string | null; verifiedAt: string | null; lastError?: string | null | undefined },
  phase: RenewalPhase,
): NodeStaging {
  const retrying = Boolean(n.lastError);
  if (phase === 'planned')
    return { state: 'not-announced', text: 'not staged: the renewal is not announced yet' };
  if (phase === 'held-at-gate' || phase === 'cancelled') {
    const why = phase === 'cancelled' ? 'the renewal was cancelled' : 'the exchange is held at the gate';
    return n.stagedAckAt || retrying
      ? {
          state: 'unstaging',
          text: `still holds the new credential: ${why}, the unstage is retried until the node answers`,
        }
      : { state: 'unstaged', text: `unstaged: ${why}; it keeps serving the old credential` };
  }
  if (['staging', 'staged', 'postponing'].includes(phase))
    return n.stagedAckAt
      ? { state: 'staged', text: 'staged: switches at T by its own clock' }
      : { state: 'staging', text: retrying ? 'not staged yet: retried until T' : 'not staged yet' };
  if (phase === 'rolled-back') return { state: 'unstaged', text: 'rolled back to the old credential' };
  return n.verifiedAt
    ? { state: 'switched', text: 'serves the new credential (verified)' }
    : { state: 'staged', text: 'switched at T by its own clock; not verified yet' };
}
