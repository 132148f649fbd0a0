/**
 * The client address of an API request. Behind a reverse proxy every request comes from the proxy, so
 * sign-in throttling per address would throttle everybody at once; the proxy names the client in
 * X-Forwarded-For. That header is believed only from a configured proxy: anyone else could write any
 * address there (and escape the per-address delay by changing it on every try).
 */
import { fail } from '../shared/errors.js';
import { addressMatches, blockProblem, blockText, canonicalAddress, parseBlock } from '../shared/ip.js';

const FORMS =
  'an IPv4 or IPv6 address or CIDR block (10.0.0.5, 10.0.0.0/8, 2001:db8::/32, ::ffff:10.0.0.0/104)';

/**
 * Reads ROLLOVER_TRUSTED_PROXIES: addresses and CIDR blocks, IPv4 or IPv6 (IPv4-mapped included),
 * comma-separated. Each comes back in canonical form (`2001:DB8::7/32` is `2001:db8::/32`, a single
 * address a /32 or /128). A bad entry is BAD_ARGUMENT naming the entry and why.
 */
export function parseTrustedProxies(text: string | undefined): string[] {
  const list = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.map((entry) => {
    const b = parseBlock(entry);
    if (b) return blockText(b);
    return fail(
      'BAD_ARGUMENT',
      `ROLLOVER_TRUSTED_PROXIES: "${entry}" is not ${FORMS}: ${blockProblem(entry)}`,
    );
  });
}

/**
 * The client behind a request from `peer`, in canonical form (src/shared/ip.ts): `peer` itself unless
 * it is a trusted proxy; then the right-most X-Forwarded-For hop that is not a trusted proxy (hops
 * further left were written by the client and are not believed). A malformed hop where the client
 * should be gives the peer.
 */
export function clientAddressOf(
  peer: string,
  forwardedFor: string | undefined,
  trusted: readonly string[],
): string {
  const canonicalPeer = canonicalAddress(peer) ?? peer;
  const isTrusted = (a: string) => trusted.some((t) => addressMatches(a, t));
  if (!forwardedFor || trusted.length === 0 || !isTrusted(peer)) return canonicalPeer;
  const hops = forwardedFor.split(',').map((h) => canonicalAddress(h.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i];
    if (hop === undefined) return canonicalPeer;
    if (!isTrusted(hop)) return hop;
  }
  return hops[0]!;
}
