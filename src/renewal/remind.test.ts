import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REMIND_INTERVAL_MS, remindVerdict } from './remind.js';

const now = new Date('2026-12-02T12:00:00Z');
const todo = {
  headline: 'told, act by T',
  next: { who: 'sender-admin' as const, action: 'add the new root', by: null },
};

test('a sender whose admin has the next move may be reminded', () => {
  assert.deepEqual(remindVerdict(todo, null, now), { ok: true });
  assert.deepEqual(remindVerdict(todo, new Date(now.getTime() - REMIND_INTERVAL_MS), now), { ok: true });
});

test('nobody is reminded of what is not theirs to do', () => {
  for (const who of ['tenant-admin', 'lb-admin', 'nobody'] as const) {
    const status = { headline: 'proven ready', next: { who, action: 'wait', by: null } };
    const v = remindVerdict(status, null, now);
    assert.equal(v.ok, false);
    assert.match(v.ok ? '' : v.reason, new RegExp(`proven ready; next: ${who}`));
  }
});

test('a second reminder within the interval is refused, saying from when', () => {
  const last = new Date(now.getTime() - 60_000);
  const v = remindVerdict(todo, last, now);
  assert.equal(v.ok, false);
  assert.equal(v.ok ? null : v.from?.getTime(), last.getTime() + REMIND_INTERVAL_MS);
});
