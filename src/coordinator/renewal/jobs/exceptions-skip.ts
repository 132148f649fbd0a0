/**
 * When the `exceptions` job may skip working out every sender's grace (pure): what its last complete
 * run computed from still holds. It holds when the digest of its inputs (the store's, with the renewal)
 * is the one that run started and ended with, the nodes' rows are as that run left them (every node
 * applied its table or answered "not yet": none differs or failed), and no grace deadline passed since
 * (an old entry whose `until` passed must drop). Anything else — or no record — recomputes.
 */

/** What the last complete run of the job for one renewal was computed from. */
export interface ExceptionsMemo {
  /** The digest of the job's inputs, equal at the run's start and end. */
  inputs: string;
  /** The nodes' rows as the run left them ({@link rowsKeyOf}). */
  rows: string;
  /** From this instant (ms) the same inputs give another table (the grace deadline), or null. */
  until: number | null;
}

/** The instant (ms) from which a table computed at `now` is out of date: the grace deadline ahead, else null. */
export function memoUntil(graceUntil: Date | null, now: Date): number | null {
  return graceUntil && now.getTime() < graceUntil.getTime() ? graceUntil.getTime() : null;
}

/** The part of the nodes' rows the job decides on: each node's last answer per virtual server. */
export function rowsKeyOf(
  rows: ReadonlyArray<{ nodeId: string; virtualServerId: string; exceptions?: unknown }>,
): string {
  return JSON.stringify(rows.map((r) => [r.nodeId, r.virtualServerId, r.exceptions ?? null]));
}

/** Whether the job may reuse its last complete run instead of recomputing every sender. */
export function mayReuse(
  memo: ExceptionsMemo | undefined,
  now: {
    inputs: string;
    rows: string;
    at: number;
    /** Each node row's last outcome (null: never sent). */
    outcomes: ReadonlyArray<string | null>;
  },
): boolean {
  if (!memo) return false;
  if (memo.inputs !== now.inputs || memo.rows !== now.rows) return false;
  if (memo.until !== null && now.at >= memo.until) return false;
  return now.outcomes.every((o) => o === 'applied' || o === 'not-yet');
}
