/**
 * nginx's `$msec` is the current time as `SECONDS.MMM` (10 + 3 digits until the year 2286). A `map`
 * on it can only match regular expressions, so "at or after T" is written as one: the standard
 * construction for "a fixed-width digit string ≥ N" — N itself, or N's first i digits followed by a
 * larger digit and anything.
 */

/** `$msec` as nginx prints it for an instant in milliseconds. */
export function msecText(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** A regular expression (for an nginx `map` on `$msec`) matching every instant at or after `ms`. */
export function msecAtLeast(ms: number): string {
  if (!Number.isInteger(ms) || ms < 1e12 || ms >= 1e13)
    throw new RangeError(`${ms} is not a 13-digit epoch millisecond`);
  const d = String(ms);
  const join = (tokens: string[]) => `${tokens.slice(0, 10).join('')}\\.${tokens.slice(10).join('')}`;
  const alternatives = [join([...d])];
  for (let i = 0; i < 13; i++) {
    const digit = Number(d[i]);
    if (digit === 9) continue;
    const cls = digit === 8 ? '9' : `[${digit + 1}-9]`;
    alternatives.push(join([...d.slice(0, i), cls, ...Array<string>(12 - i).fill('\\d')]));
  }
  // Eleven or more digits of seconds: after the year 2286, still "after T".
  alternatives.push('\\d{11,}\\.\\d{3}');
  return `^(?:${alternatives.join('|')})$`;
}
