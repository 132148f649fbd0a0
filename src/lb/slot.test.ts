import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRolloverError } from '../shared/errors.js';
import { activate, rollback, type Slot, servedAt, settle, stage, unstage } from './slot.js';

const T = 1_000_000;
const staged: Slot<string> = { active: 'old', staged: { credential: 'new', activateAt: T } };

test('a handshake before T gets the active credential and one at or after T the staged one', () => {
  assert.equal(servedAt(staged, T - 1), 'old');
  assert.equal(servedAt(staged, T), 'new');
  assert.equal(servedAt(staged, T + 1), 'new');
});

test('settling after T makes the staged credential active and keeps the old one as previous', () => {
  assert.equal(settle(staged, T - 1), staged);
  assert.deepEqual(settle(staged, T), { active: 'new', previous: 'old', lastSwapAt: T });
});

test('staging again replaces the staged credential and its T (a postpone)', () => {
  const s = stage(staged, 'newer', T + 50, T - 10);
  assert.deepEqual(s.staged, { credential: 'newer', activateAt: T + 50 });
  assert.equal(s.active, 'old');
});

test('staging after an earlier T has passed first folds that swap in', () => {
  const s = stage(staged, 'next', T + 500, T + 10);
  assert.equal(s.active, 'new');
  assert.equal(s.previous, 'old');
  assert.equal(s.staged?.credential, 'next');
});

test('unstage drops the staged credential and has nothing to do when none is staged', () => {
  assert.deepEqual(unstage(staged, T - 1), { active: 'old' });
  const plain = { active: 'old' };
  assert.equal(unstage(plain, 0), plain);
  assert.deepEqual(unstage(staged, T + 1), { active: 'new', previous: 'old', lastSwapAt: T });
});

test('activate serves the staged credential now and records when', () => {
  assert.deepEqual(activate(staged, T - 100), { active: 'new', previous: 'old', lastSwapAt: T - 100 });
  assert.throws(
    () => activate({ active: 'old' }, 0),
    (e) => isRolloverError(e, 'NOTHING_STAGED'),
  );
});

test('rollback swaps back to the previous credential and can itself be rolled back', () => {
  const after = settle(staged, T);
  const back = rollback(after, T + 10);
  assert.equal(back.active, 'old');
  assert.equal(back.previous, 'new');
  assert.equal(rollback(back, T + 20).active, 'new');
  assert.throws(
    () => rollback({ active: 'old' }, 0),
    (e) => isRolloverError(e, 'NO_PREVIOUS'),
  );
});

test('rollback before T drops the staged credential', () => {
  const s: Slot<string> = { active: 'b', previous: 'a', staged: { credential: 'c', activateAt: T } };
  assert.deepEqual(rollback(s, T - 1), { active: 'a', previous: 'b', lastSwapAt: T - 1 });
});
