/**
 * Who may claim which source addresses for a sender. Attribution of handshakes (and, with the
 * per-sender exchange, the credential a client address is served) follows these ranges, so a tenant's
 * admins may not claim addresses another tenant's senders hold, nor catch-all ranges: those overlaps
 * are the lb-admin's call.
 */
import { BlockList, isIP } from 'node:net';
import { can } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import { forbidden } from './env.js';

/** The broadest range a non-lb-admin may claim: /8 for IPv4, /16 for IPv6. */
const MIN_PREFIX = { 4: 8, 6: 16 } as const;

function parse(range: string): { ip: string; bits: number; type: 'ipv4' | 'ipv6' } {
  const [ip = '', bitsText] = range.split('/');
  const v = isIP(ip) === 6 ? 6 : 4;
  return {
    ip,
    bits: bitsText === undefined ? (v === 4 ? 32 : 128) : Number(bitsText),
    type: v === 4 ? 'ipv4' : 'ipv6',
  };
}

/** True when two addresses or CIDR ranges share any address. */
export function rangesOverlap(a: string, b: string): boolean {
  const x = parse(a);
  const y = parse(b);
  if (x.type !== y.type) return false;
  // Two ranges overlap exactly when the broader one holds an address of the narrower one.
  const [wide, narrow] = x.bits <= y.bits ? [x, y] : [y, x];
  const list = new BlockList();
  list.addSubnet(wide.ip, wide.bits, wide.type);
  return list.check(narrow.ip, narrow.type);
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
    const r = parse(c);
    if (r.bits < MIN_PREFIX[r.type === 'ipv4' ? 4 : 6]) {
      forbidden(`claim ${c} as a source address (a range this broad needs the lb-admin)`);
    }
    if (others.some((o) => o.tenantId !== tenantId && o.ranges.some((x) => rangesOverlap(c, x)))) {
      forbidden(
        `claim ${c} as a source address: it overlaps the addresses of a sender in another tenant (overlaps across tenants need the lb-admin)`,
      );
    }
  }
}
