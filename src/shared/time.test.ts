import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRolloverError } from './errors.js';
import { formatInstant, parseInstant } from './time.js';

test('an ISO 8601 instant with a zone reads as that instant', () => {
  assert.equal(parseInstant('2026-12-01T02:00:00Z').getTime(), Date.UTC(2026, 11, 1, 2, 0, 0));
  assert.equal(parseInstant('2026-12-01T03:00:00+01:00').getTime(), Date.UTC(2026, 11, 1, 2, 0, 0));
  assert.equal(parseInstant('2026-12-01T02:00:00.250Z').getTime(), Date.UTC(2026, 11, 1, 2, 0, 0, 250));
});

test('a time without a zone is refused, since it would mean different instants on different machines', () => {
  for (const bad of ['2026-12-01T02:00:00', '2026-12-01', 'tomorrow', '2026-13-01T00:00:00Z', '']) {
    assert.throws(
      () => parseInstant(bad),
      (e) => isRolloverError(e, 'BAD_TIME'),
      bad,
    );
  }
});

test('instants format as UTC without zero milliseconds', () => {
  assert.equal(formatInstant(new Date(Date.UTC(2026, 11, 1, 2))), '2026-12-01T02:00:00Z');
});
