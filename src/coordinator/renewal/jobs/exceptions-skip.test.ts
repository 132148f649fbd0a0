import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ExceptionsMemo, mayReuse, memoUntil, rowsKeyOf } from './exceptions-skip.js';

const T = Date.parse('2026-12-08T00:00:00.000Z');
const rows = rowsKeyOf([
  { nodeId: 'n1', virtualServerId: 'vs1', exceptions: { outcome: 'applied', entries: [] } },
]);
const memo: ExceptionsMemo = { inputs: 'd1', rows, until: T };
const now = { inputs: 'd1', rows, at: T - 1, outcomes: ['applied', 'not-yet'] };

test('the last run is reused only when inputs, rows and deadline all still hold', () => {
  assert.equal(mayReuse(memo, now), true);
  assert.equal(mayReuse(undefined, now), false, 'no record: recompute');
  assert.equal(mayReuse(memo, { ...now, inputs: 'd2' }), false, 'an input changed');
  assert.equal(mayReuse(memo, { ...now, rows: rowsKeyOf([]) }), false, "a node's row changed");
  assert.equal(mayReuse(memo, { ...now, at: T }), false, 'the grace deadline passed: entries drop');
  assert.equal(mayReuse({ ...memo, until: null }, { ...now, at: T + 1e9 }), true, 'no deadline ahead');
  for (const o of ['differs', 'failed', null])
    assert.equal(mayReuse(memo, { ...now, outcomes: ['applied', o] }), false, `a node ${o ?? 'never sent'}`);
});

test('the deadline a table depends on is the grace deadline while it lies ahead', () => {
  assert.equal(memoUntil(new Date(T), new Date(T - 1)), T);
  assert.equal(memoUntil(new Date(T), new Date(T)), null);
  assert.equal(memoUntil(null, new Date(T)), null);
});

test("the rows' key changes with any node's answer", () => {
  const a = rowsKeyOf([{ nodeId: 'n1', virtualServerId: 'vs1', exceptions: { outcome: 'applied' } }]);
  const b = rowsKeyOf([{ nodeId: 'n1', virtualServerId: 'vs1', exceptions: { outcome: 'differs' } }]);
  assert.notEqual(a, b);
  assert.notEqual(a, rowsKeyOf([{ nodeId: 'n1', virtualServerId: 'vs1' }]));
});
