/**
 * When a person may remind a sender admin (the tenant inbox's "remind", `rollover renewal remind`):
 * only while the sender admin has the next move in the sender's derived status, and not again within
 * {@link REMIND_INTERVAL_MS} of the last reminder, so a button pressed twice never sends two mails.
 * Pure: the status, the last reminder and `now` are inputs.
 */
import type { ActionOwner } from './sender-status.js';

/** The least time between two reminders to one sender, by anyone. */
export const REMIND_INTERVAL_MS = 15 * 60_000;

/** Whether a reminder may go now, and if not, why (a sentence a person can act on). */
export type RemindVerdict = { ok: true } | { ok: false; reason: string; from: Date | null };

/** May the sender with `status`, last reminded at `last`, be reminded at `now`? */
export function remindVerdict(
  status: { headline: string; next: { who: ActionOwner } },
  last: Date | null,
  now: Date,
): RemindVerdict {
  if (status.next.who !== 'sender-admin')
    return {
      ok: false,
      reason: `nothing for its sender admin to do (${status.headline}; next: ${status.next.who})`,
      from: null,
    };
  if (last && now.getTime() - last.getTime() < REMIND_INTERVAL_MS) {
    const from = new Date(last.getTime() + REMIND_INTERVAL_MS);
    return { ok: false, reason: `reminded at ${last.toISOString()}; again from ${from.toISOString()}`, from };
  }
  return { ok: true };
}
