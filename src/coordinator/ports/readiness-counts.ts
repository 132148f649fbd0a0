/**
 * A renewal's readiness counts, kept beside it and changed in the same unit of work as each readiness
 * row, so the summary does not count 100 000 rows. Serialising concurrent changes (a row lock on
 * PostgreSQL; SQLite's single writer) is the store's business.
 */
import type { ReadinessState } from '../../renewal/readiness.js';

/** Counts of senders per readiness state. */
export type ReadinessTally = Record<ReadinessState, number>;

/** Counting and keeping readiness counts. */
export interface ReadinessCounts {
  /** Counts a renewal's readiness rows by state (the truth the kept counts start from). */
  count(renewalId: string): Promise<ReadinessTally>;
  /** The kept counts, or undefined while none are kept. */
  kept(renewalId: string): Promise<ReadinessTally | undefined>;
  /** Sets the kept counts from the rows (after the bulk writes of an announcement). */
  reset(renewalId: string): Promise<void>;
  /** Adds `delta` to the kept counts, serialised against other bumps; nothing while none are kept. */
  bump(renewalId: string, delta: Partial<ReadinessTally>): Promise<void>;
}
