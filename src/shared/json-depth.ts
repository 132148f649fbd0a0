/**
 * A bound on JSON nesting, checked on the text before it is parsed: a body nested thousands deep
 * parses, but then overflows the stack wherever it is walked or serialised again (a RangeError,
 * answered 500). One scan, strings skipped, no parse.
 */
import { fail } from './errors.js';

/** The deepest nesting of arrays and objects any request body may have (real bodies use under 8). */
export const MAX_JSON_DEPTH = 64;

/** Fails with BAD_ARGUMENT when `text` nests arrays/objects deeper than `max`. */
export function assertJsonDepth(text: string, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) {
        fail('BAD_ARGUMENT', `the JSON body is nested deeper than ${max} levels: send a flatter document`, {
          maxDepth: max,
        });
      }
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
}
