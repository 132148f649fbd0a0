import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, parseDuration } from './duration.js';
import { isRolloverError } from './errors.js';

const H = 3_600_000;

test('short durations read as the operator writes them', () => {
  assert.equal(parseDuration('90d'), 90 * 24 * H);
  assert.equal(parseDuration('24h'), 24 * H);
  assert.equal(parseDuration('15m'), 15 * 60_000);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('1h30m'), 1.5 * H);
});

test('ISO 8601 durations are accepted too', () => {
  assert.equal(parseDuration('P90D'), 90 * 24 * H);
  assert.equal(parseDuration('PT24H'), 24 * H);
  assert.equal(parseDuration('P1DT2H30M'), 26.5 * H);
  assert.equal(parseDuration('P2W'), 14 * 24 * H);
  assert.equal(parseDuration('PT0.5S'), 500);
});

test('anything else is refused with BAD_DURATION', () => {
  for (const bad of ['', '90', 'd', '1y', '10 days', 'P', 'PT', 'P1M', '5h-', '-5h', 'P1Y']) {
    assert.throws(
      () => parseDuration(bad),
      (e) => isRolloverError(e, 'BAD_DURATION'),
      bad,
    );
  }
});

test('durations format back to their short form', () => {
  assert.equal(formatDuration(parseDuration('1h30m')), '1h30m');
  assert.equal(formatDuration(parseDuration('P90D')), '90d');
  assert.equal(formatDuration(0), '0s');
});
