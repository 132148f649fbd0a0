import { fail } from './errors.js';

const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/**
 * Reads a duration: `90d`, `24h`, `15m`, `30s`, `250ms`, combinations such as `1h30m`, or ISO 8601
 * `P…` (`P90D`, `PT24H`, `P1DT2H`). Returns milliseconds.
 */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (/^P/i.test(s)) return parseIsoDuration(s, text);
  const re = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (s.length === 0 || matched !== s.length) {
    fail('BAD_DURATION', `"${text}" is not a duration: write 90d, 24h, 15m, 30s or ISO 8601 such as P90D`);
  }
  return Math.round(total);
}

function parseIsoDuration(s: string, original: string): number {
  const m =
    /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
      s,
    );
  if (!m || s === 'P' || /T$/i.test(s)) {
    fail(
      'BAD_DURATION',
      `"${original}" is not an ISO 8601 duration (years and months are ambiguous: use days)`,
    );
  }
  const [, w, d, h, min, sec] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return Math.round(
    (w as number) * 7 * UNIT_MS.d! +
      (d as number) * UNIT_MS.d! +
      (h as number) * UNIT_MS.h! +
      (min as number) * UNIT_MS.m! +
      (sec as number) * 1000,
  );
}

/** Formats milliseconds as a short duration such as `90d`, `1h30m`, `250ms`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.abs(ms);
  let out = ms < 0 ? '-' : '';
  for (const unit of ['d', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
