/**
 * Safe removal (seed step 6), pure: may these roots leave a sender's truststore now, given the
 * renewal's status? The old root stays until the rollback window has closed on a verified exchange;
 * the new root stays unless the renewal was cancelled.
 */
import { removalAllowed } from '../renewal/timing.js';

/** The parts of a renewal's status the decision needs. */
export interface RemovalContext {
  state: string;
  exchangeAt: Date;
  safeRemovalAt: Date;
  oldRootSha256: string;
  newRootSha256: string;
  /** The coordinator decides removal per sender: without a `sender` verdict the old root stays. */
  removalDecidedPerSender?: boolean | undefined;
  /** The asking sender's verdict from the coordinator. */
  sender?:
    | {
        id: string;
        state: string;
        removal: { allowed: boolean; reason: string };
        /** Until when some of its addresses are served the old credential (grace). */
        oldCredentialServedUntil?: string | null | undefined;
      }
    | undefined;
}

/** The decision and its reason. */
export interface RemovalDecision {
  ok: boolean;
  reason: string;
}

const VERIFIED = new Set(['verified', 'retiring', 'completed']);

/** Decides whether removing the roots with these fingerprints is safe at `now`. */
export function removalDecision(removed: readonly string[], r: RemovalContext, now: Date): RemovalDecision {
  if (removed.includes(r.newRootSha256) && r.state !== 'cancelled') {
    return {
      ok: false,
      reason: `this is the renewal's new root: the load balancer serves it from ${r.exchangeAt.toISOString()} (state ${r.state}); removing it breaks this sender`,
    };
  }
  if (removed.includes(r.oldRootSha256)) {
    if (r.state === 'rolled-back' || r.state === 'cancelled') {
      return { ok: false, reason: `the renewal is ${r.state}: the load balancer serves the old root again` };
    }
    const servedOld = r.sender?.oldCredentialServedUntil;
    if (r.sender && servedOld && now < new Date(servedOld))
      return {
        ok: false,
        reason: `the old root is still needed by sender ${r.sender.id}: its addresses are served the old credential until ${servedOld} (grace)`,
      };
    if (r.sender && !r.sender.removal.allowed)
      return {
        ok: false,
        reason: `the old root is still needed by sender ${r.sender.id} (${r.sender.state}): ${r.sender.removal.reason}`,
      };
    if (r.removalDecidedPerSender && !r.sender)
      return {
        ok: false,
        reason:
          'the coordinator decides removal per sender and this status names none: use your personal status URL (…/links/TOKEN/status.json) or name your sender',
      };
    const verdict = removalAllowed({
      now,
      safeRemovalAt: r.safeRemovalAt,
      exchangeVerified: VERIFIED.has(r.state),
    });
    if (!verdict.ok)
      return { ok: false, reason: `the old root is still needed: ${verdict.reason} (state ${r.state})` };
    return { ok: true, reason: verdict.reason };
  }
  return { ok: true, reason: 'neither the old nor the new root of this renewal is removed' };
}
