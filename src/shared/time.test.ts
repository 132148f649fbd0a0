import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRolloverError } from './errors.js';
import { formatInstant, parseInstant } from './time.js';

test('an RFC 3339 instant with a zone reads as that instant', () => {
  assert.equal(parseInstant('2026-12-01T02:00:00Z').getTime(), Date.UTC(2026, 11, 1, 2, 0, 0));
  assert.equal(parseInstant('2026-12-01T03:00:00+01:00').getTime(), Date.UTC(2026, 11, 1, 2, 0, 0));
  assert.equal(parseInstant('2026-12-01T00:30:00-01:30').getTime(), Date.UTC(2026, 11, 1, 2, 0, 0));
  assert.equal(parseInstant('2026-12-01T02:00:00.250Z').getTime(), Date.UTC(2026, 11, 1, 2, 0, 0, 250));
  assert.equal(parseInstant('2026-12-01t02:00:00.123456789z').getTime(), Date.UTC(2026, 11, 1, 2, 0, 0, 123));
  assert.equal(parseInstant('2028-02-29T23:59:59Z').getTime(), Date.UTC(2028, 1, 29, 23, 59, 59));
  assert.equal(parseInstant('2000-02-29T00:00:00Z').getTime(), Date.UTC(2000, 1, 29));
  assert.equal(parseInstant('0099-01-01T00:00:00Z').toISOString(), '0099-01-01T00:00:00.000Z');
});

test('a time without a zone, or not in RFC 3339 form, is refused', () => {
  for (const bad of [
    '2026-12-01T02:00:00',
    '2026-12-01',
    '2026-12-01T02:00Z',
    '2026-12-01 02:00:00Z',
    '2026-12-01T02:00:00+0100',
    ' 2026-12-01T02:00:00Z',
    '2026-12-01T02:00:00Z ',
    '+002026-12-01T02:00:00Z',
    'tomorrow',
    '1764554400000',
    '',
  ]) {
    assert.throws(
      () => parseInstant(bad),
      (e) => isRolloverError(e, 'BAD_TIME') && e.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});

test('an instant that does not exist on the calendar is refused, never rolled over into the next month', () => {
  for (const bad of [
    '2027-02-30T00:00:00Z',
    '2027-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-12-00T00:00:00Z',
    '2026-12-01T24:00:00Z',
    '2026-12-01T23:60:00Z',
    '2026-12-31T23:59:60Z',
    '2026-12-01T02:00:00+24:00',
    '2026-12-01T02:00:00+01:60',
  ]) {
    assert.throws(
      () => parseInstant(bad),
      (e) => isRolloverError(e, 'BAD_TIME') && e.message.includes(JSON.stringify(bad)),
      bad,
    );
  }
});

test('every accepted instant round-trips through its fields', () => {
  for (let day = 0; day < 800; day += 7) {
    const d = new Date(Date.UTC(2026, 0, 1 + day, day % 24, day % 60, (day * 7) % 60));
    assert.equal(parseInstant(formatInstant(d)).getTime(), d.getTime());
  }
});

test('instants format as UTC without zero milliseconds', () => {
  assert.equal(formatInstant(new Date(Date.UTC(2026, 11, 1, 2))), '2026-12-01T02:00:00Z');
});
