/**
 * The one chain builder: from a leaf up through a pool of candidates, each step to the first
 * candidate that issued the current certificate, until an end is reached. Callers bring the notion of
 * "issued" (names only, or names and signature) and of "end" (a given root, or any self-issued one).
 */

/** How a walk ended: at an end, at a certificate no candidate issued, or after too many steps. */
export type PathEnd = 'reached' | 'no-issuer' | 'too-long';

/** Walks from `leaf` through `candidates` (tried in order, each used once) to a certificate `isEnd` accepts. */
export function issuerPath<T>(
  leaf: T,
  candidates: readonly T[],
  issued: (child: T, issuer: T) => boolean,
  isEnd: (cert: T) => boolean,
  maxSteps = Number.POSITIVE_INFINITY,
): { path: T[]; end: PathEnd } {
  const path = [leaf];
  for (let step = 0; ; step++) {
    const current = path[path.length - 1]!;
    if (isEnd(current)) return { path, end: 'reached' };
    if (step >= maxSteps) return { path, end: 'too-long' };
    const next = candidates.find((c) => !path.includes(c) && issued(current, c));
    if (next === undefined) return { path, end: 'no-issuer' };
    path.push(next);
  }
}
