import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffMs } from './outbox.js';
import type { RenewalEnv } from './ports.js';

test('outbox retries back off exponentially up to the cap', () => {
  const env = { renewal: { retryBaseMs: 1000, retryMaxMs: 10_000 } } as RenewalEnv;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffMs(env, n)),
    [1000, 2000, 4000, 8000, 10_000, 10_000],
  );
});
