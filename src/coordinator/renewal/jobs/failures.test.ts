import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeReadiness } from '../../ports/fakes.js';
import { attributeFailures } from './failures.js';

function world() {
  const r = new FakeReadiness();
  const row = (senderId: string, sourceAddresses: string[], failuresAfterT = 0) => ({
    id: `rdy_${senderId}`,
    renewalId: 'ren_1',
    senderId,
    tenantId: 'ten_1',
    state: 'notified' as const,
    sourceAddresses,
    contacts: [],
    failuresAfterT,
  });
  r.rows = [
    row('snd_net', ['10.1.0.0/16']),
    row('snd_one', ['192.0.2.7', '::ffff:198.51.100.1'], 4),
    row('snd_none', [], 0),
  ];
  return r;
}

test('failures after T are attributed to every sender whose hints cover the client; unchanged counts are not written', async () => {
  const r = world();
  await attributeFailures(
    r,
    'ren_1',
    new Map([
      ['10.1.2.3', 2],
      ['::ffff:10.1.9.9', 3],
      ['192.0.2.7', 4],
      ['203.0.113.5', 9],
    ]),
  );
  assert.deepEqual(
    r.rows.map((x) => [x.senderId, x.failuresAfterT]),
    [
      ['snd_net', 5],
      ['snd_one', 4],
      ['snd_none', 0],
    ],
  );
  assert.deepEqual(r.writes, [{ readinessId: 'rdy_snd_net', n: 5 }], 'only the changed count was written');
});

test('a sender whose failures stopped is set back to zero', async () => {
  const r = world();
  await attributeFailures(r, 'ren_1', new Map());
  assert.deepEqual(r.writes, [{ readinessId: 'rdy_snd_one', n: 0 }]);
});

test('IPv6 hints attribute IPv6 clients as numbers, in any spelling; IPv4-mapped hints cover IPv4 clients', async () => {
  const r = new FakeReadiness();
  r.rows = [
    { ...world().rows[0]!, senderId: 'snd_v6', id: 'rdy_v6', sourceAddresses: ['2001:DB8:1::/48'] },
    { ...world().rows[0]!, senderId: 'snd_map', id: 'rdy_map', sourceAddresses: ['::ffff:203.0.113.0/120'] },
  ];
  await attributeFailures(
    r,
    'ren_1',
    new Map([
      ['2001:db8:1:2::5', 2],
      ['2001:0db8:0001:ffff:0:0:0:1', 3],
      ['2001:db8:2::1', 100],
      ['203.0.113.9', 7],
    ]),
  );
  assert.deepEqual(
    r.rows.map((x) => [x.senderId, x.failuresAfterT]),
    [
      ['snd_v6', 5],
      ['snd_map', 7],
    ],
  );
});
