/**
 * The renewal views' read port, one contract run against the in-memory fake and the store on SQLite
 * and PostgreSQL: who may see a renewal, the page of senders with their readiness, the tenants and
 * their forwardings, the steps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FakeStore } from '../../src/coordinator/ports/fakes.js';
import type { RenewalViews } from '../../src/coordinator/ports/renewal-views.js';
import type { Renewal } from '../../src/coordinator/ports/renewals.js';
import type { ReadinessState } from '../../src/renewal/readiness.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { Store } from '../../src/store/store.js';
import { BACKENDS } from './stores.js';

const T0 = '2026-11-27T10:00:00.000Z';
const T1 = '2026-11-27T11:00:00.000Z';
const T2 = '2026-11-27T12:00:00.000Z';

/** ren_1 covers vs_1 and vs_2, ren_2 covers vs_3; ten_4 is on no virtual server. */
const RENEWALS = [
  { id: 'ren_1', vs: 'vs_1', extra: ['vs_2'] },
  { id: 'ren_2', vs: 'vs_3', extra: [] },
];
const TENANTS = [
  { id: 'ten_1', vs: 'vs_1' },
  { id: 'ten_2', vs: 'vs_2' },
  { id: 'ten_3', vs: 'vs_3' },
  { id: 'ten_4', vs: null },
];
const SENDERS = [
  { id: 'snd_a', tenant: 'ten_1', hints: ['192.0.2.1'] },
  { id: 'snd_b', tenant: 'ten_1', hints: [] },
  { id: 'snd_c', tenant: 'ten_2', hints: ['10.0.0.0/8'] },
  { id: 'snd_d', tenant: 'ten_3', hints: [] },
];
/** ren_1's readiness (snd_d is not part of it). */
const READINESS: Array<{
  sender: string;
  state: ReadinessState;
  reason: string | null;
  failures: number;
  proof: string | null;
}> = [
  {
    sender: 'snd_a',
    state: 'failing',
    reason: 'handshake failed',
    failures: 3,
    proof: JSON.stringify({ ok: false, at: T1, afterStaging: true }),
  },
  { sender: 'snd_b', state: 'pending', reason: null, failures: 0, proof: null },
  { sender: 'snd_c', state: 'verified', reason: null, failures: 0, proof: null },
];
const FORWARDINGS = [
  { tenant: 'ten_1', state: 'forwarded', actor: 'tara', at: T1 },
  { tenant: 'ten_2', state: 'announced', actor: null, at: T0 },
];
/** Steps; two at T1, ordered by id. */
const STEPS = [
  { id: 'stp_3', kind: 'postpone', at: T2, evidence: { exchangeAt: T2 } },
  { id: 'stp_1', kind: 'plan', at: T0, evidence: { virtualServers: ['vs_1', 'vs_2'] } },
  { id: 'stp_2b', kind: 'evidence', at: T1, evidence: { sender: 'snd_a', ok: false } },
  { id: 'stp_2a', kind: 'announce', at: T1, evidence: {} },
];

async function inMemory(): Promise<{ views: RenewalViews; close(): Promise<void> }> {
  const store = new FakeStore();
  for (const r of RENEWALS) {
    store.renewals.rows.set(r.id, { id: r.id, virtualServerId: r.vs } as Renewal);
    await store.renewals.addVirtualServers(r.id, r.extra);
  }
  store.inventory.tenantRows = TENANTS.map((t) => ({
    id: t.id,
    name: `${t.id} name`,
    virtualServerId: t.vs,
    operatingModel: 'customer-managed',
    customerOrganisation: 'Acme',
    createdAt: T0,
  }));
  store.inventory.senderRows = SENDERS.map((s) => ({
    id: s.id,
    tenantId: s.tenant,
    name: `${s.id} name`,
    contacts: [],
    truststoreKind: 'pem',
    sourceAddresses: s.hints,
    clientCertSubject: null,
    createdAt: T0,
  }));
  store.senderFacts.rows = READINESS.map((r) => {
    const s = SENDERS.find((x) => x.id === r.sender)!;
    return {
      renewalId: 'ren_1',
      readinessId: `rdy_${r.sender}`,
      senderId: r.sender,
      name: `${r.sender} name`,
      tenantId: s.tenant,
      state: r.state,
      updatedAt: T1,
      reason: r.reason,
      failuresAfterT: r.failures,
      acknowledgedAt: null,
      proof: r.proof && JSON.parse(r.proof),
      removal: null,
      traffic: null,
      grace: null,
      observed: null,
      sourceAddresses: s.hints,
    };
  });
  store.renewals.forwardings.push(
    ...FORWARDINGS.map((f) => ({
      renewalId: 'ren_1',
      tenantId: f.tenant,
      state: f.state as 'announced' | 'forwarded',
      actor: f.actor,
      message: null,
      updatedAt: f.at,
    })),
  );
  store.renewalViews.stepRows = STEPS.map((s) => ({
    id: s.id,
    renewalId: 'ren_1',
    kind: s.kind,
    role: 'lb-admin',
    actor: 'admin',
    at: s.at,
    evidence: s.evidence,
  }));
  return { views: store.renewalViews, close: async () => undefined };
}

async function onStore(config: Parameters<typeof Store.open>[0]) {
  const store = await Store.open(config, generateMasterKey());
  await store.insert('load_balancers', { id: 'lb_1', name: 'edge', kind: 'builtin', created_at: T0 });
  for (const vs of ['vs_1', 'vs_2', 'vs_3'])
    await store.insert('virtual_servers', {
      id: vs,
      lb_id: 'lb_1',
      name: vs,
      hosts: '["www.test"]',
      listen: '127.0.0.1:443',
      backends: '[]',
      active_credential_id: null,
      staged_credential_id: null,
      activate_at: null,
      preview_listen: null,
      created_at: T0,
    });
  for (const r of RENEWALS) {
    await store.insert('renewals', {
      id: r.id,
      virtual_server_id: r.vs,
      old_credential_id: null,
      new_credential_id: null,
      old_root_fingerprint: null,
      new_root_fingerprint: null,
      exchange_at: T2,
      rollback_window_seconds: 3600,
      gate_policy: 'block',
      state: 'announced',
      created_at: T0,
      updated_at: T0,
    });
    // A second virtual server of a renewal is planted as stored (the plan writes it).
    await store.renewals.addVirtualServers(r.id, r.extra);
  }
  for (const t of TENANTS)
    await store.insert('tenants', {
      id: t.id,
      name: `${t.id} name`,
      virtual_server_id: t.vs,
      operating_model: 'customer-managed',
      customer_organisation: 'Acme',
      created_at: T0,
    });
  for (const s of SENDERS)
    await store.insert('senders', {
      id: s.id,
      tenant_id: s.tenant,
      name: `${s.id} name`,
      contacts: '[]',
      truststore_kind: 'pem',
      source_addresses: JSON.stringify(s.hints),
      client_cert_subject: null,
      created_at: T0,
    });
  for (const r of READINESS)
    await store.insert('readiness', {
      id: `rdy_${r.sender}`,
      renewal_id: 'ren_1',
      sender_id: r.sender,
      state: r.state,
      evidence: '{}',
      updated_at: T1,
      reason: r.reason,
      failures_after_t: r.failures,
      proof: r.proof,
    });
  for (const f of FORWARDINGS)
    await store.insert('forwardings', {
      id: `fwd_${f.tenant}`,
      renewal_id: 'ren_1',
      tenant_id: f.tenant,
      state: f.state,
      actor: f.actor,
      updated_at: f.at,
      message: null,
    });
  for (const s of STEPS)
    await store.insert('steps', {
      id: s.id,
      renewal_id: 'ren_1',
      kind: s.kind,
      role: 'lb-admin',
      actor: 'admin',
      at: s.at,
      evidence: JSON.stringify(s.evidence),
    });
  return { views: store.renewalViews, close: () => store.close() };
}

const IMPLEMENTATIONS = [
  { name: 'the in-memory fake', open: inMemory },
  ...BACKENDS.map((b) => ({ name: `the store on ${b.name}`, open: () => onStore(b.config()) })),
];

for (const impl of IMPLEMENTATIONS) {
  describe(`the renewal views' reads: ${impl.name}`, () => {
    test('renewals with their virtual servers; the virtual servers of a scope; tenants on virtual servers', async () => {
      const { views, close } = await impl.open();
      try {
        assert.deepEqual(await views.scopes(), [
          { id: 'ren_1', virtualServerIds: ['vs_1', 'vs_2'] },
          { id: 'ren_2', virtualServerIds: ['vs_3'] },
        ]);
        const vss = await views.virtualServersOf({ tenantIds: ['ten_1'], senderIds: ['snd_d', 'snd_a'] });
        assert.deepEqual([...vss].sort(), ['vs_1', 'vs_3'], 'no duplicates');
        assert.deepEqual(await views.virtualServersOf({ tenantIds: ['ten_4'], senderIds: [] }), []);
        assert.deepEqual(await views.virtualServersOf({ tenantIds: [], senderIds: [] }), []);
        const on = await views.tenantsOn(['vs_2', 'vs_1']);
        assert.deepEqual(on, [
          {
            id: 'ten_1',
            name: 'ten_1 name',
            virtualServerId: 'vs_1',
            operatingModel: 'customer-managed',
            customerOrganisation: 'Acme',
            createdAt: T0,
          },
          { ...on[0]!, id: 'ten_2', name: 'ten_2 name', virtualServerId: 'vs_2' },
        ]);
        const ids = async (vs: string[], opts?: { only?: string[]; limit?: number }) =>
          (await views.tenantsOn(vs, opts)).map((t) => t.id);
        assert.deepEqual(await ids(['vs_1', 'vs_2'], { only: ['ten_3', 'ten_2'] }), ['ten_2']);
        assert.deepEqual(await ids(['vs_1', 'vs_2'], { only: [] }), []);
        assert.deepEqual(await ids(['vs_1', 'vs_2'], { limit: 1 }), ['ten_1']);
        assert.deepEqual(await ids([]), []);
      } finally {
        await close();
      }
    });

    test('senders count for a renewal only once their tenant forwarded it, on its virtual servers', async () => {
      const { views, close } = await impl.open();
      try {
        assert.deepEqual(
          await views.forwardedSenders('ren_1', ['vs_1', 'vs_2'], ['snd_d', 'snd_c', 'snd_b', 'snd_a']),
          ['snd_a', 'snd_b'],
        );
        assert.deepEqual(await views.forwardedSenders('ren_1', ['vs_2'], ['snd_a']), [], 'another VS');
        assert.deepEqual(await views.forwardedSenders('ren_2', ['vs_1'], ['snd_a']), [], 'another renewal');
        assert.deepEqual(await views.forwardedSenders('ren_1', ['vs_1'], []), []);
        assert.deepEqual(await views.forwardings('ren_1', ['ten_3', 'ten_2', 'ten_1']), [
          { tenantId: 'ten_1', state: 'forwarded', actor: 'tara', updatedAt: T1 },
          { tenantId: 'ten_2', state: 'announced', actor: null, updatedAt: T0 },
        ]);
        assert.deepEqual(await views.forwardings('ren_1', []), []);
        assert.deepEqual(await views.forwardings('ren_2', ['ten_1']), []);
      } finally {
        await close();
      }
    });

    test('a page of senders with readiness: by id, the first of the scope, a sender outside the renewal takes a place', async () => {
      const { views, close } = await impl.open();
      try {
        assert.deepEqual(await views.firstSenderIds('ren_1', 2), ['snd_a', 'snd_b']);
        assert.deepEqual(await views.firstSenderIds('ren_2', 2), []);
        const page = await views.senderReadiness('ren_1', { tenantIds: ['ten_1'], senderIds: ['snd_c'] }, 10);
        assert.deepEqual(
          page.map((s) => s.senderId),
          ['snd_a', 'snd_b', 'snd_c'],
        );
        assert.deepEqual(page[0], {
          readinessId: 'rdy_snd_a',
          senderId: 'snd_a',
          name: 'snd_a name',
          tenantId: 'ten_1',
          state: 'failing',
          updatedAt: T1,
          reason: 'handshake failed',
          failuresAfterT: 3,
          acknowledgedAt: null,
          proof: { ok: false, at: T1, afterStaging: true },
          removal: null,
          traffic: null,
          grace: null,
          observed: null,
          sourceAddresses: ['192.0.2.1'],
        });
        const ids = async (scope: { tenantIds: string[]; senderIds: string[] }, limit: number) =>
          (await views.senderReadiness('ren_1', scope, limit)).map((s) => s.senderId);
        assert.deepEqual(await ids({ tenantIds: ['ten_1', 'ten_2'], senderIds: [] }, 2), ['snd_a', 'snd_b']);
        assert.deepEqual(await ids({ tenantIds: ['ten_3'], senderIds: ['snd_c'] }, 5), ['snd_c']);
        assert.deepEqual(await ids({ tenantIds: [], senderIds: ['snd_0', 'snd_a'] }, 1), []);
        assert.deepEqual(await ids({ tenantIds: [], senderIds: [] }, 5), []);
      } finally {
        await close();
      }
    });

    test('steps oldest first (same instant: by id), evidence parsed; the latest of some kinds', async () => {
      const { views, close } = await impl.open();
      try {
        const steps = await views.steps('ren_1');
        assert.deepEqual(
          steps.map((s) => s.kind),
          ['plan', 'announce', 'evidence', 'postpone'],
        );
        assert.deepEqual(steps[0], {
          kind: 'plan',
          role: 'lb-admin',
          actor: 'admin',
          at: T0,
          evidence: { virtualServers: ['vs_1', 'vs_2'] },
        });
        assert.deepEqual(await views.steps('ren_2'), []);
        assert.equal(await views.lastStepAt('ren_1', ['announce', 'postpone']), T2);
        assert.equal(await views.lastStepAt('ren_1', ['announce', 'plan']), T1);
        assert.equal(await views.lastStepAt('ren_1', ['remind']), undefined);
        assert.equal(await views.lastStepAt('ren_1', []), undefined);
      } finally {
        await close();
      }
    });
  });
}
