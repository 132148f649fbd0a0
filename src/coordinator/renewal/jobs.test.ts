import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addressMatches } from './jobs.js';
import { backoffMs } from './outbox.js';
import type { RenewalEnv } from './ports.js';

test('a client address is attributed to a sender through an exact address or a CIDR hint', () => {
  assert.equal(addressMatches('127.0.0.4', '127.0.0.4'), true);
  assert.equal(addressMatches('::ffff:127.0.0.4', '127.0.0.4'), true);
  assert.equal(addressMatches('127.0.0.4', '127.0.0.2'), false);
  assert.equal(addressMatches('10.1.2.3', '10.1.0.0/16'), true);
  assert.equal(addressMatches('10.2.2.3', '10.1.0.0/16'), false);
  assert.equal(addressMatches('10.2.2.3', '0.0.0.0/0'), true);
});

test('outbox retries back off exponentially up to the cap', () => {
  const env = { renewal: { retryBaseMs: 1000, retryMaxMs: 10_000 } } as RenewalEnv;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffMs(env, n)),
    [1000, 2000, 4000, 8000, 10_000, 10_000],
  );
});
