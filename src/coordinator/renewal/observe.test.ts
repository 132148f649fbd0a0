import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeControl } from './node-control.js';
import { addressIn, observationOf, seenClientsOf, unknownClientsOf } from './observe.js';

type ClientFailures = Awaited<ReturnType<NodeControl['failures']>>[number];

const NEW = 'aa'.repeat(32);
const OLD = 'bb'.repeat(32);
const row = (client: string, extra: Partial<ClientFailures>): ClientFailures => ({
  client,
  virtualServer: 'web',
  reasons: {},
  last: '',
  ...extra,
});

test('an observation sums preview handshakes with the new credential from the sender addresses, over nodes', () => {
  const rows = [
    row('127.0.0.2', { preview: { [NEW]: 2 }, previewLast: { [NEW]: '2026-12-01T10:00:00.000Z' } }),
    row('::ffff:127.0.0.3', { preview: { [NEW]: 1 }, previewLast: { [NEW]: '2026-12-01T10:05:00.000Z' } }),
    // Served the old credential (staging not yet acknowledged there): proves nothing.
    row('127.0.0.4', { preview: { [OLD]: 5 }, previewLast: { [OLD]: '2026-12-01T10:09:00.000Z' } }),
    // Main-listener handshakes are not preview handshakes.
    row('127.0.0.5', { ok: { [NEW]: 1 }, okLast: { [NEW]: '2026-12-01T10:09:00.000Z' } }),
  ];
  assert.deepEqual(observationOf(rows, ['127.0.0.0/30'], NEW, null), {
    firstAt: '2026-12-01T10:05:00.000Z',
    at: '2026-12-01T10:05:00.000Z',
    client: '127.0.0.3',
    handshakes: 3,
  });
  assert.equal(observationOf(rows, ['127.0.0.4', '127.0.0.5'], NEW, null), null);
  const prev = {
    firstAt: '2026-12-01T09:00:00.000Z',
    at: '2026-12-01T09:00:00.000Z',
    client: 'x',
    handshakes: 1,
  };
  assert.equal(observationOf(rows, ['127.0.0.2'], NEW, prev)!.firstAt, prev.firstAt);
});

test('clients seen are main-listener handshakes within the window; unknown ones match no sender', () => {
  const rows = [
    row('127.0.0.9', { ok: { [OLD]: 4 }, okLast: { [OLD]: '2026-12-01T10:00:00.000Z' } }),
    row('127.0.0.8', { ok: { [OLD]: 1 }, okLast: { [OLD]: '2026-11-01T10:00:00.000Z' } }),
    row('127.0.0.7', { reasons: { unknown_ca: 3 }, last: '2026-12-01T10:00:00.000Z' }),
    row('10.1.2.3', { ok: { [OLD]: 2 }, okLast: { [OLD]: '2026-12-01T09:00:00.000Z' } }),
  ];
  const seen = seenClientsOf(rows, '2026-11-24T10:00:00.000Z');
  assert.deepEqual(
    seen.map((c) => [c.address, c.handshakes]),
    [
      ['10.1.2.3', 2],
      ['127.0.0.9', 4],
    ],
  );
  const full = seen.map((c) => ({ ...c, firstSeenAt: c.lastSeenAt, gracedAt: null, gracedBy: null }));
  assert.deepEqual(
    unknownClientsOf(full, ['10.0.0.0/8']).map((c) => c.address),
    ['127.0.0.9'],
  );
});

test('addresses match a sender by address or range, IPv4 and IPv6 alike', () => {
  assert.equal(addressIn('127.0.0.2', '127.0.0.2'), true);
  assert.equal(addressIn('::ffff:127.0.0.2', '127.0.0.0/30'), true);
  assert.equal(addressIn('127.0.0.9', '127.0.0.0/30'), false);
  assert.equal(addressIn('2001:db8::7', '2001:db8::/64'), true);
  assert.equal(addressIn('2001:db8:1::7', '2001:db8::/64'), false);
  assert.equal(addressIn('::1', '::1'), true);
  assert.equal(addressIn('not an address', '0.0.0.0/0'), false);
});
