import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RemovalContext, removalDecision } from './removal-policy.js';

const OLD = 'a'.repeat(64);
const NEW = 'b'.repeat(64);
const OTHER = 'c'.repeat(64);
const T = new Date('2026-12-01T02:00:00Z');
const SAFE = new Date('2026-12-08T02:00:00Z');
const ctx = (state: string): RemovalContext => ({
  state,
  exchangeAt: T,
  safeRemovalAt: SAFE,
  oldRootSha256: OLD,
  newRootSha256: NEW,
});
const before = new Date('2026-12-05T00:00:00Z');
const afterSafe = new Date('2026-12-09T00:00:00Z');

test('the old root may go only after the safe-removal instant on a verified exchange', () => {
  const cases: Array<[string, Date, boolean]> = [
    ['announced', before, false],
    ['exchanged', afterSafe, false],
    ['verified', before, false],
    ['verified', afterSafe, true],
    ['retiring', afterSafe, true],
    ['completed', afterSafe, true],
    ['rolled-back', afterSafe, false],
    ['cancelled', afterSafe, false],
  ];
  for (const [state, now, ok] of cases) {
    assert.equal(removalDecision([OLD], ctx(state), now).ok, ok, `${state} at ${now.toISOString()}`);
  }
});

test('the new root may go only when the renewal was cancelled', () => {
  assert.equal(removalDecision([NEW], ctx('completed'), afterSafe).ok, false);
  assert.match(removalDecision([NEW], ctx('announced'), before).reason, /new root/);
  assert.equal(removalDecision([NEW], ctx('cancelled'), before).ok, true);
});

test('a root the renewal does not use may go at any time', () => {
  assert.equal(removalDecision([OTHER], ctx('announced'), before).ok, true);
});

test('the refusal names the instant the window closes', () => {
  assert.match(removalDecision([OLD], ctx('verified'), before).reason, /2026-12-08T02:00:00\.000Z/);
});
