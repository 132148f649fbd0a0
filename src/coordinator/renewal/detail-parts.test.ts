/** The parts of a renewal's detail against the in-memory ports: nodes, the senders shown, the gate, counts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../../access/roles.js';
import { FakeStore } from '../ports/fakes.js';
import type { NodeExceptions } from '../ports/renewal-nodes.js';
import type { Renewal } from '../ports/renewals.js';
import { gateOf, nodesView, sendersShown, tenantsView } from './detail-parts.js';
import { readinessCounts } from './views.js';

const T = '2026-12-01T00:00:00.000Z';
const AFTER_T = Date.parse(T) + 60_000;

const exceptions = (outcome: NodeExceptions['outcome'], entries: number): NodeExceptions => ({
  sentAt: T,
  entries: Array.from({ length: entries }, (_, i) => ({ cidr: `10.0.0.${i}/32`, serve: 'old' as const })),
  autoUntil: null,
  outcome,
  detail: outcome === 'applied' ? null : `${outcome} on purpose`,
  auto: [],
});

/** Nodes n1 (two virtual servers) and n2 of renewal ren_1 at sequence 1. */
async function withNodes() {
  const store = new FakeStore();
  store.inventory.nodeRows = ['n1', 'n2'].map((id) => ({
    id,
    lbId: 'lb_1',
    name: `node ${id}`,
    address: '127.0.0.1',
    controlUrl: null,
    createdAt: T,
  }));
  await store.renewalNodes.arm('ren_1', 1, [
    { nodeId: 'n2', virtualServerId: 'vs_1' },
    { nodeId: 'n1', virtualServerId: 'vs_2' },
    { nodeId: 'n1', virtualServerId: 'vs_1' },
  ]);
  return store;
}

test('nodes: one entry per node over its virtual servers, verified only once all are, late after T, worst exceptions first', async () => {
  const store = await withNodes();
  const key = (nodeId: string, virtualServerId: string) => ({
    renewalId: 'ren_1',
    nodeId,
    virtualServerId,
    sequence: 1,
  });
  await store.renewalNodes.update(key('n1', 'vs_1'), {
    stagedAckAt: '2026-11-30T01:00:00.000Z',
    verifiedAt: '2026-12-01T00:01:00.000Z',
    exceptions: exceptions('applied', 2),
    tlsProfile: 'modern',
  });
  await store.renewalNodes.update(key('n1', 'vs_2'), {
    stagedAckAt: '2026-11-30T02:00:00.000Z',
    exceptions: exceptions('not-yet', 1),
  });
  await store.renewalNodes.update(key('n2', 'vs_1'), { lastError: 'connection refused' });
  const r = { id: 'ren_1', state: 'exchanged' as const, sequence: 1, exchangeAt: T };
  const nodes = await nodesView(store, r, 'exchanged', AFTER_T, false);
  assert.deepEqual(
    nodes.map((n) => [n.id, n.name, n.stagedAckAt, n.verifiedAt, n.late, n.tlsProfile]),
    [
      ['n1', 'node n1', '2026-11-30T02:00:00.000Z', null, true, 'modern'],
      ['n2', 'node n2', null, null, true, null],
    ],
  );
  assert.deepEqual(nodes[0]!.exceptions, {
    outcome: 'not-yet',
    detail: 'not-yet on purpose',
    sentAt: T,
    entries: 3,
    autoEntries: 0,
  });
  // A scoped caller gets the outcome and counts, not the detail (it may list others' addresses).
  const scoped = await nodesView(store, r, 'exchanged', AFTER_T, true);
  assert.deepEqual({ ...scoped[0]!.exceptions, detail: null }, { ...nodes[0]!.exceptions, detail: null });
  assert.notEqual(scoped[0]!.exceptions!.detail, nodes[0]!.exceptions!.detail);
  assert.equal(nodes[1]!.lastError, 'connection refused');
  assert.equal(nodes[1]!.exceptions, null);
  assert.equal('lastError' in nodes[0]!, false);
  // Before T nothing is late; exceptions sent for another announcement are not shown.
  const before = await nodesView(
    store,
    { ...r, state: 'staged', sequence: 2 },
    'staged',
    Date.parse(T) - 1,
    false,
  );
  assert.deepEqual(
    before.map((n) => [n.late, n.exceptions]),
    [
      [false, null],
      [false, null],
    ],
  );
});

/** Senders a, b (acme), c (globex) in ren_1; a verified, b pending, c notified. */
function withSenders() {
  const store = new FakeStore();
  store.renewals.rows.set('ren_1', { id: 'ren_1', virtualServerId: 'vs_1' } as Renewal);
  store.inventory.senderRows = [
    ['snd_a', 'ten_acme'],
    ['snd_b', 'ten_acme'],
    ['snd_c', 'ten_globex'],
  ].map(([id, tenantId]) => ({
    id: id!,
    tenantId: tenantId!,
    name: id!,
    contacts: [],
    truststoreKind: 'pem',
    sourceAddresses: [],
    clientCertSubject: null,
    createdAt: T,
  }));
  const states = { snd_a: 'verified', snd_b: 'pending', snd_c: 'notified' } as const;
  store.senderFacts.rows = Object.entries(states).map(([senderId, state]) => ({
    renewalId: 'ren_1',
    readinessId: `rdy_${senderId}`,
    senderId,
    name: senderId,
    tenantId: senderId === 'snd_c' ? 'ten_globex' : 'ten_acme',
    state,
    updatedAt: T,
    reason: null,
    failuresAfterT: 0,
    acknowledgedAt: null,
    proof: null,
    removal: null,
    traffic: null,
    grace: null,
    observed: null,
    sourceAddresses: [],
  }));
  store.readiness.rows = Object.entries(states).map(([senderId, state]) => ({
    id: `rdy_${senderId}`,
    renewalId: 'ren_1',
    senderId,
    tenantId: senderId === 'snd_c' ? 'ten_globex' : 'ten_acme',
    state,
    sourceAddresses: [],
    contacts: [],
    failuresAfterT: 0,
  }));
  return store;
}

test('the senders shown: everyone (first page) for those who see all, else the scope; the gate over them', async () => {
  const store = withSenders();
  const all = await sendersShown(store, 'ren_1', 'all');
  assert.deepEqual(
    all.map((s) => s.senderId),
    ['snd_a', 'snd_b', 'snd_c'],
  );
  const acme = await sendersShown(store, 'ren_1', { tenantIds: ['ten_acme'], senderIds: [] });
  assert.deepEqual(
    acme.map((s) => s.senderId),
    ['snd_a', 'snd_b'],
  );
  const policy = { gate: null, gateOverride: null, gatePolicy: 'block' as const, acceptObserved: false };
  const gate = gateOf(policy, all);
  assert.equal(gate.decision, 'blocked');
  assert.deepEqual(gate.notReady, ['snd_b', 'snd_c']);
  const recorded = { decision: 'go' as const, notReady: [], reason: 'recorded' };
  assert.deepEqual(gateOf({ ...policy, gate: recorded }, all), recorded, 'a recorded decision stands');
});

test('readiness counts: kept ones for those who see all, else counted; a scoped caller counts its own', async () => {
  const store = withSenders();
  const admin: Principal = {
    userId: 'u',
    name: 'a',
    organisation: 'o',
    bindings: [{ role: 'lb-admin', scopeId: '' }],
  };
  const tara: Principal = { ...admin, bindings: [{ role: 'tenant-admin', scopeId: 'ten_globex' }] };
  assert.equal((await readinessCounts(store, 'ren_1', admin)).verified, 1);
  assert.equal((await readinessCounts(store, 'ren_1', admin)).pending, 1);
  store.readinessCounts.keptRows.ren_1 = { ...(await store.readinessCounts.count('ren_1')), verified: 7 };
  assert.equal((await readinessCounts(store, 'ren_1')).verified, 7, 'the kept counts');
  const mine = await readinessCounts(store, 'ren_1', tara);
  assert.equal(mine.notified, 1);
  assert.equal(mine.verified, 0);
});

test('tenants with their forwarding: only a forwarded one says when and by whom', () => {
  const tenants = ['ten_a', 'ten_b', 'ten_c'].map((id) => ({
    id,
    name: id,
    virtualServerId: 'vs_1',
    operatingModel: 'provider-managed' as const,
    customerOrganisation: id,
    createdAt: T,
  }));
  const view = tenantsView(tenants, [
    { tenantId: 'ten_a', state: 'forwarded', actor: 'tara', updatedAt: T },
    { tenantId: 'ten_b', state: 'pending', actor: 'tom', updatedAt: T },
  ]);
  assert.deepEqual(
    view.map((t) => [t.id, t.forwarded, t.forwardedAt, t.forwardedBy]),
    [
      ['ten_a', true, T, 'tara'],
      ['ten_b', false, null, null],
      ['ten_c', false, null, null],
    ],
  );
});
