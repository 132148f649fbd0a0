import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACCOUNT_DELAY, ADDRESS_DELAY, delayAfter, FailureLimiter } from './rate-limit.js';

test('an account waits 0 s for 3 failures, then 1, 2, 4, 8, 16 s and never more than 30 s', () => {
  const waits = Array.from({ length: 10 }, (_, i) => delayAfter(i + 1, ACCOUNT_DELAY) / 1000);
  assert.deepEqual(waits, [0, 0, 0, 1, 2, 4, 8, 16, 30, 30]);
  assert.equal(delayAfter(1e9, ACCOUNT_DELAY), 30_000, 'no overflow however many failures');
  assert.equal(delayAfter(10, ADDRESS_DELAY), 0);
  assert.equal(delayAfter(11, ADDRESS_DELAY), 1000);
  assert.equal(delayAfter(30, ADDRESS_DELAY), 5 * 60_000);
});

test('the wait runs from the last failure; a key with no failure for the forget window starts afresh', () => {
  let now = 0;
  const limiter = new FailureLimiter({ now: () => now }, 60_000);
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter('k', ACCOUNT_DELAY), 0);
    limiter.fail('k', ACCOUNT_DELAY);
  }
  assert.equal(limiter.retryAfter('k', ACCOUNT_DELAY), 0, 'three failures are free');
  assert.deepEqual(limiter.fail('k', ACCOUNT_DELAY), { failures: 4, delayMs: 1000 });
  assert.equal(limiter.retryAfter('k', ACCOUNT_DELAY), 1000);
  assert.equal(limiter.retryAfter('other', ACCOUNT_DELAY), 0, 'other keys are not affected');
  now += 1000;
  assert.equal(limiter.retryAfter('k', ACCOUNT_DELAY), 0, 'never a hard lock: the delay passes');
  assert.deepEqual(limiter.fail('k', ACCOUNT_DELAY), { failures: 5, delayMs: 2000 });
  now += 60_000;
  assert.equal(limiter.retryAfter('k', ACCOUNT_DELAY), 0);
  assert.deepEqual(limiter.fail('k', ACCOUNT_DELAY), { failures: 1, delayMs: 0 }, 'forgotten');
});

test('a reset forgets the failures', () => {
  const limiter = new FailureLimiter({ now: () => 0 });
  for (let i = 0; i < 5; i++) limiter.fail('k', ACCOUNT_DELAY);
  assert.ok(limiter.retryAfter('k', ACCOUNT_DELAY) > 0);
  limiter.reset('k');
  assert.equal(limiter.retryAfter('k', ACCOUNT_DELAY), 0);
});
