/**
 * The rule of source exceptions (../lb/source-exceptions.ts) compiled for a data plane that cannot run
 * our code per handshake but can compare its own clock with a number looked up by client address:
 * HAProxy (`src,map_ip_int` against `date(0,ms)`) and nginx (`geo` × a `map` on `$msec`).
 *
 * For one address the rule is always a single step in time: the old credential before an instant S,
 * the new one from S on. With no entry S is T; an early entry (`serve: "new"`) makes S = 0 (always
 * new); a grace entry until U over a less specific entry with step S' makes S = max(U, S') — old until
 * its deadline, then whatever the covering entry (or T) says, exactly as "the most specific live
 * entry wins" does. So the data plane needs no timer at T nor at any `until`. Pure (no I/O).
 */
import type { CredentialRecord } from '../lb/credential-record.js';
import type { Slot } from '../lb/slot.js';
import { exchangeOf, parseCidr, type SourceException } from '../lb/source-exceptions.js';

/** What a routing data plane serves: two credentials and, per address, the instant new begins. */
export interface ServePlan {
  old: CredentialRecord;
  new: CredentialRecord;
  /** From when an address without an entry gets `new` (T); 0 outside an exchange (one credential). */
  from: number;
  /** Per entry (canonical CIDR), from when its addresses get `new` (0: always). */
  entries: Array<{ cidr: string; from: number }>;
}

/** The plan for a slot and its table of source exceptions. */
export function servePlan(slot: Slot<CredentialRecord>, table: readonly SourceException[]): ServePlan {
  const x = exchangeOf(slot);
  if (!x) return { old: slot.active, new: slot.active, from: 0, entries: [] };
  const parsed = table.map((e) => ({ e, p: parseCidr(e.cidr) }));
  const byCidr = new Map(parsed.map((x) => [x.p.cidr, x]));
  const prefixes = {
    ipv4: [...new Set(parsed.filter((x) => x.p.family === 'ipv4').map((x) => x.p.prefix))],
    ipv6: [...new Set(parsed.filter((x) => x.p.family === 'ipv6').map((x) => x.p.prefix))],
  };
  for (const list of Object.values(prefixes)) list.sort((a, b) => b - a);
  const memo = new Map<string, number>();
  const stepOf = (cidr: string): number => {
    const known = memo.get(cidr);
    if (known !== undefined) return known;
    const { e, p } = byCidr.get(cidr)!;
    let s: number;
    if (e.serve === 'new') s = 0;
    else {
      // The covering entry: the most specific one strictly shorter than this entry.
      let parent = x.at;
      for (const len of prefixes[p.family]) {
        if (len >= p.prefix) continue;
        const up = parseCidr(`${p.address}/${len}`).cidr;
        if (byCidr.has(up)) {
          parent = stepOf(up);
          break;
        }
      }
      s = Math.max(e.until ?? 0, parent);
    }
    memo.set(cidr, s);
    return s;
  };
  return {
    old: x.old,
    new: x.new,
    from: x.at,
    entries: parsed.map(({ p }) => ({ cidr: p.cidr, from: stepOf(p.cidr) })),
  };
}
