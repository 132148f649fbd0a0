/**
 * A small world for access tests, built through the API: two tenants of two customers (A: Acme,
 * B: Beta), one sender each, a renewal on each tenant's virtual server, and one user per role scoped
 * to A (the foreign scope is always B).
 */
import assert from 'node:assert/strict';
import type { TestCoordinator } from './api-kit.js';

/** The roles the matrix covers, plus the anonymous caller. */
export const CALLERS = [
  'admin',
  'auditor',
  'tenantAdmin',
  'integrationDev',
  'senderAdmin',
  'anonymous',
] as const;

/** A caller. */
export type Caller = (typeof CALLERS)[number];

/** Ids of everything in the world. */
export interface World {
  tokens: Record<Caller, string>;
  users: Record<Exclude<Caller, 'anonymous'>, string>;
  lb: string;
  vsA: string;
  vsB: string;
  tenantA: string;
  tenantB: string;
  senderA1: string;
  senderB1: string;
  renewalA: string;
  renewalB: string;
  /** A user and token of customer B, the foreign scope. */
  foreignUser: string;
  foreignTokenId: string;
}

async function ok(co: TestCoordinator, method: string, path: string, body?: unknown) {
  const r = await co.call(method, path, { body });
  assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${r.text}`);
  return r.body;
}

/** Builds the world. */
export async function buildWorld(co: TestCoordinator): Promise<World> {
  const lb = await ok(co, 'POST', '/api/v1/lbs', { name: 'edge', kind: 'builtin' });
  const vsA = await ok(co, 'POST', '/api/v1/virtual-servers', {
    name: 'vs-a',
    lb: lb.id,
    hosts: ['a.example.test'],
    listen: '0.0.0.0:443',
    backends: ['10.0.0.1:8080'],
  });
  const vsB = await ok(co, 'POST', '/api/v1/virtual-servers', {
    name: 'vs-b',
    lb: 'edge',
    hosts: ['b.example.test'],
    listen: '0.0.0.0:8443',
    backends: ['10.0.0.2:8080'],
  });
  const tenantA = await ok(co, 'POST', '/api/v1/tenants', {
    name: 'acme',
    virtualServer: vsA.id,
    operatingModel: 'customer-managed',
    customerOrganisation: 'Acme',
  });
  const tenantB = await ok(co, 'POST', '/api/v1/tenants', {
    name: 'beta',
    virtualServer: 'vs-b',
    operatingModel: 'customer-managed',
    customerOrganisation: 'Beta',
  });
  const sender = (tenant: string, name: string) =>
    ok(co, 'POST', '/api/v1/senders', {
      tenant,
      name,
      contacts: [`ops@${name}.test`],
      truststoreKind: 'jks',
      sourceAddresses: ['192.0.2.0/24'],
    });
  const senderA1 = await sender(tenantA.id, 'payroll-a1');
  const senderB1 = await sender(tenantB.id, 'billing-b1');
  const user = async (name: string, organisation: string, roles: unknown[]) => {
    const u = await ok(co, 'POST', '/api/v1/users', { name, organisation, roles });
    const t = await ok(co, 'POST', '/api/v1/tokens', { name: 'test', user: u.id, expiresIn: '1d' });
    return { id: u.id as string, token: t.token as string, tokenId: t.id as string };
  };
  const auditor = await user('audrey', 'Provider', [{ role: 'auditor' }]);
  const tenantAdmin = await user('tara', 'Acme', [{ role: 'tenant-admin', scope: tenantA.id }]);
  const integrationDev = await user('ivan', 'Acme', [{ role: 'integration-developer', scope: 'acme' }]);
  const senderAdmin = await user('sam', 'Acme Payroll', [{ role: 'sender-admin', scope: senderA1.id }]);
  const foreign = await user('bob', 'Beta', [{ role: 'tenant-admin', scope: tenantB.id }]);
  const me = await ok(co, 'GET', '/api/v1/me');
  const at = '2026-11-27T10:00:00.000Z';
  const renewal = async (id: string, vs: string) => {
    await co.store.insert('renewals', {
      id,
      virtual_server_id: vs,
      old_credential_id: null,
      new_credential_id: null,
      old_root_fingerprint: null,
      new_root_fingerprint: null,
      exchange_at: '2026-12-01T02:00:00.000Z',
      rollback_window_seconds: 86400,
      gate_policy: '{}',
      state: 'planned',
      created_at: at,
      updated_at: at,
    });
    return id;
  };
  return {
    tokens: {
      admin: co.adminToken,
      auditor: auditor.token,
      tenantAdmin: tenantAdmin.token,
      integrationDev: integrationDev.token,
      senderAdmin: senderAdmin.token,
      anonymous: '',
    },
    users: {
      admin: me.id,
      auditor: auditor.id,
      tenantAdmin: tenantAdmin.id,
      integrationDev: integrationDev.id,
      senderAdmin: senderAdmin.id,
    },
    lb: lb.id,
    vsA: vsA.id,
    vsB: vsB.id,
    tenantA: tenantA.id,
    tenantB: tenantB.id,
    senderA1: senderA1.id,
    senderB1: senderB1.id,
    renewalA: await renewal('ren_aaaaaaaaaaaaaaaa', vsA.id),
    renewalB: await renewal('ren_bbbbbbbbbbbbbbbb', vsB.id),
    foreignUser: foreign.id,
    foreignTokenId: foreign.tokenId,
  };
}
