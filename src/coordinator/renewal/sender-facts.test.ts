/** Senders' statuses and the reminder decision, read through the senders' facts port (in-memory fakes). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type FakeSenderRecord, FakeStore } from '../ports/fakes.js';
import type { Renewal } from '../ports/renewals.js';
import {
  remindVerdicts,
  renewalClockOf,
  renewalStatusOf,
  senderStatusesById,
  senderStatusIn,
  statusOf,
} from './sender-facts.js';

const NOW = new Date('2026-11-27T10:00:00.000Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();

const RENEWAL: Renewal = {
  id: 'ren_1',
  virtualServerId: 'vs_1',
  oldCredentialId: 'cred_old',
  newCredentialId: 'cred_new',
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
  reminders: [],
  gate: null,
  gateOverride: null,
  failuresBaseline: null,
  bridge: null,
  grace: { grace: 'off', graceUntil: null, early: 'off', autoGrace: false },
  oldRootSha256: null,
  newRootSha256: null,
  completion: null,
  createdAt: at(600),
  updatedAt: at(600),
};

function sender(id: string, tenantId: string, extra: Partial<FakeSenderRecord> = {}): FakeSenderRecord {
  return {
    renewalId: 'ren_1',
    readinessId: `rdy_${id}`,
    senderId: id,
    name: `name-${id}`,
    tenantId,
    state: 'notified',
    updatedAt: at(120),
    reason: null,
    failuresAfterT: 0,
    acknowledgedAt: null,
    proof: null,
    removal: null,
    traffic: null,
    grace: null,
    observed: null,
    sourceAddresses: [],
    ...extra,
  };
}

/** ten_1 forwarded an hour ago (ten_2 has not); a told, a reminded, a proven and a pending sender. */
function world(): FakeStore {
  const store = new FakeStore();
  store.senderFacts.rows = [
    sender('snd_told', 'ten_1', { sourceAddresses: ['192.0.2.1'] }),
    sender('snd_reminded', 'ten_1'),
    sender('snd_proven', 'ten_1', {
      state: 'verified',
      proof: { ok: true, at: at(30), afterStaging: true },
    }),
    sender('snd_pending', 'ten_2', { state: 'pending' }),
  ];
  store.renewals.forwardings.push(
    {
      renewalId: 'ren_1',
      tenantId: 'ten_1',
      state: 'forwarded',
      actor: 'a',
      message: null,
      updatedAt: at(60),
    },
    {
      renewalId: 'ren_1',
      tenantId: 'ten_2',
      state: 'announced',
      actor: null,
      message: null,
      updatedAt: at(90),
    },
  );
  store.renewalViews.stepRows.push(
    ...[
      ['stp_1', 'remind', at(5)],
      ['stp_2', 'ack', at(1)],
    ].map(([id, kind, when]) => ({
      id: id!,
      renewalId: 'ren_1',
      kind: kind!,
      role: 'tenant-admin',
      actor: 'a',
      at: when!,
      evidence: { sender: 'snd_reminded' },
    })),
  );
  return store;
}

test('a sender is told when its tenant forwarded; one that is proven needs nothing more; addresses known or not', async () => {
  const store = world();
  const [pending, proven, , told] = await store.senderFacts.list('ren_1');
  assert.deepEqual(
    [pending?.senderId, proven?.senderId, told?.senderId],
    ['snd_pending', 'snd_proven', 'snd_told'],
  );
  const clock = renewalClockOf(RENEWAL);
  const s = statusOf(told!, at(60), clock, NOW);
  assert.equal(s.state, 'told');
  assert.equal(s.since, at(60), 'told when its tenant forwarded');
  assert.equal(s.next.who, 'sender-admin');
  assert.deepEqual(
    [s.traffic.addressesKnown, s.traffic.successesAfterExchange],
    [true, 0],
    'addresses, nothing seen',
  );
  assert.equal(statusOf(proven!, at(60), clock, NOW).proven, true);
  assert.equal(statusOf(proven!, at(60), clock, NOW).traffic.addressesKnown, false);
  assert.equal(statusOf(pending!, null, clock, NOW).state, 'not-told');
});

test('remind: only senders whose admin has the next move, and not within 15 minutes of the last reminder', async () => {
  const store = world();
  const senders = await store.senderFacts.list('ren_1', { tenantIds: ['ten_1'] });
  const verdicts = await remindVerdicts(store, RENEWAL, senders, NOW);
  assert.deepEqual(
    verdicts.map((v) => [v.sender.senderId, v.verdict.ok]),
    [
      ['snd_proven', false],
      ['snd_reminded', false],
      ['snd_told', true],
    ],
  );
  const reminded = verdicts.find((v) => v.sender.senderId === 'snd_reminded')!.verdict;
  assert.ok(!reminded.ok);
  assert.match(reminded.reason, new RegExp(`reminded at ${at(5)}`));
  // A quarter of an hour later it may go again.
  const later = new Date(NOW.getTime() + 10 * 60_000 + 1);
  const again = await remindVerdicts(store, RENEWAL, senders, later);
  assert.equal(again.find((v) => v.sender.senderId === 'snd_reminded')!.verdict.ok, true);
});

test("every sender's status, paged past one page; one sender's status in the renewal, or none", async () => {
  const store = world();
  for (let i = 0; i < 5001; i++)
    store.senderFacts.rows.push(sender(`snd_x${String(i).padStart(5, '0')}`, 'ten_2'));
  const all = await senderStatusesById(store, RENEWAL, NOW);
  assert.equal(all.size, 5005);
  assert.equal(
    all.get('snd_x05000')?.state,
    'told',
    'read from the second page (ten_2 not forwarded: told at its update)',
  );
  assert.equal(all.get('snd_told')?.state, 'told');
  const env = { store, clock: { now: () => NOW.getTime() } };
  const one = await senderStatusIn(env, RENEWAL, 'snd_told');
  assert.deepEqual([one?.id, one?.name, one?.status.state], ['snd_told', 'name-snd_told', 'told']);
  assert.equal(await senderStatusIn(env, RENEWAL, 'snd_nope'), undefined);
});

test("the renewal's status counts its nodes for the current announcement and tallies the senders given", async () => {
  const store = world();
  await store.renewalNodes.arm('ren_1', 1, [
    { nodeId: 'node_a', virtualServerId: 'vs_1' },
    { nodeId: 'node_b', virtualServerId: 'vs_1' },
  ]);
  await store.renewalNodes.update(
    { renewalId: 'ren_1', nodeId: 'node_a', virtualServerId: 'vs_1', sequence: 1 },
    { stagedAckAt: at(10) },
  );
  const statuses = [...(await senderStatusesById(store, RENEWAL, NOW)).values()].map((s) => ({
    state: s.state,
    proven: s.proven,
    oldCredentialServedUntil: null,
  }));
  const { status, tally } = await renewalStatusOf(store, RENEWAL, statuses, NOW, true);
  assert.equal(tally.total, 4);
  assert.equal(tally.proven, 1);
  assert.equal(tally.partial, true);
  assert.equal(status.exchangeAt, RENEWAL.exchangeAt);
  assert.equal(status.exchangedAt, null, 'not exchanged before T');
  const staging = status.steps.find((s) => s.step === 2);
  assert.match(staging?.text ?? '', /1 of 2/);
});
