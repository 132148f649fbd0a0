/** Who hears of a cancelled renewal, against the in-memory ports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeStore } from '../ports/fakes.js';
import { cancelNotices } from './cancel.js';

const NOW = '2026-11-27T10:00:00.000Z';
const clock = { now: () => Date.parse(NOW) };

/** Two tenants of ren_1; ten_2 has a webhook; snd_a was told, snd_b is still pending, snd_c has no contacts. */
function world() {
  const store = new FakeStore();
  store.people.rows = [
    { userId: 'usr_b', email: 'b@x.test', role: 'tenant-admin', scopeId: 'ten_1' },
    { userId: 'usr_a', email: null, role: 'tenant-admin', scopeId: 'ten_1' },
    { userId: 'usr_s', email: 's@x.test', role: 'sender-admin', scopeId: 'snd_a' },
  ];
  store.tenantSettings.rows.ten_2 = {
    tenantId: 'ten_2',
    webhookUrl: 'https://hooks.test/2',
    webhookSecretSealed: 'sealed',
    autoForward: false,
    updatedAt: NOW,
  };
  const row = (senderId: string, tenantId: string, state: 'notified' | 'pending', contacts: string[]) => ({
    id: `rdy_${senderId}`,
    renewalId: 'ren_1',
    senderId,
    tenantId,
    state,
    sourceAddresses: [],
    contacts,
    failuresAfterT: 0,
  });
  store.readiness.rows = [
    row('snd_a', 'ten_1', 'notified', ['a@x.test', 'a2@x.test']),
    row('snd_b', 'ten_1', 'pending', ['b-sender@x.test']),
    row('snd_c', 'ten_2', 'notified', []),
  ];
  const facts = {
    renewal: { id: 'ren_1', exchangeAt: '2026-12-01T00:00:00.000Z' },
    vss: [{ name: 'www' }, { name: 'api' }],
    tenants: [{ id: 'ten_1' }, { id: 'ten_2' }],
  };
  return { store, facts };
}

test('a cancellation is told to the tenant admins (mail, inbox), the tenants’ webhooks and the senders told before, once', async () => {
  const { store, facts } = world();
  const told = await cancelNotices(store, { clock }, facts, 'wrong root', 'admin');
  assert.deepEqual(told, { tenants: 2, senders: 2 });
  const sent = store.outbox.rows.map((n) => [n.idempotencyKey, n.channel, n.recipient, n.state]);
  assert.deepEqual(sent, [
    ['cancel:ren_1:ten_1:inbox:usr_a', 'inbox', 'usr_a', 'delivered'],
    ['cancel:ren_1:ten_1:b@x.test', 'mail', 'b@x.test', 'pending'],
    ['cancel:ren_1:ten_1:inbox:usr_b', 'inbox', 'usr_b', 'delivered'],
    ['cancel:ren_1:ten_2:webhook', 'webhook', 'ten_2', 'pending'],
    ['cancel:ren_1:snd_a:a@x.test', 'mail', 'a@x.test', 'pending'],
    ['cancel:ren_1:snd_a:a2@x.test', 'mail', 'a2@x.test', 'pending'],
  ]);
  const mail = store.outbox.rows.find((n) => n.recipient === 'a@x.test')!;
  assert.equal(
    mail.subject,
    'Renewal ren_1 cancelled — the exchange at 2026-12-01 00:00:00 UTC will not happen',
  );
  assert.equal(mail.body.t, 'escalation');
  assert.match(
    mail.body.t === 'escalation' ? mail.body.text : '',
    /of www, api was cancelled by admin .*: wrong root/,
  );
  assert.deepEqual(store.outbox.rows.find((n) => n.channel === 'webhook')!.body, {
    t: 'event',
    event: {
      type: 'renewal.cancelled',
      renewalId: 'ren_1',
      tenantId: 'ten_2',
      reason: 'wrong root',
      by: 'admin',
    },
  });
  // Told again (a retried transaction): every key exists, nothing is added.
  await cancelNotices(store, { clock }, facts, 'wrong root', 'admin');
  assert.equal(store.outbox.rows.length, sent.length);
});

test('a renewal without tenants tells nobody', async () => {
  const { store, facts } = world();
  store.readiness.rows = [];
  assert.deepEqual(await cancelNotices(store, { clock }, { ...facts, tenants: [] }, 'r', 'admin'), {
    tenants: 0,
    senders: 0,
  });
  assert.deepEqual(store.outbox.rows, []);
});
