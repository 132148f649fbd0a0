/**
 * Who may see a renewal and which of its virtual servers: lb-admins and auditors see all; a tenant
 * admin sees the renewals on its tenants' virtual servers; a sender admin sees one once its tenant
 * forwarded it (step 3 reached it).
 */
import { can, senderScopes, tenantScopes } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import type { RenewalScope, RenewalViews } from '../ports/renewal-views.js';

/** The port these reads go through. */
export type ViewsPort = { renewalViews: RenewalViews };

/** True when the caller sees everything (lb-admin or auditor). */
export function seesAll(p: Principal): boolean {
  return p.bindings.some((b) => (b.role === 'lb-admin' || b.role === 'auditor') && b.scopeId === '');
}

/** The caller's own tenants and senders. */
export function scopeOf(p: Principal) {
  return { tenantIds: tenantScopes(p), senderIds: senderScopes(p) };
}

/**
 * The virtual servers a scoped caller may see: those serving its tenants or its senders' tenants
 * (undefined for lb-admin and auditor, who see all).
 */
export async function visibleVsIds(store: ViewsPort, p: Principal): Promise<Set<string> | undefined> {
  if (seesAll(p)) return undefined;
  return new Set(await store.renewalViews.virtualServersOf(scopeOf(p)));
}

/**
 * Whether the caller may read a renewal on these virtual servers. A sender admin's senders count only
 * once their tenant admin forwarded the renewal (or the tenant forwards automatically): before that,
 * the renewal is not theirs to see.
 */
export async function mayRead(
  store: ViewsPort,
  p: Principal,
  renewalId: string,
  vsIds: readonly string[],
): Promise<boolean> {
  if (seesAll(p)) return true;
  const { tenantIds, senderIds } = scopeOf(p);
  const tenants = await store.renewalViews.tenantsOn(vsIds, { only: tenantIds });
  const senders = senderIds.length
    ? await store.renewalViews.forwardedSenders(renewalId, vsIds, senderIds)
    : [];
  return can(p, 'read', { kind: 'renewal', tenantIds: tenants.map((t) => t.id), senderIds: senders });
}

/** The renewals the caller may see, by id. */
export async function visibleRenewals(store: ViewsPort, p: Principal): Promise<RenewalScope[]> {
  const out = [];
  for (const r of await store.renewalViews.scopes())
    if (await mayRead(store, p, r.id, r.virtualServerIds)) out.push(r);
  return out;
}
