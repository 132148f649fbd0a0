/** What the path drawing derives from a sender's readiness (pure, tested in test/web/time.test.ts). */

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
