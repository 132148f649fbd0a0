/** Stored rows → the shapes the API returns. Secrets (hashes, sealed keys) never leave here. */
import type { Binding } from '../access/roles.js';
import type { Row } from '../store/store.js';
import type { LbNode, LoadBalancer, Sender, Tenant, VirtualServer } from './ports/inventory.js';

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
export function userView(r: Row<'users'>, bindings: readonly Binding[]) {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    organisation: r.organisation,
    roles: bindings.map((b) => ({ role: b.role, scope: b.scopeId || null })),
    createdAt: r.created_at,
  };
}

/** An API token's metadata (never the secret or its hash). */
export function tokenView(r: Row<'api_tokens'>) {
  return {
    id: r.id,
    name: r.name,
    userId: r.user_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

/** A renewal's row as the read-only routes show it (without the workflow, see ./renewals.ts). */
export function renewalView(r: Row<'renewals'>) {
  return {
    id: r.id,
    virtualServerId: r.virtual_server_id,
    state: r.state,
    exchangeAt: r.exchange_at,
    rollbackWindowSeconds: Number(r.rollback_window_seconds),
    oldRootFingerprint: r.old_root_fingerprint,
    newRootFingerprint: r.new_root_fingerprint,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}
