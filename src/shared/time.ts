import { fail } from './errors.js';

/** ISO 8601 instant with an explicit zone (Z or ±hh:mm), for example 2026-12-01T02:00:00Z. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Reads an ISO 8601 instant. A zone is required: a bare local time would mean different instants on
 * different machines, which is exactly what an announced exchange time must never do.
 */
export function parseInstant(text: string): Date {
  const s = text.trim();
  if (!ISO_INSTANT.test(s)) {
    fail('BAD_TIME', `"${text}" is not an ISO 8601 time with a zone: write it like 2026-12-01T02:00:00Z`);
  }
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) fail('BAD_TIME', `"${text}" is not a real calendar instant`);
  return d;
}

/** Formats an instant as ISO 8601 UTC without milliseconds when they are zero. */
export function formatInstant(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** A source of the current time; only composition roots use the real clock. */
export interface Clock {
  /** The current instant in milliseconds since the epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
