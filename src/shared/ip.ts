/**
 * IP addresses and blocks, the one place they are parsed and compared: the sign-in throttle's client
 * key, trusted proxies, attribution of client addresses to senders and the grace table all go
 * through here. Pure: node:net's `BlockList` and `SocketAddress` would do parts of this, but the pure
 * cores import no networking module (docs/design/20261202.layering.md); the unit tests check this
 * file against them.
 *
 * One rule throughout: an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is its IPv4 address, and a
 * mapped block of /96 or longer is the IPv4 block it maps; IPv6 text is compared as a number, so
 * `::1`, `0:0:0:0:0:0:0:1` and `0::1` are one address whatever the case of the hex digits.
 */

const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}(\\.${OCTET}){3}$`);

/**
 * 4 or 6 for an IP address, 0 otherwise — as node:net's `isIP`, without importing a networking module
 * into the pure core. IPv6 is checked by the WHATWG URL parser, which implements RFC 4291's forms.
 */
export function ipVersion(s: string): 0 | 4 | 6 {
  if (IPV4.test(s)) return 4;
  if (!s.includes(':') || /[^0-9a-fA-F:.]/.test(s)) return 0;
  try {
    new URL(`http://[${s}]/`);
    return 6;
  } catch {
    return 0;
  }
}

/** An address block: family, network as a number (host bits clear), prefix length. An address is a /32 or /128. */
export interface IpBlock {
  v: 4 | 6;
  net: bigint;
  prefix: number;
}

/** The 128-bit value of IPv6 text already checked by `ipVersion` (a trailing dotted quad is two words). */
function v6Value(addr: string): bigint | undefined {
  let a = addr;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (quad) {
    const [x, y, z, w] = quad.slice(1).map(Number) as [number, number, number, number];
    a = `${a.slice(0, quad.index)}${((x << 8) | y).toString(16)}:${((z << 8) | w).toString(16)}`;
  }
  const parts = a.split('::');
  if (parts.length > 2) return undefined;
  const words = (s: string) => (s ? s.split(':') : []);
  const h = words(parts[0] ?? '');
  const t = words(parts[1] ?? '');
  const all = parts.length === 2 ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  if (all.length !== 8) return undefined;
  return all.reduce((n, w) => (n << 16n) | BigInt(Number.parseInt(w, 16)), 0n);
}

function block(v: 4 | 6, n: bigint, prefix: number): IpBlock {
  const bits = v === 4 ? 32 : 128;
  const mask = ((1n << BigInt(bits)) - 1n) ^ ((1n << BigInt(bits - prefix)) - 1n);
  return { v, net: n & mask, prefix };
}

/**
 * Parses `ADDR` or `ADDR/PREFIX` (IPv4 or IPv6; IPv4-mapped IPv6 of /96 or longer as IPv4; host bits
 * cleared, so `192.0.2.7/24` is `192.0.2.0/24`); undefined when it is neither. No zone id: a block
 * written in a setting or stored names no interface.
 */
export function parseBlock(text: string): IpBlock | undefined {
  const [addr = '', prefixText, ...rest] = text.trim().split('/');
  if (rest.length) return undefined;
  const v = ipVersion(addr);
  if (!v) return undefined;
  const max = v === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (prefix > max) return undefined;
  if (v === 4)
    return block(
      4,
      addr.split('.').reduce((x, o) => (x << 8n) | BigInt(Number(o)), 0n),
      prefix,
    );
  const n = v6Value(addr);
  if (n === undefined) return undefined;
  if (n >> 32n === 0xffffn && prefix >= 96) return block(4, n & 0xffffffffn, prefix - 96);
  return block(6, n, prefix);
}

/**
 * Why `text` is not an address or CIDR block as {@link parseBlock} reads it, for a setting's error
 * message; undefined when it is one.
 */
export function blockProblem(text: string): string | undefined {
  if (parseBlock(text)) return undefined;
  const [net = '', bits, extra] = text.trim().split('/');
  if (extra !== undefined) return 'it has more than one "/"';
  if (net.includes('%')) return 'a zone id (%eth0) names no address here: write the address without it';
  const v = ipVersion(net);
  if (!v) return `"${net}" is not an IP address (host names are not resolved)`;
  return `"/${bits}" is not a prefix length of ${v === 4 ? '0-32 for IPv4' : '0-128 for IPv6'}`;
}

/**
 * Parses one address as a socket or a proxy reports it: IPv4, IPv6 in any case and any of its
 * spellings, IPv4-mapped IPv6 (as IPv4), and an IPv6 zone id (`fe80::1%eth0`), which is dropped.
 */
export function parseAddress(text: string): IpBlock | undefined {
  const zone = /^([^%]*:[^%]*)%[\w.~-]+$/.exec(text);
  const b = parseBlock(zone ? zone[1]! : text);
  return b && b.prefix === (b.v === 4 ? 32 : 128) && !text.includes('/') ? b : undefined;
}

/** The text of an address value: dotted IPv4, or IPv6 as RFC 5952 writes it (lower case, longest zero run as `::`). */
function addressText(v: 4 | 6, n: bigint): string {
  if (v === 4) return [24n, 16n, 8n, 0n].map((s) => ((n >> s) & 255n).toString()).join('.');
  const w: number[] = [];
  for (let i = 7; i >= 0; i--) w.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  // The longest run of two or more zero words (the first of equal runs) becomes `::`.
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (ws: number[]) => ws.map((x) => x.toString(16)).join(':');
  if (best.at < 0) return hex(w);
  return `${hex(w.slice(0, best.at))}::${hex(w.slice(best.at + best.len))}`;
}

/** The canonical text of a block (`192.0.2.0/24`, `2001:db8::/32`). */
export function blockText(b: IpBlock): string {
  return `${addressText(b.v, b.net)}/${b.prefix}`;
}

/**
 * The one canonical text of an address: `::ffff:127.0.0.1` is `127.0.0.1`, `0:0:0:0:0:0:0:1` and
 * `::0001` are `::1`, `2001:DB8::A` is `2001:db8::a`, `fe80::1%eth0` is `fe80::1`. Undefined for
 * anything that is not one address.
 */
export function canonicalAddress(text: string): string | undefined {
  const b = parseAddress(text);
  return b && addressText(b.v, b.net);
}

/** True when `inner` lies inside `outer` (equal blocks included; IPv4 and IPv6 never overlap). */
export function within(inner: IpBlock, outer: IpBlock): boolean {
  if (inner.v !== outer.v || inner.prefix < outer.prefix) return false;
  const shift = BigInt((inner.v === 4 ? 32 : 128) - outer.prefix);
  return inner.net >> shift === outer.net >> shift;
}

/**
 * True when the address `addr` is the address `hint` or inside the block `hint` (`10.1.0.0/16`,
 * `2001:db8::/32`, `::ffff:10.0.0.0/104`), each in any spelling. Anything unreadable matches nothing.
 */
export function addressMatches(addr: string, hint: string): boolean {
  const a = parseAddress(addr);
  const h = parseBlock(hint);
  return a !== undefined && h !== undefined && within(a, h);
}

/** The prefix one IPv6 client is counted by: a subscriber or host is given a whole /64 (RFC 6177). */
export const IPV6_CLIENT_PREFIX = 64;

/**
 * What one client is counted by where addresses are counted (the sign-in delay): an IPv4 address as
 * itself, an IPv6 address as its /64 (`2001:db8:1:2::/64`) — whoever holds one address of a /64 can
 * use all 2^64, so a key per IPv6 address would give a guesser a fresh key on every try. Text that is
 * no address is its own key.
 */
export function clientKey(addr: string): string {
  const a = parseAddress(addr);
  if (!a) return addr;
  if (a.v === 4) return addressText(4, a.net);
  return blockText(block(6, a.net, IPV6_CLIENT_PREFIX));
}
