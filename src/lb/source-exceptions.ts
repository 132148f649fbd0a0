/**
 * Source exceptions of a virtual server: per client address (or CIDR), serve the old credential
 * after T until a deadline (grace), or the new one before T (an early switch). The rule runs per
 * handshake in memory, beside the slot's comparison with T, so neither T nor `until` needs a timer.
 * Pure (no I/O): `node:net`'s SocketAddress only parses addresses.
 */
import { isIP, SocketAddress } from 'node:net';
import { fail } from '../shared/errors.js';
import { parseInstant } from '../shared/time.js';
import type { Slot } from './slot.js';

/** Which credential of an exchange an entry serves. */
export type Serve = 'old' | 'new';

/** One entry. `until` (ms since the epoch) bounds a grace (`serve: "old"`) entry; early entries have none. */
export interface SourceException {
  /** Canonical CIDR (`192.0.2.0/24`, `2001:db8::/32`; a single address as /32 or /128). */
  cidr: string;
  serve: Serve;
  until?: number;
  /** Put in grace by the node itself after this address failed a handshake with the new credential. */
  auto?: true;
}

/** The exchange a slot is in: the credential being replaced, its successor, and T. */
export interface Exchange<C> {
  old: C;
  new: C;
  at: number;
}

/**
 * The exchange of a slot: while staged, active → staged at T; once settled (or activated), previous →
 * active at the last swap. Without either there is nothing to choose between.
 */
export function exchangeOf<C>(slot: Slot<C>): Exchange<C> | undefined {
  if (slot.staged) return { old: slot.active, new: slot.staged.credential, at: slot.staged.activateAt };
  if (slot.previous !== undefined && slot.lastSwapAt !== undefined)
    return { old: slot.previous, new: slot.active, at: slot.lastSwapAt };
  return undefined;
}

interface Parsed {
  family: 'ipv4' | 'ipv6';
  address: string;
  prefix: number;
}

/** An address as the index compares it: IPv4-mapped IPv6 as IPv4, IPv6 in canonical form. */
export function canonicalAddress(address: string): string {
  if (address.startsWith('::ffff:') && address.includes('.')) return address.slice(7);
  if (isIP(address) === 6) return new SocketAddress({ address, family: 'ipv6' }).address;
  return address;
}

/** Parses `ADDR` or `ADDR/PREFIX` into canonical form; a typo is BAD_ARGUMENT. */
export function parseCidr(text: string): Parsed & { cidr: string } {
  const [addr = '', prefixText, ...rest] = text.trim().split('/');
  const v = isIP(addr);
  const max = v === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!v || rest.length > 0 || !/^\d{1,3}$/.test(prefixText ?? '0') || prefix > max) {
    fail(
      'BAD_ARGUMENT',
      `"${text}" is not an IP address or CIDR (like 192.0.2.7, 198.51.100.0/24 or 2001:db8::/48)`,
    );
  }
  let family: Parsed['family'] = v === 4 ? 'ipv4' : 'ipv6';
  let address = v === 4 ? addr : new SocketAddress({ address: addr, family: 'ipv6' }).address;
  let p = prefix;
  // An IPv4-mapped range is an IPv4 range: clients are compared as IPv4.
  if (family === 'ipv6' && address.startsWith('::ffff:') && address.includes('.') && prefix >= 96) {
    family = 'ipv4';
    address = address.slice(7);
    p = prefix - 96;
  }
  // The network address, so 192.0.2.7/24 and 192.0.2.0/24 are the same entry.
  const network = networkOf(family, address, p);
  return { family, address: network, prefix: p, cidr: `${network}/${p}` };
}

/** The network address of `address/prefix` (host bits cleared): node:net has no helper for this. */
function networkOf(family: Parsed['family'], address: string, prefix: number): string {
  const max = family === 'ipv4' ? 32 : 128;
  if (prefix === max) return address;
  const bytes = toBytes(family, address);
  for (let bit = prefix; bit < max; bit++) bytes[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return fromBytes(family, bytes);
}

/** The bytes of an address (4 for IPv4, 16 for IPv6; a trailing dotted quad is two words). */
export function addressBytes(family: 'ipv4' | 'ipv6', address: string): number[] {
  return toBytes(family, address);
}

function toBytes(family: Parsed['family'], address: string): number[] {
  if (family === 'ipv4') return address.split('.').map(Number);
  // A trailing dotted quad (::ffff:192.0.2.1) is two 16-bit words.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    address = `${address.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail = ''] = address.split('::');
  const words = (s: string) => (s ? s.split(':') : []);
  const h = words(head);
  const t = words(tail);
  const all = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  return all.flatMap((w) => {
    const n = Number.parseInt(w, 16);
    return [n >> 8, n & 255];
  });
}

function fromBytes(family: Parsed['family'], bytes: number[]): string {
  if (family === 'ipv4') return bytes.join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return new SocketAddress({ address: words.join(':'), family: 'ipv6' }).address;
}

/** True when an entry still applies at `now` (a grace entry until its deadline; an early one always). */
export function isLive(e: SourceException, now: number): boolean {
  return e.serve === 'new' || (e.until !== undefined && now < e.until);
}

interface Group {
  prefix: number;
  /** Entries of this prefix length by network address. */
  byNetwork: Map<string, SourceException>;
}

/**
 * A table compiled for lookups per handshake: one hash map per prefix length present, longest
 * first; a client address is masked to each length and looked up. A table of 10 000 stragglers and
 * a hundred ranges costs a few map lookups, not a scan (node:net's BlockList scans its rules: ~0.7 ms
 * per check at 10 000 rules, measured here).
 */
export class ExceptionIndex {
  private readonly groups: Record<Parsed['family'], Group[]> = { ipv4: [], ipv6: [] };
  readonly size: number;

  constructor(readonly entries: readonly SourceException[]) {
    this.size = entries.length;
    for (const entry of entries) {
      const p = parseCidr(entry.cidr);
      const groups = this.groups[p.family];
      let g = groups.find((x) => x.prefix === p.prefix);
      if (!g) {
        g = { prefix: p.prefix, byNetwork: new Map() };
        groups.push(g);
        groups.sort((a, b) => b.prefix - a.prefix);
      }
      g.byNetwork.set(p.address, entry);
    }
  }

  /** The most specific entry that covers `address` and is live at `now`. */
  match(address: string, now: number): SourceException | undefined {
    if (this.size === 0) return undefined;
    const mapped = address.startsWith('::ffff:') && address.includes('.');
    const v6 = !mapped && address.includes(':');
    // Canonicalising an IPv6 address costs more than the lookups: skip it when no IPv6 entry exists.
    if (v6 && this.groups.ipv6.length === 0) return undefined;
    const a = mapped ? address.slice(7) : v6 ? canonicalAddress(address) : address;
    const family = v6 ? 'ipv6' : 'ipv4';
    for (const g of this.groups[family]) {
      const e = g.byNetwork.get(networkOf(family, a, g.prefix));
      if (e && isLive(e, now)) return e;
    }
    return undefined;
  }
}

/** What one handshake gets: the credential, which side of the exchange it is, and the entry that decided. */
export interface Choice<C> {
  credential: C;
  credentialIs: Serve;
  entry?: SourceException;
}

/**
 * The rule per handshake: before T the old credential except for a `serve: "new"` entry; from T the
 * new one except for a `serve: "old"` entry whose `until` has not passed; the most specific entry
 * wins. Outside an exchange every handshake gets the active credential (labelled new).
 */
export function chooseFor<C>(slot: Slot<C>, index: ExceptionIndex, now: number, address: string): Choice<C> {
  const x = exchangeOf(slot);
  if (!x) return { credential: slot.active, credentialIs: 'new' };
  const entry = index.match(address, now);
  const side: Serve = entry ? entry.serve : now >= x.at ? 'new' : 'old';
  return { credential: side === 'new' ? x.new : x.old, credentialIs: side, ...(entry ? { entry } : {}) };
}

/** A change of the table, as the CLI and the control interface ask for it. */
export type TableChange =
  | { op: 'add'; serve: Serve; cidrs: string[]; until?: number; auto?: true }
  | { op: 'remove'; serve: Serve; cidrs: string[] }
  | { op: 'clear'; serve: Serve }
  | { op: 'replace'; entries: SourceException[] }
  /** Automatic fallback: until `until` (null: off), a failed handshake with the new credential graces its address. */
  | { op: 'auto'; until: number | null };

/**
 * Applies a change to a table and returns the new table; refuses (changing nothing) a malformed
 * address, a grace entry without a deadline, a deadline already passed or after the old credential's
 * notAfter (`oldNotAfter`, ms), and the removal of an entry that is not there.
 */
export function changeTable(
  table: readonly SourceException[],
  change: TableChange,
  now: number,
  oldNotAfter: number,
): SourceException[] {
  const checkEntry = (e: SourceException): SourceException => {
    const { cidr } = parseCidr(e.cidr);
    if (e.serve !== 'old' && e.serve !== 'new')
      fail('BAD_ARGUMENT', `serve must be "old" or "new", not "${e.serve}"`);
    if (e.serve === 'new') return { cidr, serve: 'new' };
    if (e.until === undefined || !Number.isFinite(e.until))
      fail('BAD_ARGUMENT', `a grace entry (${cidr}) needs a deadline (until)`);
    if (e.until <= now)
      fail(
        'BAD_TIME',
        `the grace deadline ${new Date(e.until).toISOString()} for ${cidr} has already passed`,
      );
    if (e.until > oldNotAfter) {
      fail(
        'BAD_TIME',
        `the grace deadline ${new Date(e.until).toISOString()} for ${cidr} lies after the old certificate expires (${new Date(oldNotAfter).toISOString()}): a client cannot be served a certificate past its notAfter`,
        { until: new Date(e.until).toISOString(), notAfter: new Date(oldNotAfter).toISOString() },
      );
    }
    return { cidr, serve: 'old', until: e.until, ...(e.auto ? { auto: true as const } : {}) };
  };
  if (change.op === 'replace') {
    const out = new Map<string, SourceException>();
    for (const e of change.entries) {
      const c = checkEntry(e);
      out.set(c.cidr, c);
    }
    return [...out.values()];
  }
  if (change.op === 'auto') return [...table];
  if (change.op === 'clear') return table.filter((e) => e.serve !== change.serve);
  if (change.cidrs.length === 0) fail('BAD_ARGUMENT', 'name at least one address or CIDR');
  const out = new Map(table.map((e) => [e.cidr, e]));
  if (change.op === 'add') {
    for (const text of change.cidrs) {
      const c = checkEntry({
        cidr: text,
        serve: change.serve,
        ...(change.until !== undefined ? { until: change.until } : {}),
        ...(change.auto ? { auto: true as const } : {}),
      });
      out.set(c.cidr, c);
    }
    return [...out.values()];
  }
  for (const text of change.cidrs) {
    const { cidr } = parseCidr(text);
    if (out.get(cidr)?.serve !== change.serve) {
      fail('NOT_FOUND', `${cidr} has no ${change.serve === 'old' ? 'grace' : 'early'} entry`, { cidr });
    }
    out.delete(cidr);
  }
  return [...out.values()];
}

/** Reads a table change from its JSON form (instants as RFC 3339 text); malformed is BAD_ARGUMENT. */
export function parseTableChange(body: unknown): TableChange {
  const b = (body ?? {}) as Record<string, unknown>;
  const serve = (v: unknown): Serve => {
    if (v !== 'old' && v !== 'new') fail('BAD_ARGUMENT', 'field "serve" must be "old" or "new"');
    return v;
  };
  const instant = (v: unknown, field: string): number | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') fail('BAD_ARGUMENT', `field "${field}" must be an RFC 3339 instant`);
    return parseInstant(v).getTime();
  };
  const list = (v: unknown, field: string): unknown[] => {
    if (!Array.isArray(v)) fail('BAD_ARGUMENT', `field "${field}" must be a list`);
    return v;
  };
  const cidrs = (v: unknown) =>
    list(v, 'cidrs').map((c) => {
      if (typeof c !== 'string') fail('BAD_ARGUMENT', 'field "cidrs" must list addresses or CIDRs as text');
      return c;
    });
  switch (b.op) {
    case 'add': {
      const until = instant(b.until, 'until');
      return {
        op: 'add',
        serve: serve(b.serve),
        cidrs: cidrs(b.cidrs),
        ...(until !== undefined ? { until } : {}),
      };
    }
    case 'remove':
      return { op: 'remove', serve: serve(b.serve), cidrs: cidrs(b.cidrs) };
    case 'clear':
      return { op: 'clear', serve: serve(b.serve) };
    case 'auto':
      return { op: 'auto', until: instant(b.until, 'until') ?? null };
    case 'replace':
      return {
        op: 'replace',
        entries: list(b.entries, 'entries').map((e) => {
          const x = (e ?? {}) as Record<string, unknown>;
          if (typeof x.cidr !== 'string') fail('BAD_ARGUMENT', 'every entry needs a "cidr" (text)');
          const until = instant(x.until, 'until');
          // A coordinator's replace carries the entries the node added by itself, still marked as such.
          return {
            cidr: x.cidr,
            serve: serve(x.serve),
            ...(until !== undefined ? { until } : {}),
            ...(x.auto === true ? { auto: true as const } : {}),
          };
        }),
      };
    default:
      return fail('BAD_ARGUMENT', 'field "op" must be add, remove, clear, replace or auto');
  }
}

/** Checks an automatic-fallback deadline like a grace entry's: in the future, not after the old notAfter. */
export function checkAutoGraceUntil(until: number, now: number, oldNotAfter: number): number {
  changeTable([], { op: 'add', serve: 'old', cidrs: ['0.0.0.0/0'], until }, now, oldNotAfter);
  return until;
}

/** True when a failed handshake should put its address into grace by itself (automatic fallback). */
export function shouldAutoGrace(
  failed: { credentialIs: Serve; entry?: { serve: Serve } | undefined; reason: string },
  autoGraceUntil: number | undefined,
  now: number,
): boolean {
  if (autoGraceUntil === undefined || now >= autoGraceUntil) return false;
  if (failed.reason !== 'unknown_ca' && failed.reason !== 'bad_certificate') return false;
  // Served the new credential after T, or by an early entry: a grace entry would have served the old one.
  return failed.credentialIs === 'new' && failed.entry?.serve !== 'old';
}
