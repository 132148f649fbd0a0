/**
 * A renewal's readiness counts, kept beside it and changed in the same transaction as each readiness
 * row (through the ReadinessCounts port), so the summary does not count 100 000 rows.
 */
import type { ReadinessState } from '../../renewal/readiness.js';
import type { ReadinessCounts, ReadinessTally } from '../ports/readiness-counts.js';

/** Counts by state from the rows (the truth the kept counts start from). */
export function countReadiness(
  store: { readinessCounts: ReadinessCounts },
  renewalId: string,
): Promise<ReadinessTally> {
  return store.readinessCounts.count(renewalId);
}

/** Sets the kept counts from the rows (after the bulk writes of an announcement). */
export function resetCounts(tx: { readinessCounts: ReadinessCounts }, renewalId: string): Promise<void> {
  return tx.readinessCounts.reset(renewalId);
}

/** Adds `delta` to the kept counts (no-op while none are kept: the summary then counts rows). */
export function bumpCounts(
  tx: { readinessCounts: ReadinessCounts },
  renewalId: string,
  delta: Partial<Record<ReadinessState, number>>,
): Promise<void> {
  return tx.readinessCounts.bump(renewalId, delta);
}

/** A state change of one sender as a delta. */
export function moved(from: string, to: string): Partial<Record<ReadinessState, number>> {
  if (from === to) return {};
  return { [from]: -1, [to]: 1 } as Partial<Record<ReadinessState, number>>;
}
