import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Slot } from './slot.js';
import {
  changeTable,
  chooseFor,
  ExceptionIndex,
  exchangeOf,
  parseCidr,
  type SourceException,
  shouldAutoGrace,
} from './source-exceptions.js';

const T = 1_000_000;
const UNTIL = T + 5000;
const staged: Slot<string> = { active: 'old', staged: { credential: 'new', activateAt: T } };
const settled: Slot<string> = { active: 'new', previous: 'old', lastSwapAt: T };

const table: SourceException[] = [
  { cidr: '127.0.0.2/32', serve: 'old', until: UNTIL },
  { cidr: '127.0.0.3/32', serve: 'new' },
  { cidr: '10.1.0.0/16', serve: 'old', until: UNTIL },
  { cidr: '10.1.2.0/24', serve: 'new' },
  { cidr: '10.1.2.9/32', serve: 'old', until: T - 1 },
  { cidr: '::1/128', serve: 'old', until: UNTIL },
  { cidr: '2001:db8::/32', serve: 'new' },
];
const index = new ExceptionIndex(table);

test('the rule per handshake, as a table: address × instant → credential', () => {
  const rows: Array<[string, number, string]> = [
    // before T: old, except serve:new
    ['127.0.0.1', T - 1, 'old'],
    ['127.0.0.2', T - 1, 'old'],
    ['127.0.0.3', T - 1, 'new'],
    ['::ffff:127.0.0.3', T - 1, 'new'],
    ['2001:db8:0::7', T - 1, 'new'],
    // from T: new, except serve:old whose until has not passed
    ['127.0.0.1', T, 'new'],
    ['127.0.0.2', T, 'old'],
    ['::ffff:127.0.0.2', UNTIL - 1, 'old'],
    ['127.0.0.2', UNTIL, 'new'],
    ['127.0.0.3', T, 'new'],
    ['::1', T + 1, 'old'],
    ['0:0:0:0:0:0:0:1', T + 1, 'old'],
    ['::1', UNTIL, 'new'],
    // most specific wins: /24 new inside /16 old; an expired /32 falls through to its /24
    ['10.1.7.7', T + 1, 'old'],
    ['10.1.2.7', T + 1, 'new'],
    ['10.1.2.7', T - 1, 'new'],
    ['10.1.2.9', T + 1, 'new'],
    ['10.2.0.1', T + 1, 'new'],
  ];
  for (const [address, now, want] of rows) {
    assert.equal(
      chooseFor(staged, index, now, address).credential,
      want,
      `${address} at T${now - T >= 0 ? '+' : ''}${now - T}`,
    );
  }
  // Settled after T (previous → active) the same entries hold.
  assert.equal(chooseFor(settled, index, T + 2, '127.0.0.2').credential, 'old');
  assert.equal(chooseFor(settled, index, T + 2, '127.0.0.9').credential, 'new');
  // Outside an exchange there is one credential.
  assert.deepEqual(chooseFor({ active: 'only' }, index, T, '127.0.0.2'), {
    credential: 'only',
    credentialIs: 'new',
  });
  assert.equal(exchangeOf({ active: 'only' }), undefined);
});

test('addresses and ranges are read in canonical form, IPv4-mapped ranges as IPv4', () => {
  assert.equal(parseCidr('192.0.2.7/24').cidr, '192.0.2.0/24');
  assert.equal(parseCidr('192.0.2.7').cidr, '192.0.2.7/32');
  assert.equal(parseCidr('2001:DB8:0:0::1/32').cidr, '2001:db8::/32');
  assert.equal(parseCidr('::ffff:10.0.0.0/104').cidr, '10.0.0.0/8');
  assert.equal(parseCidr('::ffff:10.9.8.7/120').cidr, '10.9.8.0/24');
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/8', '::1/129', '10.0.0.0/x', ''])
    assert.throws(() => parseCidr(bad), { code: 'BAD_ARGUMENT' }, bad);
});

test('changes: add replaces by CIDR, remove needs the entry, until is bounded by the old notAfter', () => {
  const notAfter = T + 10_000;
  let t = changeTable(
    [],
    { op: 'add', serve: 'old', cidrs: ['127.0.0.2', '10.0.0.0/8'], until: UNTIL },
    T,
    notAfter,
  );
  assert.deepEqual(
    t.map((e) => e.cidr),
    ['127.0.0.2/32', '10.0.0.0/8'],
  );
  t = changeTable(t, { op: 'add', serve: 'new', cidrs: ['127.0.0.2'] }, T, notAfter);
  assert.deepEqual(
    t.find((e) => e.cidr === '127.0.0.2/32'),
    { cidr: '127.0.0.2/32', serve: 'new' },
  );
  assert.throws(() => changeTable(t, { op: 'remove', serve: 'old', cidrs: ['127.0.0.2'] }, T, notAfter), {
    code: 'NOT_FOUND',
  });
  assert.throws(
    () => changeTable(t, { op: 'add', serve: 'old', cidrs: ['127.0.0.5'], until: notAfter + 1 }, T, notAfter),
    { code: 'BAD_TIME', message: /after the old certificate expires/ },
  );
  assert.throws(
    () => changeTable(t, { op: 'add', serve: 'old', cidrs: ['127.0.0.5'], until: T }, T, notAfter),
    {
      code: 'BAD_TIME',
    },
  );
  assert.throws(() => changeTable(t, { op: 'add', serve: 'old', cidrs: ['127.0.0.5'] }, T, notAfter), {
    code: 'BAD_ARGUMENT',
  });
  assert.deepEqual(changeTable(t, { op: 'clear', serve: 'old' }, T, notAfter), [
    { cidr: '127.0.0.2/32', serve: 'new' },
  ]);
});

test('a table of 10 000 single addresses costs one hash lookup per handshake', () => {
  const big: SourceException[] = [];
  for (let i = 0; i < 10_000; i++)
    big.push({ cidr: `10.${i >> 8}.${i & 255}.1/32`, serve: 'old', until: UNTIL });
  const idx = new ExceptionIndex(big);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 100_000; i++) idx.match('192.0.2.1', T);
  const perLookupNs = Number(process.hrtime.bigint() - start) / 100_000;
  assert.ok(perLookupNs < 20_000, `${perLookupNs} ns per lookup`);
  assert.equal(idx.match('10.39.15.1', T)?.cidr, '10.39.15.1/32');
});

test('automatic fallback graces a refusal of the new certificate only while the policy runs', () => {
  const refused = { credentialIs: 'new' as const, reason: 'unknown_ca' };
  assert.equal(shouldAutoGrace(refused, UNTIL, T), true);
  assert.equal(shouldAutoGrace({ ...refused, reason: 'bad_certificate' }, UNTIL, T), true);
  assert.equal(shouldAutoGrace({ ...refused, entry: { serve: 'new' } }, UNTIL, T - 1), true);
  assert.equal(shouldAutoGrace(refused, undefined, T), false);
  assert.equal(shouldAutoGrace(refused, UNTIL, UNTIL), false);
  assert.equal(shouldAutoGrace({ ...refused, reason: 'timeout' }, UNTIL, T), false);
  assert.equal(shouldAutoGrace({ ...refused, credentialIs: 'old' }, UNTIL, T), false);
});
