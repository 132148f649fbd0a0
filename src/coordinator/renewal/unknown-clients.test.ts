import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GracePolicy } from '../../renewal/grace.js';
import { graceRefusal, unknownClientsView } from './unknown-clients.js';

const NOW = new Date('2026-12-01T10:00:00Z');
const UNTIL = new Date('2026-12-08T02:00:00Z');
const GRACE: GracePolicy = { grace: 'unready', graceUntil: UNTIL, early: 'off', autoGrace: true };
const seen = (address: string, gracedAt: string | null = null) => ({
  address,
  firstSeenAt: '2026-11-30T10:00:00.000Z',
  lastSeenAt: '2026-12-01T09:00:00.000Z',
  handshakes: 3,
  gracedAt,
  gracedBy: gracedAt ? 'lb-admin' : null,
});

test('unknown clients are told what happens to them at T, and grace is offered only while it can work', () => {
  const v = unknownClientsView(
    [seen('192.0.2.7'), seen('192.0.2.8', '2026-12-01T09:30:00.000Z')],
    { state: 'staged', exchanged: false, grace: GRACE },
    NOW,
  );
  assert.equal(v.headline, 'unknown clients: will get the new certificate at T (1 address(es); 1 graced)');
  assert.equal(v.clients[0]!.note, 'will get the new certificate at T');
  assert.match(v.clients[1]!.note, /keeps the old certificate after T until 2026-12-08T02:00:00.000Z/);
  assert.equal(v.graceThem.available, true);
  const after = unknownClientsView(
    [seen('192.0.2.7')],
    { state: 'verified', exchanged: true, grace: GRACE },
    NOW,
  );
  assert.equal(after.clients[0]!.note, 'got the new certificate at T');
  assert.equal(graceRefusal('completed', GRACE, 1, NOW), 'the renewal is completed');
  assert.match(
    graceRefusal('staged', { ...GRACE, grace: 'off', graceUntil: null }, 1, NOW)!,
    /grace policy is off/,
  );
  assert.match(graceRefusal('verified', GRACE, 1, UNTIL)!, /has passed/);
  assert.match(graceRefusal('staged', GRACE, 0, NOW)!, /no unknown client is left/);
  assert.equal(graceRefusal('staged', GRACE, 2, NOW), null);
});
