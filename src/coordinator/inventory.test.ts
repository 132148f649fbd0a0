/** The inventory use cases against the in-memory ports: scope, address claims, units of work, audit. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../access/roles.js';
import type { EnvWith } from './env.js';
import {
  addLb,
  addSender,
  addTenant,
  addVs,
  importSenders,
  removeTenant,
  updateSender,
} from './inventory.js';
import { FakeStore } from './ports/fakes.js';
import { FailureLimiter } from './rate-limit.js';

const clock = { now: () => Date.parse('2026-11-27T10:00:00.000Z') };
const admin: Principal = {
  userId: 'usr_1',
  name: 'admin',
  organisation: 'provider',
  bindings: [{ role: 'lb-admin', scopeId: '' }],
};

/** A load balancer, a virtual server, and tenants acme and globex, each with one sender. */
async function world() {
  const store = new FakeStore();
  const env: EnvWith<'inventory' | 'people' | 'audit'> = {
    store,
    clock,
    provider: 'provider',
    signInLimiter: new FailureLimiter(clock),
    trustedProxies: [],
    publicUrl: 'https://rollover.test',
  };
  await addLb(env, admin, { name: 'edge', kind: 'builtin', nodes: [{ name: 'n1', address: '127.0.0.1' }] });
  await addVs(env, admin, {
    name: 'www',
    lb: 'edge',
    hosts: ['www.test'],
    listen: '127.0.0.1:443',
    backends: [],
  });
  const acme = await addTenant(env, admin, {
    name: 'acme',
    virtualServer: 'www',
    operatingModel: 'customer-managed',
    customerOrganisation: 'Acme',
  });
  const globex = await addTenant(env, admin, {
    name: 'globex',
    virtualServer: 'www',
    operatingModel: 'customer-managed',
    customerOrganisation: 'Globex',
  });
  const billing = await addSender(env, admin, {
    tenant: 'acme',
    name: 'billing',
    contacts: ['b@acme.test'],
    truststoreKind: 'pem',
    sourceAddresses: ['198.51.100.0/24'],
  });
  await addSender(env, admin, {
    tenant: 'globex',
    name: 'erp',
    contacts: [],
    truststoreKind: 'jks',
    sourceAddresses: ['203.0.113.7'],
  });
  const tenantAdmin: Principal = {
    userId: 'usr_2',
    name: 'ta',
    organisation: 'Acme',
    bindings: [{ role: 'tenant-admin', scopeId: acme.id }],
  };
  return { store, env, acme, globex, billing, tenantAdmin };
}

const sender = (name: string, sourceAddresses: string[] = []) => ({
  name,
  contacts: [],
  truststoreKind: 'pem',
  sourceAddresses,
});

test('an import is all or nothing: a row claiming another tenant’s addresses writes no sender and no audit event', async () => {
  const { store, env, acme, tenantAdmin } = await world();
  const events = store.audit.rows.length;
  await assert.rejects(
    importSenders(env, tenantAdmin, {
      tenant: 'acme',
      senders: [sender('crm'), sender('shop', ['203.0.113.0/28'])],
    }),
    { code: 'FORBIDDEN' },
  );
  assert.deepEqual(
    (await store.inventory.senders(acme.id)).map((s) => s.name),
    ['billing'],
  );
  assert.equal(store.audit.rows.length, events);
  const ok = await importSenders(env, tenantAdmin, {
    tenant: 'acme',
    senders: [sender('crm'), sender('shop')],
  });
  assert.equal(ok.imported, 2);
  assert.deepEqual(JSON.parse(store.audit.rows.at(-1)!.change), { count: 2, names: ['crm', 'shop'] });
});

test('an import names every conflicting row (repeated in the batch, or already in the tenant) and writes nothing', async () => {
  const { store, env, acme, tenantAdmin } = await world();
  await assert.rejects(
    importSenders(env, tenantAdmin, {
      tenant: 'acme',
      senders: [sender('crm'), sender('crm'), sender('billing')],
    }),
    (e: { code: string; details: { problems: unknown } }) => {
      assert.equal(e.code, 'NAME_TAKEN');
      assert.deepEqual(e.details.problems, [
        { row: 2, message: 'sender "crm" repeats row 1' },
        { row: 3, message: 'sender "billing" already exists in acme' },
      ]);
      return true;
    },
  );
  assert.equal((await store.inventory.senders(acme.id)).length, 1);
});

test('removing a tenant removes its senders and the role bindings on them and on it, in one audit event', async () => {
  const { store, env, acme, globex, billing } = await world();
  store.people.rows = [
    { userId: 'usr_2', email: null, role: 'tenant-admin', scopeId: acme.id },
    { userId: 'usr_3', email: null, role: 'sender-admin', scopeId: billing.id },
    { userId: 'usr_4', email: null, role: 'tenant-admin', scopeId: globex.id },
  ];
  await removeTenant(env, admin, 'acme');
  assert.equal(await store.inventory.tenantByRef('acme'), undefined);
  assert.equal(await store.inventory.sender(billing.id), undefined);
  assert.deepEqual(
    store.people.rows.map((r) => r.userId),
    ['usr_4'],
  );
  const last = store.audit.rows.at(-1)!;
  assert.equal(last.action, 'tenant.remove');
  assert.deepEqual(JSON.parse(last.change), { name: 'acme', senders: 1 });
  assert.equal((await store.audit.verify()).ok, true);
});

test('a change is written with its audit event or not at all', async () => {
  const { store, env, billing, tenantAdmin } = await world();
  const events = store.audit.rows.length;
  assert.deepEqual(await updateSender(env, tenantAdmin, billing.id, {}), billing, 'nothing to change');
  assert.equal(store.audit.rows.length, events, 'and nothing recorded');
  store.audit.append = async () => {
    throw new Error('the audit log is unavailable');
  };
  await assert.rejects(updateSender(env, tenantAdmin, billing.id, { contacts: ['new@acme.test'] }), {
    message: 'the audit log is unavailable',
  });
  assert.deepEqual((await store.inventory.sender(billing.id))?.contacts, ['b@acme.test'], 'rolled back');
});

test('a tenant admin may not see another tenant, nor claim a catch-all range', async () => {
  const { env, tenantAdmin } = await world();
  await assert.rejects(addSender(env, tenantAdmin, { tenant: 'globex', ...sender('x') }), {
    code: 'NOT_FOUND',
  });
  await assert.rejects(addSender(env, tenantAdmin, { tenant: 'acme', ...sender('x', ['10.0.0.0/7']) }), {
    code: 'FORBIDDEN',
  });
});
