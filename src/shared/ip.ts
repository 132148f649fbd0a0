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

/** An IPv4 address as an unsigned 32-bit number. */
function ipv4Number(s: string): number {
  return s.split('.').reduce((x, o) => (x << 8) + Number(o), 0) >>> 0;
}

/**
 * True when `addr` is the address `hint`, or inside the IPv4 CIDR block `hint` (`10.1.0.0/16`). An
 * IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) counts as its IPv4 address.
 */
export function addressMatches(addr: string, hint: string): boolean {
  const a = addr.replace(/^::ffff:/, '');
  const [net, bitsText] = hint.split('/');
  if (bitsText === undefined) return a === net;
  if (ipVersion(a) !== 4 || ipVersion(net!) !== 4) return false;
  const bits = Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4Number(a) & mask) >>> 0 === (ipv4Number(net!) & mask) >>> 0;
}
