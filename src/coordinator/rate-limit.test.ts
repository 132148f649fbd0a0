import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureLimiter } from './rate-limit.js';

test('a key is locked after the limit of failures and free again when the window has passed', () => {
  let now = 0;
  const limiter = new FailureLimiter({ now: () => now }, 3, 60_000);
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfter('k'), 0);
    limiter.fail('k');
    now += 1000;
  }
  assert.equal(limiter.retryAfter('k'), 57_000);
  assert.equal(limiter.retryAfter('other'), 0, 'other keys are not affected');
  now = 60_001;
  assert.equal(limiter.retryAfter('k'), 0, 'the oldest failure left the window');
});

test('a reset forgets the failures', () => {
  const limiter = new FailureLimiter({ now: () => 0 }, 1, 60_000);
  limiter.fail('k');
  assert.ok(limiter.retryAfter('k') > 0);
  limiter.reset('k');
  assert.equal(limiter.retryAfter('k'), 0);
});
