/** Who may see a renewal, against the in-memory ports: by role, by tenant, and a sender only once forwarded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal, Role } from '../../access/roles.js';
import { FakeStore } from '../ports/fakes.js';
import type { Renewal } from '../ports/renewals.js';
import { mayRead, visibleRenewals, visibleVsIds } from './view-access.js';

const AT = '2026-11-27T10:00:00.000Z';
const as = (role: Role, scopeId = ''): Principal => ({
  userId: `usr_${role}`,
  name: role,
  organisation: 'o',
  bindings: [{ role, scopeId }],
});

/** ren_1 covers vs_1 and vs_2 (acme, beta), ren_2 vs_3 (globex). */
function world() {
  const store = new FakeStore();
  for (const [id, vs] of [
    ['ren_1', 'vs_1'],
    ['ren_2', 'vs_3'],
  ] as const)
    store.renewals.rows.set(id, { id, virtualServerId: vs } as Renewal);
  store.renewals.extraVirtualServers = { ren_1: ['vs_2'] };
  store.inventory.tenantRows = [
    ['ten_acme', 'vs_1'],
    ['ten_beta', 'vs_2'],
    ['ten_globex', 'vs_3'],
  ].map(([id, vs]) => ({
    id: id!,
    name: id!,
    virtualServerId: vs!,
    operatingModel: 'provider-managed',
    customerOrganisation: id!,
    createdAt: AT,
  }));
  store.inventory.senderRows = [
    ['snd_payroll', 'ten_acme'],
    ['snd_ledger', 'ten_globex'],
  ].map(([id, tenantId]) => ({
    id: id!,
    tenantId: tenantId!,
    name: id!,
    contacts: [],
    truststoreKind: 'pem',
    sourceAddresses: [],
    clientCertSubject: null,
    createdAt: AT,
  }));
  return store;
}

const ids = async (store: FakeStore, p: Principal) => (await visibleRenewals(store, p)).map((r) => r.id);

test('lb-admins and auditors see every renewal and every virtual server', async () => {
  const store = world();
  for (const role of ['lb-admin', 'auditor'] as const) {
    assert.deepEqual(await ids(store, as(role)), ['ren_1', 'ren_2']);
    assert.equal(await visibleVsIds(store, as(role)), undefined);
  }
});

test("a tenant admin sees the renewals on its tenant's virtual servers, and only those servers", async () => {
  const store = world();
  assert.deepEqual(await ids(store, as('tenant-admin', 'ten_beta')), ['ren_1'], 'through the second VS');
  assert.deepEqual(await ids(store, as('tenant-admin', 'ten_globex')), ['ren_2']);
  assert.deepEqual([...(await visibleVsIds(store, as('tenant-admin', 'ten_beta')))!], ['vs_2']);
  assert.deepEqual(await ids(store, as('tenant-admin', 'ten_unknown')), []);
});

test('a sender admin sees a renewal only once its tenant forwarded it', async () => {
  const store = world();
  const sam = as('sender-admin', 'snd_payroll');
  assert.deepEqual([...(await visibleVsIds(store, sam))!], ['vs_1']);
  assert.deepEqual(await ids(store, sam), []);
  await store.renewals.addForwardings('ren_1', ['ten_acme'], AT);
  assert.equal(await mayRead(store, sam, 'ren_1', ['vs_1', 'vs_2']), false, 'not forwarded yet');
  await store.renewals.markForwarded('ren_1', ['ten_acme'], { actor: 'tara', message: null, at: AT });
  assert.deepEqual(await ids(store, sam), ['ren_1']);
  // Forwarded by its tenant, but asked about another renewal's virtual servers: no.
  assert.equal(await mayRead(store, sam, 'ren_1', ['vs_3']), false);
});
