/** Stored rows → the shapes the API returns. Secrets (hashes, sealed keys) never leave here. */
import type { Binding } from '../access/roles.js';
import type { Row } from '../store/store.js';

function list(json: string): string[] {
  return JSON.parse(json) as string[];
}

/** A load balancer with its nodes. */
export function lbView(r: Row<'load_balancers'>, nodes: Row<'lb_nodes'>[]) {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    nodes: nodes.map((n) => ({ id: n.id, name: n.name, address: n.address })),
    createdAt: r.created_at,
  };
}

/** A virtual server. */
export function vsView(r: Row<'virtual_servers'>) {
  return {
    id: r.id,
    name: r.name,
    lbId: r.lb_id,
    hosts: list(r.hosts),
    listen: r.listen,
    backends: list(r.backends),
    previewListen: r.preview_listen,
    activeCredentialId: r.active_credential_id,
    stagedCredentialId: r.staged_credential_id,
    activateAt: r.activate_at,
    createdAt: r.created_at,
  };
}

/** A tenant. */
export function tenantView(r: Row<'tenants'>) {
  return {
    id: r.id,
    name: r.name,
    virtualServerId: r.virtual_server_id,
    operatingModel: r.operating_model,
    customerOrganisation: r.customer_organisation,
    createdAt: r.created_at,
  };
}

/** A sender. */
export function senderView(r: Row<'senders'>) {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    contacts: list(r.contacts),
    truststoreKind: r.truststore_kind,
    sourceAddresses: list(r.source_addresses),
    clientCertSubject: r.client_cert_subject,
    createdAt: r.created_at,
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
