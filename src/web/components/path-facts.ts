/** What the path drawing derives from a sender's readiness and status (pure, tested in test/web/time.test.ts). */
import type { SenderStatus } from '../api/types.js';

/** What is known about one sender for the drawing. */
export interface PathSender {
  name: string;
  /** Readiness state (pending, notified, acknowledged, verified, failing, old-root-removed). */
  state: string;
  /** What is true for it now (derived); when given, the drawing shows what happened and happens. */
  status?: SenderStatus | undefined;
}

/**
 * Which roots a sender in `state` trusts, as far as the coordinator knows: the new root only once it
 * was proven (an acknowledgement says the sender admin added it, which is not a proof — `claimed`).
 */
export function trustedRoots(state: string): { old: boolean; new: boolean; claimed?: true } {
  if (state === 'old-root-removed') return { old: false, new: true };
  if (state === 'verified') return { old: true, new: true };
  if (state === 'acknowledged') return { old: true, new: false, claimed: true };
  return { old: true, new: false };
}

/** The drawing's short label of what a sender trusts. */
export function trustLabel(t: ReturnType<typeof trustedRoots>): string {
  const known = [t.old ? 'old' : '', t.new ? 'new' : ''].filter(Boolean).join('+') || 'none';
  return t.claimed ? `${known} (new?)` : known;
}

/**
 * Did it work before T, and does it work after T (null: unknown, no handshake seen)? A sender in grace
 * is served the old certificate after T, so it works as it did before.
 */
export function outcome(s: PathSender, after: 'old' | 'new'): { before: boolean; after: boolean | null } {
  const t = trustedRoots(s.state);
  if (!s.status) return { before: t.old, after: after === 'new' ? t.new : t.old };
  const st = s.status.state;
  // Before the exchange every sender was served the old root, which it trusted unless it removed it early.
  const before = !(st === 'old-root-removed' && s.status.tone === 'bad');
  if (after === 'old' || st === 'cancelled' || st === 'rolled-back' || st === 'in-grace')
    return { before, after: before };
  if (s.status.proven || st === 'safe-to-remove' || (st === 'old-root-removed' && s.status.tone !== 'bad'))
    return { before, after: true };
  if (st === 'failing' || st === 'proof-failed') return { before, after: false };
  return { before, after: null };
}
