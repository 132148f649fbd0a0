import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRolloverError } from '../shared/errors.js';
import { DEFAULT_TIMING, latestSafeExchange, removalAllowed, renewalTimes } from './timing.js';

const H = 3_600_000;
const D = 24 * H;
const plannedAt = new Date('2026-11-01T00:00:00Z');

test('the instants of a renewal follow from T and the policy, computed once', () => {
  const t = renewalTimes({
    exchangeAt: new Date('2026-12-01T02:00:00Z'),
    plannedAt,
    rollbackWindowMs: 24 * H,
    policy: DEFAULT_TIMING,
  });
  assert.equal(t.gateAt.toISOString(), '2026-12-01T01:00:00.000Z');
  assert.equal(t.postponeDeadline.toISOString(), '2026-12-01T01:45:00.000Z');
  assert.equal(t.safeRemovalAt.toISOString(), '2026-12-02T02:00:00.000Z');
  assert.deepEqual(
    t.reminders.map((r) => r.toISOString()),
    [
      '2026-11-17T02:00:00.000Z',
      '2026-11-24T02:00:00.000Z',
      '2026-11-30T02:00:00.000Z',
      '2026-12-01T01:00:00.000Z',
    ],
  );
});

test('reminders that would fall before planning are dropped', () => {
  const t = renewalTimes({
    exchangeAt: new Date(plannedAt.getTime() + 8 * D),
    plannedAt,
    rollbackWindowMs: 0,
    policy: DEFAULT_TIMING,
  });
  assert.equal(t.reminders.length, 3);
});

test('a T in the past or inside the minimum lead is refused', () => {
  for (const exchangeAt of [
    new Date(plannedAt.getTime() - 1),
    plannedAt,
    new Date(plannedAt.getTime() + 6 * D),
  ]) {
    assert.throws(
      () => renewalTimes({ exchangeAt, plannedAt, rollbackWindowMs: 0, policy: DEFAULT_TIMING }),
      (e) => isRolloverError(e, 'BAD_TIME'),
    );
  }
});

test('seconds-scale leads are allowed when the policy says so (demos and tests)', () => {
  const policy = { ...DEFAULT_TIMING, minLeadMs: 2000, gateLeadMs: 500, postponeCutoffMs: 200 };
  const t = renewalTimes({
    exchangeAt: new Date(plannedAt.getTime() + 3000),
    plannedAt,
    rollbackWindowMs: 1000,
    policy,
  });
  assert.equal(t.gateAt.getTime(), plannedAt.getTime() + 2500);
  assert.deepEqual(t.reminders, []);
});

test('the latest safe T leaves the rollback window before the old credential expires', () => {
  assert.equal(
    latestSafeExchange(new Date('2027-01-10T00:00:00Z'), 2 * D).toISOString(),
    '2027-01-08T00:00:00.000Z',
  );
});

test('removing the old root waits for a verified exchange and a closed rollback window', () => {
  const safeRemovalAt = new Date('2026-12-02T02:00:00Z');
  assert.equal(
    removalAllowed({ now: new Date('2026-12-03T00:00:00Z'), safeRemovalAt, exchangeVerified: false }).ok,
    false,
  );
  assert.equal(
    removalAllowed({ now: new Date('2026-12-02T01:59:59Z'), safeRemovalAt, exchangeVerified: true }).ok,
    false,
  );
  assert.equal(removalAllowed({ now: safeRemovalAt, safeRemovalAt, exchangeVerified: true }).ok, true);
});
