/** Sender notices as a forward writes them, against the in-memory ports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeStore } from '../ports/fakes.js';
import { notifySenders } from './forward.js';

const NOW = '2026-11-27T10:00:00.000Z';
const env = { clock: { now: () => Date.parse(NOW) }, renewal: { linkTtlMs: 3_600_000 } };
const facts = {
  renewal: { id: 'ren_1', sequence: 0, exchangeAt: '2026-12-01T00:00:00.000Z' },
  vss: [{ name: 'www' }],
};

/** snd_a with two contacts and a sender admin, snd_b with no contact, snd_c of another tenant. */
function world() {
  const store = new FakeStore();
  store.inventory.senderRows = [
    ['snd_a', 'ten_1', ['a@x.test', 'a2@x.test']],
    ['snd_b', 'ten_1', []],
    ['snd_c', 'ten_2', ['c@x.test']],
  ].map(([id, tenantId, contacts]) => ({
    id: id as string,
    tenantId: tenantId as string,
    name: id as string,
    contacts: contacts as string[],
    truststoreKind: 'jks',
    sourceAddresses: [],
    clientCertSubject: null,
    createdAt: NOW,
  }));
  store.people.rows = [{ userId: 'usr_s', email: 's@x.test', role: 'sender-admin', scopeId: 'snd_a' }];
  return store;
}

test('each sender gets a fresh personal link; its contacts are mailed and its sender admins see it in the inbox', async () => {
  const store = world();
  await notifySenders(store, env, facts, ['snd_a', 'snd_b'], {
    keyPrefix: 'fwd:ren_1:0',
    message: 'please add it',
    fresh: true,
  });
  const links = store.senderLinks.rows;
  assert.deepEqual(
    links.map((l) => [l.renewalId, l.senderId, l.expiresAt, l.revokedAt]),
    [
      ['ren_1', 'snd_a', '2026-11-27T11:00:00.000Z', null],
      ['ren_1', 'snd_b', '2026-11-27T11:00:00.000Z', null],
    ],
  );
  const linkOf = (s: string) => links.find((l) => l.senderId === s)!.id;
  assert.deepEqual(
    store.outbox.rows.map((n) => [n.idempotencyKey, n.channel, n.recipient]),
    [
      ['fwd:ren_1:0:snd_a:a@x.test', 'mail', 'a@x.test'],
      ['fwd:ren_1:0:snd_a:a2@x.test', 'mail', 'a2@x.test'],
      ['fwd:ren_1:0:snd_a:inbox:usr_s', 'inbox', 'usr_s'],
    ],
  );
  for (const n of store.outbox.rows) {
    assert.equal(n.subject, 'Add the new root for www before 2026-12-01 00:00:00 UTC');
    assert.deepEqual(n.body, {
      t: 'sender-notice',
      renewalId: 'ren_1',
      senderId: 'snd_a',
      linkId: linkOf('snd_a'),
      sequence: 0,
      message: 'please add it',
    });
  }
});

test('a reminder revokes the link a sender had, issues the next, and is marked; contacts read by the caller are used as given', async () => {
  const store = world();
  await notifySenders(store, env, facts, ['snd_c'], { keyPrefix: 'fwd:ren_1:0', fresh: true });
  const first = store.senderLinks.rows[0]!.id;
  await notifySenders(store, env, facts, [{ senderId: 'snd_c', contacts: ['given@x.test'] }], {
    keyPrefix: 'rem:ren_1:0',
    reminder: true,
  });
  const [old, next] = store.senderLinks.rows;
  assert.equal(old!.id, first);
  assert.equal(old!.revokedAt, NOW);
  assert.equal(next!.revokedAt, null);
  const reminder = store.outbox.rows.at(-1)!;
  assert.deepEqual(
    [reminder.idempotencyKey, reminder.recipient, reminder.subject],
    [
      'rem:ren_1:0:snd_c:given@x.test',
      'given@x.test',
      '[reminder] Add the new root for www before 2026-12-01 00:00:00 UTC',
    ],
  );
  assert.deepEqual(reminder.body, {
    t: 'sender-notice',
    renewalId: 'ren_1',
    senderId: 'snd_c',
    linkId: next!.id,
    sequence: 0,
    reminder: true,
  });
  // Nobody to tell: nothing is written.
  const rows = store.outbox.rows.length;
  await notifySenders(store, env, facts, [], { keyPrefix: 'x' });
  assert.equal(store.outbox.rows.length, rows);
});
