/**
 * Who may claim which source addresses for a sender. Attribution of handshakes (and, with the
 * per-sender exchange, the credential a client address is served) follows these ranges, so a tenant's
 * admins may not claim addresses another tenant's senders hold, nor catch-all ranges: those overlaps
 * are the lb-admin's call.
 */
import { can } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import { fail } from '../shared/errors.js';
import { type IpBlock, parseBlock, within } from '../shared/ip.js';
import { forbidden } from './env.js';

/** The broadest range a non-lb-admin may claim: /8 for IPv4, /16 for IPv6. */
const MIN_PREFIX = { 4: 8, 6: 16 } as const;

/**
 * A claim read as attribution and the grace table read it (src/shared/ip.ts): IPv4-mapped IPv6 is
 * IPv4, so `::ffff:0:0/96` is `0.0.0.0/0` and `::ffff:192.0.2.0/120` is `192.0.2.0/24`.
 */
function block(range: string): IpBlock {
  return parseBlock(range) ?? fail('BAD_ARGUMENT', `"${range}" is not an IP address or CIDR range`);
}

/** True when two addresses or CIDR ranges share any address (IPv4 and IPv6 ranges never do). */
export function rangesOverlap(a: string, b: string): boolean {
  const x = parseBlock(a);
  const y = parseBlock(b);
  return x !== undefined && y !== undefined && (within(x, y) || within(y, x));
}

/**
 * Refuses (FORBIDDEN) a claim by anyone but the lb-admin of a range broader than /8 (IPv4) or /16
 * (IPv6), or of a range that overlaps a sender of another tenant. Names no other tenant or sender.
 */
export function assertAddressClaims(
  p: Principal,
  tenantId: string,
  claims: readonly string[],
  others: ReadonlyArray<{ tenantId: string; ranges: readonly string[] }>,
): void {
  if (claims.length === 0 || can(p, 'update', { kind: 'lb' })) return;
  for (const c of claims) {
    const r = block(c);
    if (r.prefix < MIN_PREFIX[r.v]) {
      forbidden(`claim ${c} as a source address (a range this broad needs the lb-admin)`);
    }
    if (others.some((o) => o.tenantId !== tenantId && o.ranges.some((x) => rangesOverlap(c, x)))) {
      forbidden(
        `claim ${c} as a source address: it overlaps the addresses of a sender in another tenant (overlaps across tenants need the lb-admin)`,
      );
    }
  }
}
