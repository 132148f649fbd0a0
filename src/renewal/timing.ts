import { fail } from '../shared/errors.js';

/** The rollback window when a plan names none: the same in the API, the CLI, the web form and the docs. */
export const DEFAULT_ROLLBACK_WINDOW = '24h';

/** Policy knobs for a renewal's timing; all durations in milliseconds. */
export interface TimingPolicy {
  /** The least time between planning and T (seconds-scale values allowed for demos and tests). */
  minLeadMs: number;
  /** How long before T the readiness gate is evaluated. */
  gateLeadMs: number;
  /** How long before T a postpone is still accepted. */
  postponeCutoffMs: number;
  /** Reminder offsets before T for senders not yet ready (default 14 d, 7 d, 1 d, 1 h). */
  reminderOffsetsMs: number[];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The default policy: a week of lead, the gate an hour before T, no postpone in the last 15 minutes. */
export const DEFAULT_TIMING: TimingPolicy = {
  minLeadMs: 7 * DAY,
  gateLeadMs: HOUR,
  postponeCutoffMs: 15 * 60_000,
  reminderOffsetsMs: [14 * DAY, 7 * DAY, DAY, HOUR],
};

/** The instants of one renewal, computed once from T and stored (never recomputed from "now"). */
export interface RenewalTimes {
  exchangeAt: Date;
  /** When the readiness gate decides. */
  gateAt: Date;
  /** The last instant a postpone is accepted. */
  postponeDeadline: Date;
  /** T plus the rollback window: from then on senders may remove the old root (once verified). */
  safeRemovalAt: Date;
  /** Reminder instants that are still ahead of the planning instant, earliest first. */
  reminders: Date[];
}

/**
 * Computes a renewal's instants. Refuses a T in the past or inside the minimum lead, and a negative
 * rollback window. `plannedAt` is the instant of planning, passed in (no clock inside).
 */
export function renewalTimes(p: {
  exchangeAt: Date;
  plannedAt: Date;
  rollbackWindowMs: number;
  policy: TimingPolicy;
}): RenewalTimes {
  const t = p.exchangeAt.getTime();
  const planned = p.plannedAt.getTime();
  if (t <= planned) {
    fail('BAD_TIME', `the exchange time ${p.exchangeAt.toISOString()} is in the past`, {
      exchangeAt: p.exchangeAt,
    });
  }
  if (t - planned < p.policy.minLeadMs) {
    fail(
      'BAD_TIME',
      `the exchange time must be at least ${Math.ceil(p.policy.minLeadMs / 1000)} s ahead (earliest ${new Date(planned + p.policy.minLeadMs).toISOString()}), so every sender has time to add the new root`,
      { exchangeAt: p.exchangeAt },
    );
  }
  if (!(p.rollbackWindowMs >= 0)) fail('BAD_DURATION', 'the rollback window cannot be negative');
  return {
    exchangeAt: new Date(t),
    gateAt: new Date(Math.max(planned, t - p.policy.gateLeadMs)),
    postponeDeadline: new Date(t - p.policy.postponeCutoffMs),
    safeRemovalAt: new Date(t + p.rollbackWindowMs),
    reminders: p.policy.reminderOffsetsMs
      .map((o) => t - o)
      .filter((at) => at > planned)
      .sort((a, b) => a - b)
      .map((at) => new Date(at)),
  };
}

/**
 * The latest T that is still safe for a credential expiring at `expiresAt`: the exchange must happen
 * before the expiry minus the rollback window (the old credential must stay usable for a rollback).
 */
export function latestSafeExchange(expiresAt: Date, rollbackWindowMs: number): Date {
  return new Date(expiresAt.getTime() - rollbackWindowMs);
}

/** When to propose a renewal: `proposeDaysAhead` days before the latest safe T minus the minimum lead. */
export function renewalProposalAt(
  expiresAt: Date,
  rollbackWindowMs: number,
  policy: TimingPolicy,
  proposeDaysAhead: number,
): Date {
  return new Date(
    latestSafeExchange(expiresAt, rollbackWindowMs).getTime() - policy.minLeadMs - proposeDaysAhead * DAY,
  );
}

/** May the old root be removed at `now`? Only after the safe-removal instant and once the exchange is verified. */
export function removalAllowed(p: { now: Date; safeRemovalAt: Date; exchangeVerified: boolean }): {
  ok: boolean;
  reason: string;
} {
  if (!p.exchangeVerified)
    return { ok: false, reason: 'the exchange has not been verified on every node yet' };
  if (p.now < p.safeRemovalAt) {
    return { ok: false, reason: `the rollback window is open until ${p.safeRemovalAt.toISOString()}` };
  }
  return { ok: true, reason: `the rollback window closed at ${p.safeRemovalAt.toISOString()}` };
}
