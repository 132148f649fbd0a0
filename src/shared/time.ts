import { fail } from './errors.js';

/**
 * RFC 3339 `date-time`: full date, `T`, time with seconds, optional fraction, and a zone (`Z` or
 * `±hh:mm`). Nothing else: no bare local time, no week dates, no missing seconds.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

const HOW = 'write it as RFC 3339 with a zone, like 2026-12-01T02:00:00Z';

/** Days in a month of the proleptic Gregorian calendar (month 1–12). */
function daysIn(year: number, month: number): number {
  return month === 2 ? (isLeap(year) ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * Reads an RFC 3339 instant, the one parser for every instant the product accepts (API, CLI, files).
 * A zone is required: a bare local time would mean different instants on different machines, which
 * an announced exchange time must never do. Every field must be in range for its calendar month, so
 * `2027-02-30T00:00:00Z` is refused instead of silently becoming 2 March.
 */
export function parseInstant(text: string): Date {
  const shown = JSON.stringify(String(text).slice(0, 64));
  const m = typeof text === 'string' ? RFC3339.exec(text) : null;
  if (!m) fail('BAD_TIME', `${shown} is not an RFC 3339 time with a zone: ${HOW}`, { input: text });
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const bad = (why: string): never =>
    fail('BAD_TIME', `${shown} is not a real instant: ${why}`, { input: text });
  if (month < 1 || month > 12) bad(`there is no month ${month}`);
  if (day < 1 || day > daysIn(year, month)) bad(`${year}-${m[2]} has ${daysIn(year, month)} days`);
  if (hour > 23) bad(`there is no hour ${hour} (use 00 of the next day)`);
  if (minute > 59) bad(`there is no minute ${minute}`);
  // Leap seconds cannot be represented by the clocks that act on the instant: refuse, do not round.
  if (second > 59) bad(`second ${second} is not supported`);
  let offsetMin = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) bad(`the zone offset ${m[9]}${m[10]}:${m[11]} is out of range`);
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  const at = d.getTime() - offsetMin * 60_000;
  if (!Number.isFinite(at) || Math.abs(at) > 8.64e15)
    bad('it is outside the range of representable instants');
  return new Date(at);
}

/** Formats an instant as ISO 8601 UTC without milliseconds when they are zero. */
export function formatInstant(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** An instant for a person to read in a mail subject or title: `2026-12-09 02:00:00 UTC`. */
export function readableUtc(d: Date | string): string {
  return formatInstant(typeof d === 'string' ? new Date(d) : d)
    .replace('T', ' ')
    .replace('Z', ' UTC');
}

/** A source of the current time; only composition roots use the real clock. */
export interface Clock {
  /** The current instant in milliseconds since the epoch. */
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now() };
