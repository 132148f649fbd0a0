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
