/** Stored rows → the shapes the API returns. Secrets (hashes, sealed keys) never leave here. */
import type { Binding } from '../access/roles.js';
import type { LbNode, LoadBalancer, Sender, Tenant, VirtualServer } from './ports/inventory.js';
import type { ApiToken, User } from './ports/people.js';

/** A load balancer with its nodes. */
export function lbView(lb: LoadBalancer, nodes: readonly LbNode[]) {
  return {
    id: lb.id,
    name: lb.name,
    kind: lb.kind,
    nodes: nodes.map((n) => ({ id: n.id, name: n.name, address: n.address })),
    createdAt: lb.createdAt,
  };
}

/** A virtual server. */
export function vsView(vs: VirtualServer) {
  return {
    id: vs.id,
    name: vs.name,
    lbId: vs.lbId,
    hosts: vs.hosts,
    listen: vs.listen,
    backends: vs.backends,
    previewListen: vs.previewListen,
    activeCredentialId: vs.activeCredentialId,
    stagedCredentialId: vs.stagedCredentialId,
    activateAt: vs.activateAt,
    createdAt: vs.createdAt,
  };
}

/** A tenant. */
export function tenantView(t: Tenant) {
  return {
    id: t.id,
    name: t.name,
    virtualServerId: t.virtualServerId,
    operatingModel: t.operatingModel,
    customerOrganisation: t.customerOrganisation,
    createdAt: t.createdAt,
  };
}

/** A sender. */
export function senderView(s: Sender) {
  return {
    id: s.id,
    tenantId: s.tenantId,
    name: s.name,
    contacts: s.contacts,
    truststoreKind: s.truststoreKind,
    sourceAddresses: s.sourceAddresses,
    clientCertSubject: s.clientCertSubject,
    createdAt: s.createdAt,
  };
}

/** A user with their roles (never the password hash). */
export function userView(u: User, bindings: readonly Binding[]) {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    organisation: u.organisation,
    roles: bindings.map((b) => ({ role: b.role, scope: b.scopeId || null })),
    createdAt: u.createdAt,
  };
}

/** An API token's metadata (never the secret or its hash). */
export function tokenView(t: ApiToken) {
  return {
    id: t.id,
    name: t.name,
    userId: t.userId,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    revokedAt: t.revokedAt,
  };
}
