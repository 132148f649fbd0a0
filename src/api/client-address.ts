/**
 * The client address of an API request. Behind a reverse proxy every request comes from the proxy, so
 * sign-in throttling per address would throttle everybody at once; the proxy names the client in
 * X-Forwarded-For. That header is believed only from a configured proxy: anyone else could write any
 * address there (and escape the per-address delay by changing it on every try).
 */
import { fail } from '../shared/errors.js';
import { addressMatches, ipVersion } from '../shared/ip.js';

/** Reads ROLLOVER_TRUSTED_PROXIES (`ADDRESS` or `A.B.C.D/BITS`, comma-separated); refuses a bad entry. */
export function parseTrustedProxies(text: string | undefined): string[] {
  const list = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of list) {
    const [net, bits, extra] = entry.split('/');
    const ok =
      extra === undefined &&
      (bits === undefined
        ? ipVersion(net!) !== 0
        : ipVersion(net!) === 4 && /^\d{1,2}$/.test(bits) && Number(bits) <= 32);
    if (!ok) {
      fail(
        'BAD_ARGUMENT',
        `ROLLOVER_TRUSTED_PROXIES: "${entry}" is neither an IP address nor an IPv4 CIDR block (10.0.0.0/8)`,
      );
    }
  }
  return list;
}

/**
 * The client behind a request from `peer`: `peer` itself unless it is a trusted proxy; then the
 * right-most X-Forwarded-For hop that is not a trusted proxy (hops further left were written by the
 * client and are not believed). A malformed hop where the client should be gives the peer.
 */
export function clientAddressOf(
  peer: string,
  forwardedFor: string | undefined,
  trusted: readonly string[],
): string {
  const isTrusted = (a: string) => trusted.some((t) => addressMatches(a, t));
  if (!forwardedFor || trusted.length === 0 || !isTrusted(peer)) return peer;
  const hops = forwardedFor.split(',').map((h) => h.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (ipVersion(hop.replace(/^::ffff:/i, '')) === 0) return peer;
    if (!isTrusted(hop)) return hop;
  }
  return hops[0]!;
}
