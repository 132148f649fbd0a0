/**
 * The coordinator's persistence ports, one contract run against every implementation: the in-memory
 * fakes the use-case unit tests use, and the store on SQLite and on PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditLog } from '../../src/coordinator/ports/audit-log.js';
import type { ClientObservations } from '../../src/coordinator/ports/client-observations.js';
import type { CredentialRepo } from '../../src/coordinator/ports/credentials.js';
import { type FakeSenderRecord, FakeStore } from '../../src/coordinator/ports/fakes.js';
import type { GraceRepo } from '../../src/coordinator/ports/grace.js';
import type { InventoryRepo } from '../../src/coordinator/ports/inventory.js';
import type { JobQueue } from '../../src/coordinator/ports/job-queue.js';
import type { NodeReports } from '../../src/coordinator/ports/node-reports.js';
import type { Outbox } from '../../src/coordinator/ports/outbox.js';
import type { PeopleRepo } from '../../src/coordinator/ports/people.js';
import type { ReadinessRepo } from '../../src/coordinator/ports/readiness.js';
import type { ReadinessCounts } from '../../src/coordinator/ports/readiness-counts.js';
import type { RenewalNodes } from '../../src/coordinator/ports/renewal-nodes.js';
import type { Renewal, RenewalRepo } from '../../src/coordinator/ports/renewals.js';
import type { SecretBox } from '../../src/coordinator/ports/secrets.js';
import type { SenderFactsRepo } from '../../src/coordinator/ports/sender-facts.js';
import { NO_TRAFFIC } from '../../src/coordinator/ports/sender-facts.js';
import type { SenderLinks } from '../../src/coordinator/ports/sender-links.js';
import type { InstallationValues } from '../../src/coordinator/ports/settings.js';
import type { TenantSettingsRepo } from '../../src/coordinator/ports/tenant-settings.js';
import type { PortName, StoreWith } from '../../src/coordinator/ports/unit-of-work.js';
import type { ReadinessState } from '../../src/renewal/readiness.js';
import { isRolloverError } from '../../src/shared/errors.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { Store } from '../../src/store/store.js';
import { BACKENDS } from './stores.js';

const NOW = '2026-11-27T10:00:00.000Z';

/** A world of one renewal (ren_1, sequence 1) on two nodes, and three senders in two tenants. */
interface World {
  renewals: RenewalRepo;
  renewalNodes: RenewalNodes;
  readiness: ReadinessRepo;
  jobs: JobQueue;
  outbox: Outbox;
  senderLinks: SenderLinks;
  people: PeopleRepo;
  audit: AuditLog;
  inventory: InventoryRepo;
  credentials: CredentialRepo;
  nodeReports: NodeReports;
  secrets: SecretBox;
  readinessCounts: ReadinessCounts;
  installation: InstallationValues;
  tenantSettings: TenantSettingsRepo;
  /** The same ports with a unit of work over them. */
  unitOfWork: StoreWith<PortName>;
  clientObservations: ClientObservations;
  grace: GraceRepo;
  senderFacts: SenderFactsRepo;
  /** Records forwardings, reminders and snd_c's proof and traffic (for the senders' facts tests only). */
  seedSenderFacts(): Promise<void>;
  /** Moves a renewal to `state` (the workflow does it through the store's rows, not a port yet). */
  setRenewalState(id: string, state: Renewal['state']): Promise<void>;
  /** The notifications written, as (key, channel, state, body) by key (reading is not a port yet). */
  notifications(): Promise<Array<[string, string, string, unknown]>>;
  close(): Promise<void>;
}

const RENEWAL: Renewal = {
  id: 'ren_1',
  virtualServerId: 'vs_1',
  oldCredentialId: null,
  newCredentialId: 'cred_1',
  state: 'announced',
  sequence: 1,
  gatePolicy: 'block',
  acceptObserved: false,
  exchangeAt: '2026-12-01T00:00:00.000Z',
  exchangedAt: null,
  gateAt: '2026-11-30T00:00:00.000Z',
  postponeDeadline: '2026-11-29T00:00:00.000Z',
  safeRemovalAt: '2026-12-08T00:00:00.000Z',
  rollbackWindowSeconds: 3600,
  reminders: ['2026-11-28T00:00:00.000Z', '2026-11-30T00:00:00.000Z'],
  gate: null,
  gateOverride: { by: 'admin', reason: 'known risk', at: NOW },
  failuresBaseline: null,
  bridge: null,
  // Planned before grace existed (null columns): none.
  grace: { grace: 'off', graceUntil: null, early: 'off', autoGrace: false },
  oldRootSha256: null,
  newRootSha256: 'ab'.repeat(32),
  completion: null,
  createdAt: NOW,
  updatedAt: NOW,
};

/** Two nodes on one virtual server, armed for sequence 1; node_a recorded an error before. */
async function seedNodes(nodes: RenewalNodes): Promise<void> {
  await nodes.arm('ren_1', 0, [{ nodeId: 'node_x', virtualServerId: 'vs_1' }]);
  await nodes.arm('ren_1', 1, [
    { nodeId: 'node_b', virtualServerId: 'vs_1' },
    { nodeId: 'node_a', virtualServerId: 'vs_1' },
  ]);
  await nodes.update(
    { renewalId: 'ren_1', nodeId: 'node_a', virtualServerId: 'vs_1', sequence: 1 },
    { lastError: 'old' },
  );
}

/** Who holds which role: two tenant admins of ten_1 (one without mail), one of ten_2, one lb-admin. */
const BINDINGS = [
  { userId: 'usr_b', email: 'b@x.test', role: 'tenant-admin', scopeId: 'ten_1' },
  { userId: 'usr_a', email: null, role: 'tenant-admin', scopeId: 'ten_1' },
  { userId: 'usr_c', email: 'c@x.test', role: 'tenant-admin', scopeId: 'ten_2' },
  { userId: 'usr_d', email: 'd@x.test', role: 'lb-admin', scopeId: '' },
];

const SENDERS: Array<{
  id: string;
  tenant: string;
  state: ReadinessState;
  hints: string[];
  contacts: string[];
}> = [
  { id: 'snd_c', tenant: 'ten_2', state: 'verified', hints: ['10.0.0.0/8'], contacts: ['c@x.test'] },
  {
    id: 'snd_a',
    tenant: 'ten_1',
    state: 'notified',
    hints: ['192.0.2.1'],
    contacts: ['a@x.test', 'a2@x.test'],
  },
  { id: 'snd_b', tenant: 'ten_1', state: 'failing', hints: [], contacts: [] },
];

/** An audit event's facts. */
const facts = (action: string) => ({
  at: NOW,
  actor: 'admin',
  role: 'lb-admin',
  organisation: 'provider',
  action,
  targetKind: 'tenant',
  targetId: 'ten_1',
  change: JSON.stringify({ name: action }),
});

async function inMemory(): Promise<World> {
  const store = new FakeStore();
  store.renewals.rows.set(RENEWAL.id, structuredClone(RENEWAL));
  await seedNodes(store.renewalNodes);
  store.readiness.rows = SENDERS.map((s) => ({
    id: `rdy_${s.id}`,
    renewalId: 'ren_1',
    senderId: s.id,
    tenantId: s.tenant,
    state: s.state,
    sourceAddresses: s.hints,
    contacts: s.contacts,
    failuresAfterT: 0,
  }));
  store.people.rows = BINDINGS.map((b) => ({ ...b }));
  store.people.userRows = [...new Map(BINDINGS.map((b) => [b.userId, b])).values()].map((b) => ({
    id: b.userId,
    name: b.userId,
    email: b.email,
    organisation: 'o',
    passwordHash: null,
    createdAt: NOW,
  }));
  store.credentials.credentialRows = [
    { id: 'cred_1', name: 'new', chainPem: '', rootPem: '', fingerprint: 'f', notAfter: NOW, createdAt: NOW },
  ];
  const inv = store.inventory;
  inv.loadBalancerRows = [{ id: 'lb_1', name: 'edge', kind: 'builtin', createdAt: NOW }];
  inv.nodeRows = ['node_a', 'node_b', 'node_x'].map((id) => ({
    id,
    lbId: 'lb_1',
    name: id,
    address: '127.0.0.1',
    controlUrl: null,
    createdAt: NOW,
  }));
  inv.virtualServerRows = [
    {
      id: 'vs_1',
      lbId: 'lb_1',
      name: 'www',
      hosts: ['www.test'],
      listen: '127.0.0.1:443',
      backends: [],
      activeCredentialId: null,
      stagedCredentialId: null,
      activateAt: null,
      previewListen: null,
      createdAt: NOW,
    },
  ];
  inv.tenantRows = ['ten_1', 'ten_2'].map((id) => ({
    id,
    name: id,
    virtualServerId: 'vs_1',
    operatingModel: 'customer-managed',
    customerOrganisation: id,
    createdAt: NOW,
  }));
  inv.senderRows = SENDERS.map((s) => ({
    id: s.id,
    tenantId: s.tenant,
    name: s.id,
    contacts: s.contacts,
    truststoreKind: 'jks',
    sourceAddresses: s.hints,
    clientCertSubject: null,
    createdAt: NOW,
  }));
  store.grace.rows = SENDERS.map((s) => ({
    renewalId: 'ren_1',
    readinessId: `rdy_${s.id}`,
    senderId: s.id,
    name: s.id,
    tenantId: s.tenant,
    virtualServerId: 'vs_1',
    addresses: s.hints,
    grace: null,
  }));
  store.clientObservations.senderRows = SENDERS.map((s) => ({
    renewalId: 'ren_1',
    readinessId: `rdy_${s.id}`,
    senderId: s.id,
    sourceAddresses: s.hints,
    observed: null,
    proof: null,
  }));
  store.senderFacts.rows = senderRecords();
  return {
    ...ports(store),
    seedSenderFacts: async () => seedSenderFacts(store),
    setRenewalState: async (id, state) => {
      store.renewals.rows.get(id)!.state = state;
    },
    notifications: async () =>
      store.outbox.rows
        .map((r): [string, string, string, unknown] => [r.idempotencyKey, r.channel, r.state, r.body])
        .sort((a, b) => a[0].localeCompare(b[0])),
    close: async () => undefined,
  };
}

async function onStore(config: Parameters<typeof Store.open>[0]): Promise<World> {
  const store = await Store.open(config, generateMasterKey());
  await store.insert('load_balancers', { id: 'lb_1', name: 'edge', kind: 'builtin', created_at: NOW });
  for (const id of ['node_a', 'node_b', 'node_x'])
    await store.insert('lb_nodes', {
      id,
      lb_id: 'lb_1',
      name: id,
      address: '127.0.0.1',
      token_hash: null,
      created_at: NOW,
      control_url: null,
      control_token_sealed: null,
    });
  await store.insert('credentials', {
    id: 'cred_1',
    name: 'new',
    chain_pem: '',
    root_pem: '',
    key_sealed: '',
    fingerprint: 'f',
    not_after: NOW,
    created_at: NOW,
  });
  await store.insert('virtual_servers', {
    id: 'vs_1',
    lb_id: 'lb_1',
    name: 'www',
    hosts: '["www.test"]',
    listen: '127.0.0.1:443',
    backends: '[]',
    active_credential_id: null,
    staged_credential_id: null,
    activate_at: null,
    preview_listen: null,
    created_at: NOW,
  });
  const r = RENEWAL;
  await store.insert('renewals', {
    id: r.id,
    virtual_server_id: r.virtualServerId,
    old_credential_id: r.oldCredentialId,
    new_credential_id: r.newCredentialId,
    old_root_fingerprint: r.oldRootSha256 ?? null,
    new_root_fingerprint: r.newRootSha256 ?? null,
    exchange_at: r.exchangeAt,
    exchanged_at: r.exchangedAt,
    rollback_window_seconds: r.rollbackWindowSeconds,
    gate_policy: r.gatePolicy,
    state: r.state,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    gate_at: r.gateAt,
    postpone_deadline: r.postponeDeadline,
    safe_removal_at: r.safeRemovalAt,
    sequence: r.sequence,
    reminders: JSON.stringify(r.reminders),
    gate: null,
    gate_override: JSON.stringify(r.gateOverride),
    failures_baseline: null,
    readiness_counts: null,
  });
  for (const t of ['ten_1', 'ten_2'])
    await store.insert('tenants', {
      id: t,
      name: t,
      virtual_server_id: 'vs_1',
      operating_model: 'customer-managed',
      customer_organisation: t,
      created_at: NOW,
    });
  for (const s of SENDERS) {
    await store.insert('senders', {
      id: s.id,
      tenant_id: s.tenant,
      name: s.id,
      contacts: JSON.stringify(s.contacts),
      truststore_kind: 'jks',
      source_addresses: JSON.stringify(s.hints),
      client_cert_subject: null,
      created_at: NOW,
    });
    await store.insert('readiness', {
      id: `rdy_${s.id}`,
      renewal_id: 'ren_1',
      sender_id: s.id,
      state: s.state,
      evidence: '{}',
      updated_at: NOW,
      reason: null,
    });
  }
  await seedNodes(store.renewalNodes);
  for (const b of BINDINGS) {
    if (!(await store.get('users', b.userId)))
      await store.insert('users', {
        id: b.userId,
        name: b.userId,
        email: b.email,
        organisation: 'o',
        password_hash: null,
        created_at: NOW,
      });
    await store.people.bind(b.userId, b.role, b.scopeId);
  }
  return {
    ...ports(store),
    seedSenderFacts: () => seedSenderFactsOnStore(store),
    setRenewalState: async (id, state) => {
      await store.update('renewals', id, { state });
    },
    notifications: async () =>
      (await store.list('notifications'))
        .map((r): [string, string, string, unknown] => [
          r.idempotency_key!,
          r.channel,
          r.state,
          JSON.parse(r.body),
        ])
        .sort((a, b) => a[0].localeCompare(b[0])),
    close: () => store.close(),
  };
}

function ports(store: Store | FakeStore) {
  return {
    unitOfWork: store as StoreWith<PortName>,
    renewals: store.renewals,
    renewalNodes: store.renewalNodes,
    readiness: store.readiness,
    jobs: store.jobs,
    outbox: store.outbox,
    senderLinks: store.senderLinks,
    people: store.people,
    audit: store.audit,
    inventory: store.inventory,
    credentials: store.credentials,
    clientObservations: store.clientObservations,
    grace: store.grace,
    nodeReports: store.nodeReports,
    secrets: store.secrets,
    readinessCounts: store.readinessCounts,
    installation: store.installation,
    tenantSettings: store.tenantSettings,
    senderFacts: store.senderFacts,
  };
}

// ---- senders' facts: ten_1 forwarded at FORWARDED (ten_2 has not); snd_a reminded twice, snd_c
// before the window; snd_c's proof and traffic are recorded (its grace is the grace port's to write).

const FORWARDED = '2026-11-26T10:00:00.000Z';
const REMINDED = ['2026-11-27T09:40:00.000Z', '2026-11-27T09:50:00.000Z'];
const OLD_REMINDER = '2026-11-27T08:00:00.000Z';
const PROOF = { ok: true, at: NOW, afterStaging: true };
const TRAFFIC = { successesAfter: 2, lastServed: 'new' as const };

/** The fakes' senders' facts: the world's readiness rows. */
function senderRecords(): FakeSenderRecord[] {
  return SENDERS.map((s) => ({
    renewalId: 'ren_1',
    readinessId: `rdy_${s.id}`,
    senderId: s.id,
    name: s.id,
    tenantId: s.tenant,
    state: s.state,
    updatedAt: NOW,
    reason: null,
    failuresAfterT: 0,
    acknowledgedAt: null,
    proof: null,
    removal: null,
    traffic: null,
    grace: null,
    observed: null,
    sourceAddresses: [...s.hints],
  }));
}

function seedSenderFacts(store: FakeStore): void {
  const f = store.senderFacts;
  const c = f.rows.find((r) => r.senderId === 'snd_c')!;
  c.proof = { ...PROOF };
  // Written before every field was kept: the rest read as none.
  c.traffic = { ...NO_TRAFFIC, ...TRAFFIC };
  store.renewals.forwardings.push(
    {
      renewalId: 'ren_1',
      tenantId: 'ten_1',
      state: 'forwarded',
      actor: 'admin',
      message: null,
      updatedAt: FORWARDED,
    },
    { renewalId: 'ren_1', tenantId: 'ten_2', state: 'announced', actor: null, message: null, updatedAt: NOW },
  );
  const step = (id: string, at: string, sender: string, kind = 'remind') => ({
    id,
    renewalId: 'ren_1',
    kind,
    role: 'tenant-admin',
    actor: 'admin',
    at,
    evidence: { sender },
  });
  store.renewalViews.stepRows.push(
    step('stp_1', REMINDED[1]!, 'snd_a'),
    step('stp_2', REMINDED[0]!, 'snd_a'),
    step('stp_3', OLD_REMINDER, 'snd_c'),
    step('stp_4', NOW, 'snd_a', 'ack'),
  );
}

async function seedSenderFactsOnStore(store: Store): Promise<void> {
  await store.update('readiness', 'rdy_snd_c', {
    proof: JSON.stringify(PROOF),
    traffic: JSON.stringify(TRAFFIC),
  });
  await store.insert('forwardings', {
    renewal_id: 'ren_1',
    tenant_id: 'ten_1',
    state: 'forwarded',
    actor: 'admin',
    updated_at: FORWARDED,
    message: null,
  });
  await store.insert('forwardings', {
    renewal_id: 'ren_1',
    tenant_id: 'ten_2',
    state: 'pending',
    actor: null,
    updated_at: NOW,
    message: null,
  });
  const step = (at: string, sender: string, kind = 'remind') =>
    store.insert('steps', {
      renewal_id: 'ren_1',
      kind,
      role: 'tenant-admin',
      actor: 'admin',
      at,
      evidence: JSON.stringify({ sender }),
    });
  // Out of order, and a step of another kind at a later instant.
  await step(REMINDED[1]!, 'snd_a');
  await step(REMINDED[0]!, 'snd_a');
  await step(OLD_REMINDER, 'snd_c');
  await step(NOW, 'snd_a', 'ack');
}

const IMPLEMENTATIONS: Array<{ name: string; open: () => Promise<World> }> = [
  { name: 'the in-memory fakes', open: inMemory },
  ...BACKENDS.map((b) => ({ name: `the store on ${b.name}`, open: () => onStore(b.config()) })),
];

for (const impl of IMPLEMENTATIONS) {
  describe(`the coordinator's ports: ${impl.name}`, () => {
    test('a renewal reads back as a domain value; its gate, failure baseline and bridge are written and read back', async () => {
      const w = await impl.open();
      try {
        assert.deepEqual(await w.renewals.get('ren_1'), RENEWAL);
        assert.equal(await w.renewals.get('ren_nope'), undefined);
        const gate = { decision: 'blocked' as const, notReady: ['snd_a'], reason: 'r' };
        await w.renewals.setGate('ren_1', gate);
        await w.renewals.setFailuresBaseline('ren_1', { node_a: { '10.0.0.1': 3 } });
        const r = (await w.renewals.get('ren_1'))!;
        assert.deepEqual(r.gate, gate);
        assert.deepEqual(r.failuresBaseline, { node_a: { '10.0.0.1': 3 } });
        assert.deepEqual(r.gateOverride, RENEWAL.gateOverride, 'other columns stay');
        const cert = { pem: 'PEM', sha256: 'ab'.repeat(32), notAfter: NOW, issuer: 'CN=Old' };
        const bridge = {
          mode: 'both' as const,
          until: NOW,
          forward: cert,
          reverse: { ...cert, issuer: 'CN=New' },
        };
        await w.renewals.setBridge('ren_1', bridge);
        assert.deepEqual((await w.renewals.get('ren_1'))!.bridge, bridge);
        await w.renewals.setBridge('ren_1', null);
        assert.equal((await w.renewals.get('ren_1'))!.bridge, null);
        assert.equal((await w.renewals.openFor('vs_1'))?.id, 'ren_1', 'the open renewal of a virtual server');
        assert.equal(await w.renewals.openFor('vs_nope'), undefined);
        const grace = {
          grace: 'unready' as const,
          graceUntil: new Date('2026-12-08T00:00:00.000Z'),
          early: 'proven' as const,
          autoGrace: true,
        };
        await w.renewals.setGrace('ren_1', grace);
        assert.deepEqual((await w.renewals.get('ren_1'))!.grace, grace);
        assert.deepEqual((await w.renewals.get('ren_1'))!.gate, gate, 'other columns stay');
      } finally {
        await w.close();
      }
    });

    test('a planned renewal is added with empty gate, grace and bridge; an override of its gate is recorded', async () => {
      const w = await impl.open();
      try {
        const planned = {
          id: 'ren_2',
          virtualServerId: 'vs_1',
          oldCredentialId: null,
          newCredentialId: 'cred_1',
          oldRootSha256: null,
          newRootSha256: 'ab'.repeat(32),
          exchangeAt: '2026-12-10T00:00:00.000Z',
          gateAt: '2026-12-09T00:00:00.000Z',
          postponeDeadline: '2026-12-08T00:00:00.000Z',
          safeRemovalAt: '2026-12-17T00:00:00.000Z',
          rollbackWindowSeconds: 7200,
          reminders: ['2026-12-03T00:00:00.000Z', '2026-12-06T00:00:00.000Z'],
          gatePolicy: 'warn' as const,
          acceptObserved: true,
          createdAt: NOW,
        };
        await w.renewals.add(planned);
        assert.deepEqual(await w.renewals.get('ren_2'), {
          ...planned,
          state: 'planned',
          sequence: 0,
          exchangedAt: null,
          gate: null,
          gateOverride: null,
          failuresBaseline: null,
          bridge: null,
          grace: { grace: 'off', graceUntil: null, early: 'off', autoGrace: false },
          completion: null,
          updatedAt: NOW,
        });
        await assert.rejects(w.renewals.add(planned), (e) => isRolloverError(e) && e.code === 'NAME_TAKEN');
        const at = '2026-12-09T01:00:00.000Z';
        await w.renewals.setGateOverride('ren_2', { by: 'admin', reason: 'known risk', at });
        const r = (await w.renewals.get('ren_2'))!;
        assert.deepEqual([r.gateOverride, r.updatedAt], [{ by: 'admin', reason: 'known risk', at }, at]);
      } finally {
        await w.close();
      }
    });

    test('renewal nodes are listed by node, filtered by sequence, and updated only under the key and sequence', async () => {
      const w = await impl.open();
      try {
        const rows = await w.renewalNodes.list('ren_1');
        assert.deepEqual(
          rows.map((r) => [r.nodeId, r.sequence, r.lastError]),
          [
            ['node_a', 1, 'old'],
            ['node_b', 1, null],
          ],
          'arming again replaced the earlier sequence’s rows',
        );
        assert.deepEqual(await w.renewalNodes.list('ren_1', 0), []);
        assert.equal((await w.renewalNodes.list('ren_1', 1)).length, 2);
        await w.renewalNodes.update(rows[0]!, { stagedAckAt: NOW, lastError: null });
        // A key of an earlier announcement changes nothing.
        await w.renewalNodes.update({ ...rows[1]!, sequence: 0 }, { lastError: 'stale' });
        const after = await w.renewalNodes.list('ren_1');
        assert.deepEqual(after[0], { ...rows[0]!, stagedAckAt: NOW, lastError: null });
        assert.deepEqual(after[1], rows[1], 'the other row and the stale key changed nothing');
        // Fields left out of a patch stay.
        await w.renewalNodes.update(after[0]!, { servedSha256: 'abc' });
        assert.equal((await w.renewalNodes.list('ren_1'))[0]!.stagedAckAt, NOW);
      } finally {
        await w.close();
      }
    });

    test('readiness: states and contacts by sender, hints parsed, failures written, tenants distinct', async () => {
      const w = await impl.open();
      try {
        assert.deepEqual(await w.readiness.states('ren_1'), [
          { senderId: 'snd_a', state: 'notified' },
          { senderId: 'snd_b', state: 'failing' },
          { senderId: 'snd_c', state: 'verified' },
        ]);
        assert.deepEqual(await w.readiness.senderIdsIn('ren_1', ['notified', 'failing']), ['snd_a', 'snd_b']);
        assert.deepEqual(await w.readiness.senderIdsIn('ren_1', []), []);
        const hints = (await w.readiness.hints('ren_1')).sort((a, b) =>
          a.readinessId.localeCompare(b.readinessId),
        );
        assert.deepEqual(hints[0], {
          readinessId: 'rdy_snd_a',
          sourceAddresses: ['192.0.2.1'],
          failuresAfterT: 0,
        });
        await w.readiness.setFailuresAfterT('rdy_snd_a', 7);
        assert.equal(
          (await w.readiness.hints('ren_1')).find((h) => h.readinessId === 'rdy_snd_a')?.failuresAfterT,
          7,
        );
        assert.deepEqual(await w.readiness.contacts('ren_1'), [
          { senderId: 'snd_a', contacts: ['a@x.test', 'a2@x.test'] },
          { senderId: 'snd_b', contacts: [] },
          { senderId: 'snd_c', contacts: ['c@x.test'] },
        ]);
        assert.deepEqual((await w.readiness.tenantsOf(['snd_a', 'snd_b', 'snd_c'])).sort(), [
          'ten_1',
          'ten_2',
        ]);
        assert.deepEqual(await w.readiness.tenantsOf([]), []);
      } finally {
        await w.close();
      }
    });

    test('jobs: one per key, due in order, claimed once, finished, retried, failed, re-armed and released', async () => {
      const w = await impl.open();
      const q = w.jobs;
      try {
        await q.schedule('verify', { renewalId: 'ren_1' }, '2026-11-27T10:00:02.000Z', 'verify:ren_1');
        await q.schedule(
          'stage',
          { renewalId: 'ren_1', sequence: 1 },
          '2026-11-27T10:00:01.000Z',
          'stage:ren_1:1',
        );
        await q.schedule('stage', { renewalId: 'other' }, '2026-11-27T10:00:00.000Z', 'stage:ren_1:1');
        assert.deepEqual(await q.due('2026-11-27T09:00:00.000Z', 10), [], 'nothing due before its time');
        const due = await q.due('2026-11-27T10:00:05.000Z', 10);
        assert.deepEqual(
          due.map((j) => [j.kind, j.payload, j.attempts]),
          [
            ['stage', { renewalId: 'ren_1', sequence: 1 }, 0],
            ['verify', { renewalId: 'ren_1' }, 0],
          ],
          'the duplicate key was not scheduled; the earliest comes first',
        );
        assert.equal((await q.due('2026-11-27T10:00:05.000Z', 1)).length, 1);
        const [stage, verify] = due as [(typeof due)[0], (typeof due)[0]];
        assert.equal(await q.claim(stage.id, 'a'), true);
        assert.equal(await q.claim(stage.id, 'b'), false, 'claimed twice');
        assert.equal(
          await q.rearm('stage:ren_1:1', { renewalId: 'ren_1', sequence: 1 }, NOW),
          false,
          'a running job is not re-armed',
        );
        await q.finish(stage.id, 1);
        assert.deepEqual(
          (await q.due('2026-11-27T10:00:05.000Z', 10)).map((j) => j.kind),
          ['verify'],
          'a finished job is not due again',
        );
        assert.equal(
          await q.rearm('stage:ren_1:1', { renewalId: 'ren_1', sequence: 2 }, '2026-11-27T10:00:03.000Z'),
          true,
        );
        assert.equal(await q.rearm('nope', {}, NOW), false);
        assert.equal(await q.claim(verify.id, 'a'), true);
        await q.finish(verify.id, 1, '2026-11-27T10:00:04.000Z');
        const again = await q.due('2026-11-27T10:00:05.000Z', 10);
        assert.deepEqual(
          again.map((j) => [j.kind, j.payload, j.attempts]),
          [
            ['stage', { renewalId: 'ren_1', sequence: 2 }, 1],
            ['verify', { renewalId: 'ren_1' }, 1],
          ],
        );
        assert.equal(await q.claim(again[0]!.id, 'a'), true);
        await q.failed(again[0]!.id, 2, 'boom', '2026-11-27T10:00:09.000Z');
        assert.deepEqual(
          (await q.due('2026-11-27T10:00:05.000Z', 10)).map((j) => j.kind),
          ['verify'],
        );
        assert.equal((await q.due('2026-11-27T10:00:09.000Z', 10))[1]?.attempts, 2);
        assert.equal(await q.claim(verify.id, 'a'), true);
        await q.releaseRunning();
        assert.equal(await q.claim(verify.id, 'b'), true, 'a released job is pending again');
      } finally {
        await w.close();
      }
    });

    test('the outbox adds each key once: a later item with a key already written is skipped', async () => {
      const w = await impl.open();
      try {
        const item = (key: string, channel: 'mail' | 'inbox') => ({
          channel,
          recipient: 'a@x.test',
          subject: 's',
          body: { t: 'escalation' as const, renewalId: 'ren_1', subject: 's', text: key },
          state: channel === 'inbox' ? ('delivered' as const) : ('pending' as const),
          nextAttemptAt: NOW,
          createdAt: NOW,
          deliveredAt: channel === 'inbox' ? NOW : null,
          idempotencyKey: key,
          renewalId: 'ren_1',
        });
        await w.outbox.add([item('k1', 'mail'), item('k2', 'inbox')]);
        await w.outbox.add([item('k1', 'inbox'), item('k3', 'mail')]);
        await w.outbox.add([]);
        assert.deepEqual(await w.notifications(), [
          ['k1', 'mail', 'pending', item('k1', 'mail').body],
          ['k2', 'inbox', 'delivered', item('k2', 'inbox').body],
          ['k3', 'mail', 'pending', item('k3', 'mail').body],
        ]);
      } finally {
        await w.close();
      }
    });

    test('due notifications come longest-waiting first; a delivered one is not due again, a failed one is due at its retry', async () => {
      const w = await impl.open();
      try {
        const item = (key: string, at: string, channel: 'mail' | 'inbox' = 'mail') => ({
          channel,
          recipient: `${key}@x.test`,
          subject: key,
          body: { t: 'escalation' as const, renewalId: 'ren_1', subject: key, text: key },
          state: channel === 'inbox' ? ('delivered' as const) : ('pending' as const),
          nextAttemptAt: at,
          createdAt: NOW,
          deliveredAt: channel === 'inbox' ? at : null,
          idempotencyKey: key,
          renewalId: 'ren_1',
        });
        await w.outbox.add([
          item('late', '2026-11-27T10:00:05.000Z'),
          item('early', '2026-11-27T10:00:01.000Z'),
          item('inbox', '2026-11-27T10:00:00.000Z', 'inbox'),
          item('future', '2026-11-27T11:00:00.000Z'),
        ]);
        const due = await w.outbox.due('2026-11-27T10:00:10.000Z', 10);
        assert.deepEqual(
          due.map((n) => [n.idempotencyKey, n.channel, n.recipient, n.attempts, n.body]),
          [
            ['early', 'mail', 'early@x.test', 0, item('early', NOW).body],
            ['late', 'mail', 'late@x.test', 0, item('late', NOW).body],
          ],
        );
        assert.equal((await w.outbox.due('2026-11-27T10:00:10.000Z', 1)).length, 1);
        await w.outbox.delivered(due[0]!.id, 1, '2026-11-27T10:00:10.000Z');
        await w.outbox.failed(due[1]!.id, 1, 'smtp down', '2026-11-27T10:00:30.000Z');
        assert.deepEqual(await w.outbox.due('2026-11-27T10:00:20.000Z', 10), []);
        assert.deepEqual(
          (await w.outbox.due('2026-11-27T10:00:30.000Z', 10)).map((n) => [n.idempotencyKey, n.attempts]),
          [['late', 1]],
        );
      } finally {
        await w.close();
      }
    });

    test("grace: every sender of a renewal with its addresses; one sender's grace set, read back, cleared", async () => {
      const w = await impl.open();
      try {
        const senders = await w.grace.senders('ren_1');
        assert.deepEqual(
          senders.map((s) => [s.readinessId, s.senderId, s.name, s.virtualServerId, s.addresses, s.grace]),
          [
            ['rdy_snd_a', 'snd_a', 'snd_a', 'vs_1', ['192.0.2.1'], null],
            ['rdy_snd_b', 'snd_b', 'snd_b', 'vs_1', [], null],
            ['rdy_snd_c', 'snd_c', 'snd_c', 'vs_1', ['10.0.0.0/8'], null],
          ],
        );
        assert.deepEqual(await w.grace.senders('ren_other'), []);
        const grace = {
          oldUntil: '2026-11-28T10:00:00.000Z',
          oldCidrs: ['192.0.2.1/32'],
          heldBy: [{ id: 'snd_a', name: 'snd_a' }],
          earlyCidrs: [],
          nodes: { total: 2, applied: 1, notYet: 1 },
        };
        await w.grace.setSenderGrace('rdy_snd_a', grace);
        await w.grace.setSenderGrace('rdy_snd_c', { ...grace, oldUntil: null, oldCidrs: [] });
        assert.deepEqual((await w.grace.senders('ren_1'))[0]!.grace, grace);
        assert.deepEqual(await w.grace.inGraceAt('ren_1', NOW), ['snd_a']);
        assert.deepEqual(
          await w.grace.inGraceAt('ren_1', '2026-11-28T10:00:00.000Z'),
          [],
          'over at its instant',
        );
        await w.grace.setSenderGrace('rdy_snd_a', null);
        assert.deepEqual(await w.grace.inGraceAt('ren_1', NOW), []);
        assert.equal((await w.grace.senders('ren_1'))[0]!.grace, null);
      } finally {
        await w.close();
      }
    });

    test("grace inputs: the digest moves with a sender's traffic, observation or a graced client, not with its own grace", async () => {
      const w = await impl.open();
      try {
        const digests = [await w.grace.inputsDigest('ren_1')];
        const next = async () => {
          const d = await w.grace.inputsDigest('ren_1');
          assert.ok(!digests.includes(d), 'a changed input gives another digest');
          digests.push(d);
        };
        await w.senderFacts.setTraffic('rdy_snd_a', {
          ...NO_TRAFFIC,
          successesOnNewAfter: 1,
          lastSuccessOnNewAt: NOW,
        });
        await next();
        await w.clientObservations.setObserved('rdy_snd_b', {
          firstAt: NOW,
          at: NOW,
          client: '192.0.2.2',
          handshakes: 1,
        });
        await next();
        await w.clientObservations.recordSeen('ren_1', [
          { address: '192.0.2.9', lastSeenAt: NOW, handshakes: 1 },
        ]);
        await w.clientObservations.grace('ren_1', ['192.0.2.9'], 'lb', NOW);
        await next();
        const grace = {
          oldUntil: null,
          oldCidrs: [],
          heldBy: [],
          earlyCidrs: [],
          nodes: { total: 0, applied: 0, notYet: 0 },
        };
        await w.grace.setSenderGrace('rdy_snd_a', grace);
        // The fakes keep their rows apart and never say "unchanged"; the store reads them back.
        if (!impl.name.includes('fakes'))
          assert.equal(
            await w.grace.inputsDigest('ren_1'),
            digests.at(-1),
            "the job's own output is no input",
          );
      } finally {
        await w.close();
      }
    });

    test("the inbox is one recipient's in-app notifications, newest first, at most the limit", async () => {
      const w = await impl.open();
      try {
        const item = (key: string, recipient: string, at: string, channel: 'mail' | 'inbox' = 'inbox') => ({
          channel,
          recipient,
          subject: `subject ${key}`,
          body: { t: 'escalation' as const, renewalId: 'ren_1', subject: key, text: key },
          state: channel === 'inbox' ? ('delivered' as const) : ('pending' as const),
          nextAttemptAt: at,
          createdAt: at,
          deliveredAt: channel === 'inbox' ? at : null,
          idempotencyKey: key,
          renewalId: key === 'general' ? null : 'ren_1',
        });
        await w.outbox.add([
          item('old', 'usr_a', '2026-11-27T10:00:01.000Z'),
          item('new', 'usr_a', '2026-11-27T10:00:03.000Z'),
          item('general', 'usr_a', '2026-11-27T10:00:02.000Z'),
          item('other', 'usr_b', '2026-11-27T10:00:04.000Z'),
          item('mailed', 'usr_a', '2026-11-27T10:00:05.000Z', 'mail'),
        ]);
        const mine = await w.outbox.inbox('usr_a', 10);
        assert.deepEqual(
          mine.map((n) => [n.subject, n.renewalId, n.createdAt]),
          [
            ['subject new', 'ren_1', '2026-11-27T10:00:03.000Z'],
            ['subject general', null, '2026-11-27T10:00:02.000Z'],
            ['subject old', 'ren_1', '2026-11-27T10:00:01.000Z'],
          ],
        );
        assert.ok(mine.every((n) => typeof n.id === 'string' && n.id.length > 0));
        assert.deepEqual(
          (await w.outbox.inbox('usr_a', 1)).map((n) => n.subject),
          ['subject new'],
        );
        assert.deepEqual(await w.outbox.inbox('usr_nobody', 10), []);
      } finally {
        await w.close();
      }
    });

    test('sender links: added, read back, the current one per sender, revoked only where asked', async () => {
      const w = await impl.open();
      try {
        const link = (id: string, senderId: string) => ({
          id,
          renewalId: 'ren_1',
          senderId,
          tokenHash: `hash-${id}`,
          createdAt: NOW,
          expiresAt: '2026-12-27T10:00:00.000Z',
        });
        await w.senderLinks.add([link('lnk_1', 'snd_a'), link('lnk_2', 'snd_b')]);
        assert.deepEqual(await w.senderLinks.get('lnk_1'), {
          id: 'lnk_1',
          renewalId: 'ren_1',
          senderId: 'snd_a',
          createdAt: NOW,
          expiresAt: '2026-12-27T10:00:00.000Z',
          revokedAt: null,
        });
        assert.equal(await w.senderLinks.get('lnk_nope'), undefined);
        await w.senderLinks.revoke('ren_1', ['snd_a'], '2026-11-28T00:00:00.000Z');
        await w.senderLinks.add([link('lnk_3', 'snd_a')]);
        assert.equal(await w.senderLinks.current('ren_1', 'snd_a'), 'lnk_3');
        assert.equal(await w.senderLinks.current('ren_1', 'snd_b'), 'lnk_2', 'another sender’s link stays');
        assert.equal((await w.senderLinks.get('lnk_1'))?.revokedAt, '2026-11-28T00:00:00.000Z');
        assert.equal(await w.senderLinks.current('ren_1', 'snd_c'), undefined);
      } finally {
        await w.close();
      }
    });

    test('client observations: per sender, the latest preview observation; per renewal, clients seen and graced once', async () => {
      const w = await impl.open();
      try {
        const p = w.clientObservations;
        assert.deepEqual(
          (await p.senders('ren_1')).map((s) => [s.senderId, s.sourceAddresses, s.observed]),
          [
            ['snd_a', ['192.0.2.1'], null],
            ['snd_b', [], null],
            ['snd_c', ['10.0.0.0/8'], null],
          ],
        );
        const o = { firstAt: NOW, at: NOW, client: '192.0.2.1', handshakes: 2 };
        await p.setObserved('rdy_snd_a', o);
        assert.deepEqual((await p.senders('ren_1'))[0]!.observed, o);
        assert.deepEqual(await p.observations('ren_1'), [{ senderId: 'snd_a', observed: o, proof: null }]);
        const later = '2026-11-27T11:00:00.000Z';
        await p.recordSeen('ren_1', [
          { address: '192.0.2.9', lastSeenAt: later, handshakes: 5 },
          { address: '10.9.9.9', lastSeenAt: NOW, handshakes: 1 },
        ]);
        // An older or smaller reading never moves a client back.
        await p.recordSeen('ren_1', [
          { address: '192.0.2.9', lastSeenAt: NOW, handshakes: 2 },
          { address: '10.9.9.9', lastSeenAt: later, handshakes: 3 },
        ]);
        assert.deepEqual(
          (await p.seen('ren_1')).map((c) => [
            c.address,
            c.firstSeenAt,
            c.lastSeenAt,
            c.handshakes,
            c.gracedAt,
          ]),
          [
            ['10.9.9.9', NOW, later, 3, null],
            ['192.0.2.9', later, later, 5, null],
          ],
        );
        assert.deepEqual(await p.grace('ren_1', ['192.0.2.9', '203.0.113.1'], 'lb', later), ['192.0.2.9']);
        assert.deepEqual(await p.grace('ren_1', ['192.0.2.9'], 'lb', later), [], 'graced once');
        assert.deepEqual(await p.graced('ren_1'), ['192.0.2.9']);
        assert.deepEqual(await p.graced('ren_other'), []);
        assert.equal((await p.seen('ren_1'))[1]!.gracedBy, 'lb');
        assert.deepEqual((await p.inventoryAddresses()).sort(), ['10.0.0.0/8', '192.0.2.1']);
      } finally {
        await w.close();
      }
    });

    test('role holders: by role and scope, ordered by user, with or without mail', async () => {
      const w = await impl.open();
      try {
        assert.deepEqual(await w.people.holders('tenant-admin', ['ten_1', 'ten_2']), [
          { userId: 'usr_a', email: null, scopeId: 'ten_1' },
          { userId: 'usr_b', email: 'b@x.test', scopeId: 'ten_1' },
          { userId: 'usr_c', email: 'c@x.test', scopeId: 'ten_2' },
        ]);
        assert.deepEqual(await w.people.holders('lb-admin', ['']), [
          { userId: 'usr_d', email: 'd@x.test', scopeId: '' },
        ]);
        assert.deepEqual(await w.people.holders('tenant-admin', ['ten_9']), []);
        assert.deepEqual(
          await w.people.holders('lb-admin', ['ten_1']),
          [],
          'a global role is not a tenant role',
        );
      } finally {
        await w.close();
      }
    });

    test('the audit log appends in a chain, reads back after a sequence number, and verifies', async () => {
      const w = await impl.open();
      try {
        const before = (await w.audit.events()).length;
        const a = await w.audit.append(facts('tenant.add'));
        const b = await w.audit.append(facts('tenant.remove'));
        assert.equal(b.seq, a.seq + 1);
        assert.equal(b.prevHash, a.hash);
        assert.deepEqual(await w.audit.events(a.seq), [b]);
        assert.deepEqual(
          (await w.audit.events(0, before + 1)).map((e) => e.seq),
          [...Array(before + 1).keys()].map((i) => i + 1),
          'the limit counts from the oldest',
        );
        const verdict = await w.audit.verify();
        assert.equal(verdict.ok, true);
        assert.equal(verdict.events, before + 2);
        assert.deepEqual(verdict.head, { seq: b.seq, hash: b.hash });
      } finally {
        await w.close();
      }
    });

    test('a unit of work commits every write made through it, or none when it throws; a nested one joins it', async () => {
      const w = await impl.open();
      const uow = w.unitOfWork;
      const link = {
        id: 'lnk_u',
        renewalId: 'ren_1',
        senderId: 'snd_a',
        tokenHash: 'hash-u',
        createdAt: NOW,
        expiresAt: '2026-12-27T10:00:00.000Z',
      };
      const writeAll = (tx: StoreWith<PortName>) =>
        Promise.all([
          tx.audit.append(facts('tenant.add')),
          tx.senderLinks.add([link]),
          tx.transaction((inner) => inner.jobs.schedule('verify', { renewalId: 'ren_1' }, NOW, 'verify:u')),
        ]);
      try {
        const before = (await uow.audit.events()).length;
        await assert.rejects(
          uow.transaction(async (tx) => {
            await writeAll(tx);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal((await uow.audit.events()).length, before, 'no audit event');
        assert.equal(await uow.senderLinks.get('lnk_u'), undefined, 'no link');
        assert.deepEqual(await uow.jobs.due(NOW, 10), [], 'no job, not even from the nested unit');
        await uow.transaction(writeAll);
        assert.equal((await uow.audit.events()).length, before + 1);
        assert.equal((await uow.senderLinks.get('lnk_u'))?.id, 'lnk_u');
        assert.equal((await uow.jobs.due(NOW, 10)).length, 1);
      } finally {
        await w.close();
      }
    });

    test('the inventory reads back as domain values: found by id or name, lists by id, lists parsed', async () => {
      const w = await impl.open();
      const inv = w.inventory;
      try {
        const lb = { id: 'lb_1', name: 'edge', kind: 'builtin', createdAt: NOW };
        assert.deepEqual(await inv.loadBalancerByRef('edge'), lb);
        assert.deepEqual(await inv.loadBalancerByRef('lb_1'), lb);
        assert.equal(await inv.loadBalancerByRef('nope'), undefined);
        assert.deepEqual(await inv.loadBalancers(), [lb]);
        assert.deepEqual(
          (await inv.nodes('lb_1')).map((n) => [n.id, n.lbId, n.address]),
          [
            ['node_a', 'lb_1', '127.0.0.1'],
            ['node_b', 'lb_1', '127.0.0.1'],
            ['node_x', 'lb_1', '127.0.0.1'],
          ],
        );
        assert.deepEqual(await inv.nodes('lb_nope'), []);
        const vs = {
          id: 'vs_1',
          lbId: 'lb_1',
          name: 'www',
          hosts: ['www.test'],
          listen: '127.0.0.1:443',
          backends: [],
          previewListen: null,
          activeCredentialId: null,
          stagedCredentialId: null,
          activateAt: null,
          createdAt: NOW,
        };
        assert.deepEqual(await inv.virtualServerByRef('www'), vs);
        assert.deepEqual(await inv.virtualServers('lb_1'), [vs]);
        assert.deepEqual(await inv.virtualServers('lb_nope'), []);
        assert.deepEqual(await inv.virtualServersByIds(['vs_nope', 'vs_1', 'vs_1']), [vs]);
        assert.deepEqual(await inv.virtualServersByIds([]), []);
        assert.deepEqual(await inv.tenantByRef('ten_2'), {
          id: 'ten_2',
          name: 'ten_2',
          virtualServerId: 'vs_1',
          operatingModel: 'customer-managed',
          customerOrganisation: 'ten_2',
          createdAt: NOW,
        });
        assert.deepEqual(
          (await inv.tenants()).map((t) => t.id),
          ['ten_1', 'ten_2'],
        );
        assert.deepEqual(
          (await inv.tenantsOf(['vs_1'])).map((t) => t.id),
          ['ten_1', 'ten_2'],
        );
        assert.deepEqual(
          (await inv.tenantsOf(['vs_1'], ['ten_nope', 'ten_2'])).map((t) => t.id),
          ['ten_2'],
        );
        assert.deepEqual(await inv.tenantsOf(['vs_nope']), []);
        assert.deepEqual(await inv.tenantsOf(['vs_1'], []), []);
        assert.deepEqual(await inv.sender('snd_a'), {
          id: 'snd_a',
          tenantId: 'ten_1',
          name: 'snd_a',
          contacts: ['a@x.test', 'a2@x.test'],
          truststoreKind: 'jks',
          sourceAddresses: ['192.0.2.1'],
          clientCertSubject: null,
          createdAt: NOW,
        });
        assert.equal(await inv.sender('snd_nope'), undefined);
        assert.deepEqual(
          (await inv.senders('ten_1')).map((x) => x.id),
          ['snd_a', 'snd_b'],
        );
        assert.deepEqual(
          (await inv.senders()).map((x) => x.id),
          ['snd_a', 'snd_b', 'snd_c'],
        );
        assert.deepEqual(await inv.claimedAddresses('ten_1'), [
          { tenantId: 'ten_2', ranges: ['10.0.0.0/8'] },
        ]);
        assert.deepEqual(
          (await inv.claimedAddresses('ten_9')).map((c) => c.ranges),
          [['192.0.2.1'], [], ['10.0.0.0/8']],
        );
      } finally {
        await w.close();
      }
    });

    test('the inventory adds, changes and removes; a duplicate name is NAME_TAKEN, what is still used is STILL_IN_USE', async () => {
      const w = await impl.open();
      const inv = w.inventory;
      try {
        const lb = await inv.addLoadBalancer({ name: 'edge2', kind: 'haproxy', createdAt: NOW });
        assert.deepEqual(await inv.loadBalancerByRef(lb.id), lb);
        await assert.rejects(inv.addLoadBalancer({ name: 'edge', kind: 'nginx', createdAt: NOW }), {
          code: 'NAME_TAKEN',
        });
        const node = await inv.addNode({ lbId: lb.id, name: 'n1', address: '10.0.0.1', createdAt: NOW });
        assert.deepEqual(await inv.nodes(lb.id), [node]);
        await assert.rejects(inv.addNode({ lbId: lb.id, name: 'n1', address: '10.0.0.2', createdAt: NOW }), {
          code: 'NAME_TAKEN',
        });
        const vs = await inv.addVirtualServer({
          lbId: lb.id,
          name: 'api',
          hosts: ['api.test', 'api2.test'],
          listen: '127.0.0.1:8443',
          backends: ['127.0.0.1:9000'],
          previewListen: '127.0.0.1:8444',
          activeCredentialId: null,
          stagedCredentialId: null,
          activateAt: null,
          createdAt: NOW,
        });
        assert.deepEqual(await inv.virtualServerByRef('api'), vs);
        await assert.rejects(inv.removeLoadBalancer(lb.id), { code: 'STILL_IN_USE' });
        await inv.setActiveCredential(vs.id, 'cred_1');
        assert.equal((await inv.virtualServerByRef(vs.id))?.activeCredentialId, 'cred_1');
        const t = await inv.addTenant({
          name: 'acme',
          virtualServerId: vs.id,
          operatingModel: 'provider-managed',
          customerOrganisation: 'Acme',
          createdAt: NOW,
        });
        assert.deepEqual(await inv.tenantByRef('acme'), t);
        await assert.rejects(inv.removeVirtualServer(vs.id), { code: 'STILL_IN_USE' });
        const added = await inv.addSenders([
          {
            tenantId: t.id,
            name: 'billing',
            contacts: ['b@acme.test'],
            truststoreKind: 'pem',
            sourceAddresses: ['198.51.100.0/24'],
            clientCertSubject: 'CN=billing',
            createdAt: NOW,
          },
          {
            tenantId: t.id,
            name: 'crm',
            contacts: [],
            truststoreKind: 'jks',
            sourceAddresses: [],
            clientCertSubject: null,
            createdAt: NOW,
          },
        ]);
        assert.deepEqual((await inv.senders(t.id)).map((x) => x.name).sort(), ['billing', 'crm']);
        assert.deepEqual(await inv.sender(added[0]!.id), added[0]);
        await assert.rejects(inv.addSenders([{ ...added[1]!, id: undefined } as never]), {
          code: 'NAME_TAKEN',
        });
        await inv.updateSender(added[0]!.id, {
          contacts: ['c@acme.test', 'd@acme.test'],
          clientCertSubject: undefined,
        });
        assert.deepEqual(await inv.sender(added[0]!.id), {
          ...added[0]!,
          contacts: ['c@acme.test', 'd@acme.test'],
        });
        await inv.updateSender(added[0]!.id, { sourceAddresses: [], truststoreKind: 'p12' });
        assert.deepEqual((await inv.sender(added[0]!.id))?.sourceAddresses, []);
        assert.equal((await inv.sender(added[0]!.id))?.truststoreKind, 'p12');
        await assert.rejects(inv.removeTenant(t.id), { code: 'STILL_IN_USE' });
        for (const x of added) await inv.removeSender(x.id);
        await inv.removeTenant(t.id);
        assert.equal(await inv.tenantByRef('acme'), undefined);
        await inv.removeVirtualServer(vs.id);
        await inv.removeLoadBalancer(lb.id);
        assert.equal(await inv.loadBalancerByRef(lb.id), undefined);
        assert.deepEqual(await inv.nodes(lb.id), [], 'the nodes went with it');
      } finally {
        await w.close();
      }
    });

    test('role bindings on a scope are removed with it, others stay', async () => {
      const w = await impl.open();
      try {
        await w.people.unbindScope('ten_1');
        assert.deepEqual(await w.people.holders('tenant-admin', ['ten_1']), []);
        assert.equal((await w.people.holders('tenant-admin', ['ten_2'])).length, 1);
        assert.equal((await w.people.holders('lb-admin', [''])).length, 1);
      } finally {
        await w.close();
      }
    });

    test('credentials and CAs: added with their keys kept apart, read back without them; a key only on request', async () => {
      const w = await impl.open();
      const c = w.credentials;
      try {
        const seeded = {
          id: 'cred_1',
          name: 'new',
          chainPem: '',
          rootPem: '',
          fingerprint: 'f',
          notAfter: NOW,
          createdAt: NOW,
        };
        assert.deepEqual(await c.credential('cred_1'), seeded);
        assert.equal(await c.credential('cred_nope'), undefined);
        assert.equal(await c.credentialKeyPem('cred_1'), undefined, 'no key was stored for it');
        const fields = {
          chainPem: 'CHAIN',
          rootPem: 'ROOT',
          fingerprint: 'ff',
          notAfter: NOW,
          createdAt: NOW,
        };
        const added = await c.addCredential({ name: 'next', keyPem: 'KEY PEM', ...fields });
        assert.deepEqual(added, { id: added.id, name: 'next', ...fields });
        assert.deepEqual(await c.credential(added.id), added);
        assert.equal(await c.credentialKeyPem(added.id), 'KEY PEM');
        assert.deepEqual((await c.credentials()).map((x) => x.id).sort(), ['cred_1', added.id].sort());
        await assert.rejects(c.addCredential({ name: 'next', keyPem: 'K', ...fields }), {
          code: 'NAME_TAKEN',
        });
        const ca = { certificatePem: 'CA PEM', fingerprint: 'ca', notAfter: NOW, createdAt: NOW };
        const withKey = await c.addCa({ name: 'root', keyPem: 'CA KEY', ...ca });
        const external = await c.addCa({ name: 'external', keyPem: undefined, ...ca });
        assert.deepEqual(withKey, { id: withKey.id, name: 'root', hasKey: true, ...ca });
        assert.equal(external.hasKey, false);
        assert.equal(await c.caKeyPem(withKey.id), 'CA KEY');
        assert.equal(await c.caKeyPem(external.id), undefined);
        assert.deepEqual(await c.ca(external.id), external);
        assert.equal(await c.ca('ca_nope'), undefined);
        assert.deepEqual((await c.cas()).map((x) => x.name).sort(), ['external', 'root']);
        await assert.rejects(c.addCa({ name: 'root', keyPem: undefined, ...ca }), { code: 'NAME_TAKEN' });
      } finally {
        await w.close();
      }
    });

    test('nodes: found by id or name within their load balancer, by token hash; credentials in use by a load balancer', async () => {
      const w = await impl.open();
      const inv = w.inventory;
      try {
        assert.equal((await inv.nodeByRef('lb_1', 'node_a'))?.id, 'node_a');
        assert.equal(await inv.nodeByRef('lb_1', 'nope'), undefined);
        assert.equal(await inv.nodeByRef('lb_other', 'node_a'), undefined);
        assert.equal(await inv.nodeByTokenHash('h1'), undefined);
        await inv.setNodeTokenHash('node_b', 'h1');
        assert.deepEqual(await inv.nodeByTokenHash('h1'), {
          id: 'node_b',
          lbId: 'lb_1',
          name: 'node_b',
          address: '127.0.0.1',
          controlUrl: null,
          createdAt: NOW,
        });
        await inv.setNodeTokenHash('node_b', 'h2');
        assert.equal(await inv.nodeByTokenHash('h1'), undefined, 'a replaced token no longer finds the node');
        assert.equal(await inv.lbUsesCredential('lb_1', 'cred_1'), false);
        await inv.setActiveCredential('vs_1', 'cred_1');
        assert.equal(await inv.lbUsesCredential('lb_1', 'cred_1'), true);
        assert.equal(await inv.lbUsesCredential('lb_2', 'cred_1'), false);
        // Staged with its switch instant, then exchanged: only the fields given change.
        await inv.updateVirtualServer('vs_1', { stagedCredentialId: 'cred_1', activateAt: NOW });
        const staged = (await inv.virtualServerByRef('vs_1'))!;
        assert.deepEqual(
          [staged.activeCredentialId, staged.stagedCredentialId, staged.activateAt, staged.hosts],
          ['cred_1', 'cred_1', NOW, ['www.test']],
        );
        await inv.updateVirtualServer('vs_1', {
          activeCredentialId: null,
          stagedCredentialId: null,
          activateAt: null,
        });
        await inv.updateVirtualServer('vs_1', {});
        const cleared = (await inv.virtualServerByRef('vs_1'))!;
        assert.deepEqual(
          [cleared.activeCredentialId, cleared.stagedCredentialId, cleared.activateAt],
          [null, null, null],
        );
        assert.equal(await inv.lbUsesCredential('lb_1', 'cred_1'), false);
      } finally {
        await w.close();
      }
    });

    test('users: added, found by id, name or either, listed, removed with their bindings and tokens', async () => {
      const w = await impl.open();
      const people = w.people;
      try {
        assert.equal(await people.hasUsers(), true);
        assert.deepEqual(await people.user('usr_a'), {
          id: 'usr_a',
          name: 'usr_a',
          email: null,
          organisation: 'o',
          passwordHash: null,
          createdAt: NOW,
        });
        const pat = await people.addUser({
          name: 'pat',
          email: 'pat@x.test',
          organisation: 'Acme',
          passwordHash: 'scrypt$…',
          createdAt: NOW,
        });
        assert.deepEqual(await people.userByName('pat'), pat);
        assert.deepEqual(await people.userByRef('pat'), pat);
        assert.deepEqual(await people.userByRef(pat.id), pat);
        assert.equal(await people.userByName(pat.id), undefined, 'by name means by name');
        await assert.rejects(people.addUser({ ...pat, id: undefined } as never), { code: 'NAME_TAKEN' });
        assert.deepEqual((await people.users()).map((u) => u.name).sort(), [
          'pat',
          'usr_a',
          'usr_b',
          'usr_c',
          'usr_d',
        ]);
        await people.bind(pat.id, 'tenant-admin', 'ten_2');
        await people.bind(pat.id, 'auditor', '');
        await assert.rejects(people.bind(pat.id, 'auditor', ''), { code: 'NAME_TAKEN' });
        assert.deepEqual(
          (await people.bindings(pat.id)).sort((a, b) => a.role.localeCompare(b.role)),
          [
            { role: 'auditor', scopeId: '' },
            { role: 'tenant-admin', scopeId: 'ten_2' },
          ],
        );
        assert.deepEqual(
          (await people.holders('tenant-admin', ['ten_2'])).map((h) => [h.userId, h.email]).sort(),
          [
            ['usr_c', 'c@x.test'],
            [pat.id, 'pat@x.test'],
          ].sort(),
        );
        const tok = await people.addToken({
          userId: pat.id,
          name: 'ci',
          tokenHash: 'th',
          createdAt: NOW,
          expiresAt: null,
        });
        await people.removeUser(pat.id);
        assert.equal(await people.user(pat.id), undefined);
        assert.deepEqual(await people.bindings(pat.id), []);
        assert.equal(await people.token(tok.id), undefined, 'the tokens went with the user');
      } finally {
        await w.close();
      }
    });

    test('tokens: by id or hash, listed; revoked once (a second revoke says it changed nothing); by name', async () => {
      const w = await impl.open();
      const people = w.people;
      try {
        const add = (name: string, hash: string, expiresAt: string | null = null) =>
          people.addToken({ userId: 'usr_a', name, tokenHash: hash, createdAt: NOW, expiresAt });
        const ci = await add('ci', 'h-ci', '2027-01-01T00:00:00.000Z');
        assert.deepEqual(ci, {
          id: ci.id,
          userId: 'usr_a',
          name: 'ci',
          createdAt: NOW,
          expiresAt: '2027-01-01T00:00:00.000Z',
          revokedAt: null,
        });
        assert.deepEqual(await people.token(ci.id), ci);
        assert.deepEqual(await people.tokenByHash('h-ci'), ci);
        assert.equal(await people.tokenByHash('h-none'), undefined);
        const l1 = await add('link', 'h-l1');
        const l2 = await add('link', 'h-l2');
        await add('link', 'h-other').then((t) => people.revokeToken(t.id, NOW));
        assert.equal(await people.revokeTokensNamed('usr_a', 'link', '2026-11-28T00:00:00.000Z'), 2);
        assert.equal((await people.token(l1.id))?.revokedAt, '2026-11-28T00:00:00.000Z');
        assert.equal((await people.token(l2.id))?.revokedAt, '2026-11-28T00:00:00.000Z');
        assert.equal(await people.revokeTokensNamed('usr_a', 'link', NOW), 0);
        assert.equal(await people.revokeToken(ci.id, NOW), true);
        assert.equal(await people.revokeToken(ci.id, '2026-11-29T00:00:00.000Z'), false);
        assert.equal((await people.token(ci.id))?.revokedAt, NOW, 'the first revocation stands');
        assert.equal((await people.tokens()).length, 4);
      } finally {
        await w.close();
      }
    });

    test('invitations: added, found by hash, used once', async () => {
      const w = await impl.open();
      const people = w.people;
      try {
        const inv = await people.addInvitation({
          tokenHash: 'h-inv',
          role: 'sender-admin',
          scopeId: 'snd_a',
          organisation: 'Acme',
          email: null,
          createdBy: 'usr_d',
          createdAt: NOW,
          expiresAt: '2026-12-04T10:00:00.000Z',
        });
        assert.deepEqual(await people.invitationByHash('h-inv'), inv);
        assert.equal(inv.usedAt, null);
        assert.equal(await people.invitationByHash('h-none'), undefined);
        assert.equal(await people.consumeInvitation(inv.id, NOW), true);
        assert.equal(await people.consumeInvitation(inv.id, NOW), false, 'used once');
        assert.equal((await people.invitationByHash('h-inv'))?.usedAt, NOW);
      } finally {
        await w.close();
      }
    });

    test('nodes by id carry where their control API is; node reports are parsed and replaced', async () => {
      const w = await impl.open();
      try {
        assert.deepEqual(await w.inventory.node('node_a'), {
          id: 'node_a',
          lbId: 'lb_1',
          name: 'node_a',
          address: '127.0.0.1',
          controlUrl: null,
          createdAt: NOW,
        });
        assert.equal(await w.inventory.node('node_nope'), undefined);
        await w.inventory.setNodeControl(
          'node_a',
          'pull://node_a',
          w.secrets.seal('node-control:node_a', 'pull'),
        );
        assert.equal((await w.inventory.node('node_a'))?.controlUrl, 'pull://node_a');
        const controls = await w.inventory.nodeControls(['node_nope', 'node_a', 'node_a']);
        assert.deepEqual(
          controls.map((c) => [c.id, c.name, c.controlUrl]),
          [['node_a', 'node_a', 'pull://node_a']],
        );
        assert.equal(w.secrets.unseal('node-control:node_a', controls[0]!.controlTokenSealed!), 'pull');
        assert.deepEqual(await w.inventory.nodeControls([]), []);
        assert.equal(await w.nodeReports.latest('node_a'), undefined);
        const status = {
          virtualServers: [{ name: 'www', hosts: ['www.test'], served: { sha256: 'a' }, staged: null }],
        };
        const failures = [
          { client: '192.0.2.1', virtualServer: 'www', reasons: { 'unknown-ca': 2 }, last: NOW },
        ];
        await w.nodeReports.record('node_a', NOW, status, failures);
        assert.deepEqual(await w.nodeReports.latest('node_a'), {
          nodeId: 'node_a',
          reportedAt: NOW,
          status,
          failures,
        });
        await w.nodeReports.record('node_a', '2026-11-27T10:00:05.000Z', { virtualServers: [] }, []);
        assert.deepEqual(await w.nodeReports.latest('node_a'), {
          nodeId: 'node_a',
          reportedAt: '2026-11-27T10:00:05.000Z',
          status: { virtualServers: [] },
          failures: [],
        });
        assert.equal(await w.nodeReports.latest('node_b'), undefined, 'one report per node');
        // What is wanted of a pulling node's virtual servers: the fallback deadline and the table, each kept.
        assert.deepEqual(await w.nodeReports.wantedExceptions('node_a'), {});
        await w.nodeReports.wantExceptions('node_a', 'www', { autoUntil: '2026-11-28T10:00:00.000Z' }, NOW);
        const entries = [{ cidr: '192.0.2.7/32', serve: 'old' as const, until: '2026-11-28T10:00:00.000Z' }];
        await w.nodeReports.wantExceptions('node_a', 'www', { entries }, '2026-11-27T10:00:01.000Z');
        await w.nodeReports.wantExceptions('node_a', 'api', { entries: [] }, NOW);
        assert.deepEqual(await w.nodeReports.wantedExceptions('node_a'), {
          www: { entries, autoUntil: '2026-11-28T10:00:00.000Z', setAt: '2026-11-27T10:00:01.000Z' },
          api: { entries: [], autoUntil: null, setAt: NOW },
        });
        assert.deepEqual(await w.nodeReports.wantedExceptions('node_b'), {});
      } finally {
        await w.close();
      }
    });

    test('the secret box opens what it sealed only for the same context; the link key is stable', async () => {
      const w = await impl.open();
      try {
        const sealed = w.secrets.seal('webhook:ten_1', 's3cret');
        assert.doesNotMatch(sealed, /s3cret/);
        assert.equal(w.secrets.unseal('webhook:ten_1', sealed), 's3cret');
        assert.throws(() => w.secrets.unseal('webhook:ten_2', sealed));
        assert.equal(w.secrets.linkKey().length, 32);
        assert.deepEqual(w.secrets.linkKey(), w.secrets.linkKey());
      } finally {
        await w.close();
      }
    });

    test('readiness counts: counted from the rows; kept only once reset; bumped, serialised, in the unit of work', async () => {
      const w = await impl.open();
      const c = w.readinessCounts;
      try {
        const counted = await c.count('ren_1');
        assert.deepEqual([counted.notified, counted.failing, counted.verified], [1, 1, 1]);
        assert.equal(
          Object.values(counted).reduce((a, b) => a + b, 0),
          3,
          'every other state is 0',
        );
        assert.equal(
          Object.values(await c.count('ren_nope')).reduce((a, b) => a + b, 0),
          0,
        );
        assert.equal(await c.kept('ren_1'), undefined);
        await c.bump('ren_1', { verified: 1 });
        assert.equal(await c.kept('ren_1'), undefined, 'nothing is kept before a reset');
        await c.reset('ren_1');
        assert.deepEqual(await c.kept('ren_1'), counted);
        await Promise.all([
          w.unitOfWork.transaction((tx) => tx.readinessCounts.bump('ren_1', { notified: -1, verified: 1 })),
          w.unitOfWork.transaction((tx) => tx.readinessCounts.bump('ren_1', { failing: -1, verified: 1 })),
        ]);
        assert.deepEqual(await c.kept('ren_1'), { ...counted, notified: 0, failing: 0, verified: 3 });
        await assert.rejects(
          w.unitOfWork.transaction(async (tx) => {
            await tx.readinessCounts.bump('ren_1', { verified: -3 });
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal((await c.kept('ren_1'))?.verified, 3, 'a bump rolls back with its unit of work');
      } finally {
        await w.close();
      }
    });

    test('installation values: the first writer wins, later ones change nothing', async () => {
      const w = await impl.open();
      try {
        assert.equal(await w.installation.get('announcement_key'), undefined);
        await Promise.all([
          w.installation.addIfAbsent('announcement_key', 'first'),
          w.installation.addIfAbsent('announcement_key', 'second'),
        ]);
        const kept = await w.installation.get('announcement_key');
        assert.ok(kept === 'first' || kept === 'second');
        await w.installation.addIfAbsent('announcement_key', 'third');
        assert.equal(await w.installation.get('announcement_key'), kept);
      } finally {
        await w.close();
      }
    });

    test('tenant settings: none until kept, replaced whole; tenants with a webhook or auto-forward picked out by id', async () => {
      const w = await impl.open();
      try {
        assert.equal(await w.tenantSettings.get('ten_1'), undefined);
        assert.deepEqual(await w.tenantSettings.withWebhook(['ten_1', 'ten_2']), []);
        const one = {
          tenantId: 'ten_1',
          webhookUrl: 'https://hooks.test/1',
          webhookSecretSealed: 'sealed',
          autoForward: false,
          updatedAt: NOW,
        };
        await w.tenantSettings.put(one);
        await w.tenantSettings.put({
          ...one,
          tenantId: 'ten_2',
          webhookUrl: null,
          webhookSecretSealed: null,
        });
        assert.deepEqual(await w.tenantSettings.get('ten_1'), one);
        const later = '2026-11-28T10:00:00.000Z';
        await w.tenantSettings.put({ ...one, tenantId: 'ten_2', autoForward: true, updatedAt: later });
        assert.deepEqual(await w.tenantSettings.get('ten_2'), {
          ...one,
          tenantId: 'ten_2',
          autoForward: true,
          updatedAt: later,
        });
        await w.tenantSettings.put({ ...one, webhookUrl: null, webhookSecretSealed: null });
        assert.deepEqual(await w.tenantSettings.withWebhook(['ten_2', 'ten_1', 'ten_2', 'ten_nope']), [
          'ten_2',
        ]);
        assert.deepEqual(await w.tenantSettings.autoForwarding(['ten_1', 'ten_2']), ['ten_2']);
        assert.deepEqual(await w.tenantSettings.autoForwarding([]), []);
        // Kept in the unit of work: a write that throws leaves nothing behind.
        await assert.rejects(
          w.unitOfWork.transaction(async (tx) => {
            await tx.tenantSettings.put({ ...one, autoForward: true });
            throw new Error('undo');
          }),
        );
        assert.equal((await w.tenantSettings.get('ten_1'))?.autoForward, false);
      } finally {
        await w.close();
      }
    });

    test('announcing and forwarding: readiness rows per tenant once, forwardings moved once, pending senders notified, told senders, contacts', async () => {
      const w = await impl.open();
      try {
        const [late] = await w.inventory.addSenders([
          {
            tenantId: 'ten_1',
            name: 'late',
            contacts: ['late@x.test'],
            truststoreKind: 'jks',
            sourceAddresses: ['198.51.100.7'],
            clientCertSubject: null,
            createdAt: NOW,
          },
        ]);
        const id = late!.id;
        // Only the sender without a row gets one; the others keep their state.
        await w.readiness.addForTenants('ren_1', ['ten_1'], 'pending', NOW);
        await w.readiness.addForTenants('ren_1', ['ten_1'], 'notified', NOW);
        await w.readiness.addForTenants('ren_1', [], 'pending', NOW);
        assert.deepEqual(
          (await w.readiness.states('ren_1')).find((r) => r.senderId === id),
          { senderId: id, state: 'pending' },
        );
        assert.equal((await w.readiness.states('ren_1')).length, 4);
        assert.deepEqual(
          (await w.readiness.hints('ren_1')).find((h) => h.readinessId === `rdy_1_${id}`),
          { readinessId: `rdy_1_${id}`, sourceAddresses: ['198.51.100.7'], failuresAfterT: 0 },
        );
        const told = ['snd_a', 'snd_b', 'snd_c'];
        assert.deepEqual(
          (await w.readiness.told('ren_1')).map((t) => t.senderId),
          told,
          'a pending sender was not told',
        );
        // Only a pending sender moves (snd_a is notified already).
        assert.equal(await w.readiness.markNotified('ren_1', [id, 'snd_a'], NOW), 1);
        assert.equal(await w.readiness.markNotified('ren_1', [id], NOW), 0);
        assert.equal(await w.readiness.markNotified('ren_1', [], NOW), 0);
        assert.deepEqual(
          (await w.readiness.told('ren_1')).find((t) => t.senderId === id),
          { senderId: id, contacts: ['late@x.test'] },
        );
        assert.deepEqual(
          (await w.readiness.told('ren_1')).find((t) => t.senderId === 'snd_a'),
          {
            senderId: 'snd_a',
            contacts: ['a@x.test', 'a2@x.test'],
          },
        );

        await w.renewals.addForwardings('ren_1', ['ten_2', 'ten_1'], NOW);
        await w.renewals.addForwardings('ren_1', ['ten_1'], NOW);
        const by = { actor: 'ta', message: 'please', at: NOW };
        assert.deepEqual(await w.renewals.markForwarded('ren_1', ['ten_1'], by), ['ten_1']);
        assert.deepEqual(
          await w.renewals.markForwarded('ren_1', ['ten_2', 'ten_1', 'ten_nope'], by),
          ['ten_2'],
          'a tenant forwarded already, or without a forwarding, is left out',
        );
        await w.renewals.addForwardings('ren_1', ['ten_1', 'ten_2'], NOW);
        assert.deepEqual(await w.renewals.markForwarded('ren_1', ['ten_1', 'ten_2'], by), [], 'once');

        assert.deepEqual(await w.inventory.senderContacts(['snd_c', 'snd_a', 'snd_nope']), [
          { senderId: 'snd_a', contacts: ['a@x.test', 'a2@x.test'] },
          { senderId: 'snd_c', contacts: ['c@x.test'] },
        ]);
        assert.deepEqual(
          (await w.inventory.tenantSenderContacts(['ten_1'])).map((s) => s.senderId),
          ['snd_a', 'snd_b', id].sort(),
        );
        assert.deepEqual(await w.inventory.tenantSenderContacts([]), []);
        assert.deepEqual(await w.inventory.senderContacts([]), []);
      } finally {
        await w.close();
      }
    });

    test("senders' facts read back as domain values: by tenant, by sender, paged, by id or name; JSON parsed", async () => {
      const w = await impl.open();
      try {
        await w.seedSenderFacts();
        const f = w.senderFacts;
        const all = await f.list('ren_1');
        assert.deepEqual(
          all.map((s) => [s.senderId, s.tenantId, s.state, s.sourceAddresses]),
          [
            ['snd_a', 'ten_1', 'notified', ['192.0.2.1']],
            ['snd_b', 'ten_1', 'failing', []],
            ['snd_c', 'ten_2', 'verified', ['10.0.0.0/8']],
          ],
        );
        const c = all[2]!;
        assert.deepEqual(
          {
            readinessId: c.readinessId,
            name: c.name,
            proof: c.proof,
            traffic: c.traffic,
            grace: c.grace,
            removal: c.removal,
            observed: c.observed,
          },
          {
            readinessId: 'rdy_snd_c',
            name: 'snd_c',
            proof: PROOF,
            traffic: { ...NO_TRAFFIC, ...TRAFFIC },
            grace: null,
            removal: null,
            observed: null,
          },
        );
        assert.deepEqual(
          [all[0]!.traffic, all[0]!.acknowledgedAt, all[0]!.failuresAfterT, all[0]!.updatedAt],
          [null, null, 0, NOW],
        );
        const ids = (xs: Array<{ senderId: string }>) => xs.map((s) => s.senderId);
        assert.deepEqual(ids(await f.list('ren_1', { tenantIds: ['ten_1'] })), ['snd_a', 'snd_b']);
        assert.deepEqual(ids(await f.list('ren_1', { tenantIds: [] })), [], 'no tenant: no sender');
        assert.deepEqual(
          ids(await f.list('ren_1', { tenantIds: ['ten_1'], senderIds: ['snd_b', 'snd_c'] })),
          ['snd_b'],
        );
        assert.deepEqual(ids(await f.list('ren_1', { senderIds: ['snd_c'] })), ['snd_c']);
        assert.deepEqual(ids(await f.list('ren_nope')), []);
        assert.deepEqual(ids(await f.page('ren_1', '', 2)), ['snd_a', 'snd_b']);
        assert.deepEqual(ids(await f.page('ren_1', 'snd_b', 2)), ['snd_c']);
        assert.deepEqual(await f.get('ren_1', 'snd_c'), c);
        assert.equal(await f.get('ren_1', 'snd_nope'), undefined);
        assert.equal(await f.get('ren_nope', 'snd_c'), undefined);
        assert.equal((await f.find('ren_1', 'snd_b'))?.readinessId, 'rdy_snd_b', 'by id');
        assert.equal(await f.find('ren_nope', 'snd_b'), undefined, 'not part of that renewal');
      } finally {
        await w.close();
      }
    });

    test('a renewal of several virtual servers is open on each; senders per state of open renewals per virtual server; notifications pending', async () => {
      const w = await impl.open();
      try {
        const api = await w.inventory.addVirtualServer({
          lbId: 'lb_1',
          name: 'api',
          hosts: ['api.test'],
          listen: '127.0.0.1:8443',
          backends: [],
          previewListen: null,
          activeCredentialId: null,
          stagedCredentialId: null,
          activateAt: null,
          createdAt: NOW,
        });
        assert.equal(await w.renewals.openFor(api.id), undefined);
        await w.renewals.addVirtualServers('ren_1', [api.id]);
        await w.renewals.addVirtualServers('ren_1', []);
        assert.equal((await w.renewals.openFor(api.id))?.id, 'ren_1');
        assert.equal((await w.renewals.openFor('vs_1'))?.id, 'ren_1');

        assert.deepEqual(await w.readiness.openCountsByVirtualServer(), [
          { virtualServer: 'www', state: 'failing', n: 1 },
          { virtualServer: 'www', state: 'notified', n: 1 },
          { virtualServer: 'www', state: 'verified', n: 1 },
        ]);
        await w.setRenewalState('ren_1', 'cancelled');
        assert.deepEqual(
          await w.readiness.openCountsByVirtualServer(),
          [],
          'a finished renewal is not counted',
        );
        assert.equal(await w.renewals.openFor(api.id), undefined);

        assert.equal(await w.outbox.pendingCount(), 0);
        const item = (key: string, channel: 'mail' | 'inbox') => ({
          channel,
          recipient: 'a@x.test',
          subject: 's',
          body: { t: 'escalation' as const, renewalId: 'ren_1', subject: 's', text: key },
          state: channel === 'inbox' ? ('delivered' as const) : ('pending' as const),
          nextAttemptAt: NOW,
          createdAt: NOW,
          deliveredAt: channel === 'inbox' ? NOW : null,
          idempotencyKey: key,
          renewalId: 'ren_1',
        });
        await w.outbox.add([item('k1', 'mail'), item('k2', 'inbox'), item('k3', 'mail')]);
        assert.equal(await w.outbox.pendingCount(), 2);
        const [first] = await w.outbox.due(NOW, 1);
        await w.outbox.delivered(first!.id, 1, NOW);
        assert.equal(await w.outbox.pendingCount(), 1);
      } finally {
        await w.close();
      }
    });

    test("senders' facts: when tenants forwarded, when senders were last reminded", async () => {
      const w = await impl.open();
      try {
        await w.seedSenderFacts();
        const f = w.senderFacts;
        assert.deepEqual([...(await f.forwardedAt('ren_1'))], [['ten_1', FORWARDED]], 'forwarded only');
        assert.deepEqual([...(await f.forwardedAt('ren_1', ['ten_2']))], []);
        assert.deepEqual([...(await f.forwardedAt('ren_1', []))], [], 'no tenant asked for: none');
        assert.deepEqual(
          [...(await f.remindedSince('ren_1', '2026-11-27T09:00:00.000Z'))],
          [['snd_a', REMINDED[1]]],
          'the latest remind step in the window, per sender',
        );
        assert.deepEqual([...(await f.remindedSince('ren_1', OLD_REMINDER))].sort(), [
          ['snd_a', REMINDED[1]],
          ['snd_c', OLD_REMINDER],
        ]);
      } finally {
        await w.close();
      }
    });

    test("senders' facts: traffic, an acknowledgement and reports are written and read back, in the unit of work", async () => {
      const w = await impl.open();
      try {
        await w.seedSenderFacts();
        const f = w.senderFacts;
        assert.deepEqual(
          (await f.traffic('ren_1')).map((t) => [
            t.readinessId,
            t.sourceAddresses,
            t.traffic?.successesAfter,
          ]),
          [
            ['rdy_snd_a', ['192.0.2.1'], undefined],
            ['rdy_snd_b', [], undefined],
            ['rdy_snd_c', ['10.0.0.0/8'], 2],
          ],
        );
        const t = { ...NO_TRAFFIC, failuresAfter: 4, lastFailureAt: NOW, firstFailureAfterAt: NOW };
        await f.setTraffic('rdy_snd_a', t);
        assert.deepEqual((await f.get('ren_1', 'snd_a'))?.traffic, t);
        await f.acknowledge('rdy_snd_a', 'acknowledged', '2026-11-27T11:00:00.000Z');
        const a = (await f.get('ren_1', 'snd_a'))!;
        assert.deepEqual(
          [a.state, a.acknowledgedAt, a.updatedAt],
          ['acknowledged', '2026-11-27T11:00:00.000Z', '2026-11-27T11:00:00.000Z'],
        );
        const proof = {
          ok: false,
          at: '2026-11-27T12:00:00.000Z',
          afterStaging: false,
          reason: 'UNKNOWN_CA: no',
        };
        await f.report('rdy_snd_a', {
          state: 'failing',
          evidence: { kind: 'readiness', sender: 'snd_a' },
          reason: 'UNKNOWN_CA: no',
          at: proof.at,
          proof,
        });
        const b = (await f.get('ren_1', 'snd_a'))!;
        assert.deepEqual(
          [b.state, b.reason, b.updatedAt, b.proof, b.removal, b.acknowledgedAt],
          ['failing', 'UNKNOWN_CA: no', proof.at, proof, null, '2026-11-27T11:00:00.000Z'],
        );
        const removal = { at: '2026-11-27T13:00:00.000Z', forced: true };
        await w.unitOfWork.transaction(async (tx) => {
          await tx.senderFacts.report('rdy_snd_a', {
            state: 'old-root-removed',
            evidence: { kind: 'root-removal' },
            reason: null,
            at: removal.at,
            removal,
          });
        });
        const c = (await f.get('ren_1', 'snd_a'))!;
        assert.deepEqual([c.state, c.reason, c.proof, c.removal], ['old-root-removed', null, proof, removal]);
        await assert.rejects(
          w.unitOfWork.transaction(async (tx) => {
            await tx.senderFacts.acknowledge('rdy_snd_b', 'acknowledged', NOW);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal((await f.get('ren_1', 'snd_b'))?.state, 'failing', 'rolled back with its unit of work');
      } finally {
        await w.close();
      }
    });

    test("a renewal's virtual servers: its first, then the others by id; none for a renewal that does not exist", async () => {
      const w = await impl.open();
      try {
        assert.deepEqual(await w.renewals.virtualServerIds('ren_1'), ['vs_1']);
        const more = [];
        for (const name of ['zeta', 'alpha'])
          more.push(
            await w.inventory.addVirtualServer({
              lbId: 'lb_1',
              name,
              hosts: [`${name}.test`],
              listen: '127.0.0.1:0',
              backends: [],
              previewListen: null,
              activeCredentialId: null,
              stagedCredentialId: null,
              activateAt: null,
              createdAt: NOW,
            }),
          );
        await w.renewals.addVirtualServers('ren_1', [more[0]!.id, more[1]!.id]);
        assert.deepEqual(await w.renewals.virtualServerIds('ren_1'), [
          'vs_1',
          ...more.map((v) => v.id).sort(),
        ]);
        assert.deepEqual(await w.renewals.virtualServerIds('ren_nope'), []);
      } finally {
        await w.close();
      }
    });

    test("steps: recorded with their evidence in the unit of work, read back in order, a reminder seen by the senders' facts", async () => {
      const w = await impl.open();
      try {
        const u = w.unitOfWork;
        const step = (kind: string, at: string, evidence: Record<string, unknown>) => ({
          renewalId: 'ren_1',
          kind,
          role: 'tenant-admin',
          actor: 'admin',
          at,
          evidence,
        });
        await u.steps.add(step('remind', '2026-11-27T09:58:00.000Z', { sender: 'snd_b', tenant: 'ten_1' }));
        await u.steps.add(step('ack', '2026-11-27T09:59:00.000Z', { sender: 'snd_a' }));
        await assert.rejects(
          u.transaction(async (tx) => {
            await tx.steps.add(step('remind', NOW, { sender: 'snd_a' }));
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(
          (await u.renewalViews.steps('ren_1')).map((s) => [s.kind, s.role, s.actor, s.at, s.evidence]),
          [
            [
              'remind',
              'tenant-admin',
              'admin',
              '2026-11-27T09:58:00.000Z',
              { sender: 'snd_b', tenant: 'ten_1' },
            ],
            ['ack', 'tenant-admin', 'admin', '2026-11-27T09:59:00.000Z', { sender: 'snd_a' }],
          ],
          'the step added in a unit of work that threw is gone',
        );
        assert.deepEqual(
          [...(await w.senderFacts.remindedSince('ren_1', '2026-11-27T09:00:00.000Z'))],
          [['snd_b', '2026-11-27T09:58:00.000Z']],
        );
      } finally {
        await w.close();
      }
    });

    test("a renewal's state moves with what moves with it; only the fields given change", async () => {
      const w = await impl.open();
      try {
        await w.renewals.setGate('ren_1', { decision: 'blocked', notReady: ['snd_a'], reason: 'r' });
        const later = '2026-11-27T11:00:00.000Z';
        const postponed = {
          exchangeAt: '2026-12-03T00:00:00.000Z',
          gateAt: '2026-12-02T00:00:00.000Z',
          postponeDeadline: '2026-12-01T00:00:00.000Z',
          safeRemovalAt: '2026-12-10T00:00:00.000Z',
          reminders: ['2026-12-02T12:00:00.000Z'],
          sequence: 2,
          gate: null,
        };
        await w.renewals.setState('ren_1', 'postponed', later, postponed);
        assert.deepEqual(await w.renewals.get('ren_1'), {
          ...RENEWAL,
          ...postponed,
          state: 'postponed',
          updatedAt: later,
        });
        const completion = {
          at: NOW,
          by: 'admin',
          forced: true,
          reason: 'known',
          open: { failing: 1, notProven: 0, oldRootTrusted: 2 },
        };
        await w.unitOfWork.transaction((tx) =>
          tx.renewals.setState('ren_1', 'completed', NOW, { exchangedAt: NOW, completion }),
        );
        const r = (await w.renewals.get('ren_1'))!;
        assert.deepEqual(
          [r.state, r.updatedAt, r.exchangedAt, r.completion, r.sequence, r.exchangeAt],
          ['completed', NOW, NOW, completion, 2, postponed.exchangeAt],
        );
      } finally {
        await w.close();
      }
    });
  });
}
