/** What the path drawing derives from a sender's readiness (pure, tested in test/web/time.test.ts). */

/** Which roots a sender in `state` trusts, as far as the coordinator knows. */
export function trustedRoots(state: string): { old: boolean; new: boolean } {
  if (state === 'old-root-removed') return { old: false, new: true };
  if (state === 'verified' || state === 'acknowledged') return { old: true, new: true };
  return { old: true, new: false };
}
