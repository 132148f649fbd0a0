import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isRolloverError } from '../shared/errors.js';
import {
  DEFAULT_GRACE_MS,
  type DesiredEntry,
  desiredGrace,
  type GracePolicy,
  type GraceSender,
  overlap,
  overlapIndex,
  parseRange,
  planGrace,
  rangeText,
  tableDifferences,
  within,
} from './grace.js';

const T = new Date('2026-12-10T02:00:00Z');
const NOT_AFTER = new Date('2027-03-01T00:00:00Z');
const H = 3600_000;

test('planGrace: defaults to unready, T + 7 days, early off, autoGrace on', () => {
  const p = planGrace({}, T, NOT_AFTER);
  assert.deepEqual(p, {
    grace: 'unready',
    graceUntil: new Date(T.getTime() + DEFAULT_GRACE_MS),
    early: 'off',
    autoGrace: true,
  });
});

test('planGrace: the default is shortened to the old notAfter minus one hour', () => {
  const soon = new Date(T.getTime() + 2 * 24 * H);
  assert.equal(planGrace({}, T, soon).graceUntil?.toISOString(), new Date(soon.getTime() - H).toISOString());
});

test('planGrace: a deadline after the old notAfter minus one hour is GRACE_AFTER_EXPIRY', () => {
  const bad = new Date(NOT_AFTER.getTime() - H + 1000);
  assert.throws(
    () => planGrace({ graceUntil: bad }, T, NOT_AFTER),
    (e) => isRolloverError(e, 'GRACE_AFTER_EXPIRY'),
  );
  // Exactly one hour before is allowed.
  const ok = new Date(NOT_AFTER.getTime() - H);
  assert.equal(planGrace({ graceUntil: ok }, T, NOT_AFTER).graceUntil?.getTime(), ok.getTime());
});

test('planGrace: a deadline not after T is BAD_ARGUMENT; no grace possible is GRACE_AFTER_EXPIRY', () => {
  assert.throws(
    () => planGrace({ graceUntil: T }, T, NOT_AFTER),
    (e) => isRolloverError(e, 'BAD_ARGUMENT'),
  );
  assert.throws(
    () => planGrace({}, T, new Date(T.getTime() + H / 2)),
    (e) => isRolloverError(e, 'GRACE_AFTER_EXPIRY'),
  );
  assert.deepEqual(planGrace({ grace: 'off' }, T, new Date(T.getTime() + H / 2)), {
    grace: 'off',
    graceUntil: null,
    early: 'off',
    autoGrace: false,
  });
});

test('ranges: canonical text, IPv4-mapped IPv6 is IPv4, containment', () => {
  assert.equal(rangeText(parseRange('192.0.2.7/24')!), '192.0.2.0/24');
  assert.equal(rangeText(parseRange('::ffff:192.0.2.7')!), '192.0.2.7/32');
  assert.equal(rangeText(parseRange('2001:db8::1/48')!), '2001:db8:0:0:0:0:0:0/48');
  assert.equal(parseRange('300.1.1.1'), undefined);
  assert.equal(parseRange('10.0.0.0/33'), undefined);
  assert.ok(within(parseRange('10.1.2.3')!, parseRange('10.0.0.0/8')!));
  assert.ok(!within(parseRange('11.1.2.3')!, parseRange('10.0.0.0/8')!));
  assert.ok(overlap(parseRange('::1')!, parseRange('::/0')!));
  assert.ok(!overlap(parseRange('::1')!, parseRange('0.0.0.0/0')!));
});

const UNTIL = new Date(T.getTime() + 7 * 24 * H);
const POLICY: GracePolicy = { grace: 'unready', graceUntil: UNTIL, early: 'off', autoGrace: true };
const s = (id: string, proven: boolean, ...addresses: string[]): GraceSender => ({
  id,
  name: `name-${id}`,
  tenantId: 'ten1',
  virtualServerId: 'vs1',
  proven,
  addresses,
});
const BEFORE = new Date(T.getTime() - H);

test('senders not proven get old until graceUntil; proven ones nothing; no addresses nothing', () => {
  const d = desiredGrace(
    POLICY,
    { active: true, exchanged: false },
    [s('a', false, '127.0.0.3'), s('b', true, '127.0.0.2'), s('c', false)],
    BEFORE,
  );
  assert.deepEqual(d.tables.get('vs1'), [
    { cidr: '127.0.0.3/32', serve: 'old', until: UNTIL, senderIds: ['a'] },
  ]);
  assert.deepEqual(d.senders.get('a'), {
    oldUntil: UNTIL,
    oldCidrs: ['127.0.0.3/32'],
    heldBy: [],
    earlyCidrs: [],
  });
  assert.equal(d.senders.get('b')!.oldUntil, null);
  assert.equal(d.senders.get('c')!.oldUntil, null);
});

test('early: proven senders get new before T only; grace off sends no old entries', () => {
  const senders = [s('a', false, '127.0.0.3'), s('b', true, '127.0.0.2')];
  const p = { ...POLICY, early: 'proven' as const };
  const before = desiredGrace(p, { active: true, exchanged: false }, senders, BEFORE);
  assert.deepEqual(
    before.tables.get('vs1')!.map((e) => [e.cidr, e.serve]),
    [
      ['127.0.0.2/32', 'new'],
      ['127.0.0.3/32', 'old'],
    ],
  );
  assert.deepEqual(before.senders.get('b')!.earlyCidrs, ['127.0.0.2/32']);
  const after = desiredGrace(p, { active: true, exchanged: true }, senders, T);
  assert.deepEqual(
    after.tables.get('vs1')!.map((e) => [e.cidr, e.serve]),
    [['127.0.0.3/32', 'old']],
  );
  const off = desiredGrace(
    { grace: 'off', graceUntil: null, early: 'proven', autoGrace: false },
    { active: true, exchanged: false },
    senders,
    BEFORE,
  );
  assert.deepEqual(
    off.tables.get('vs1')!.map((e) => [e.cidr, e.serve]),
    [['127.0.0.2/32', 'new']],
  );
});

test('after graceUntil, and outside an exchange, the table is empty', () => {
  const senders = [s('a', false, '127.0.0.3')];
  assert.deepEqual(
    desiredGrace(POLICY, { active: true, exchanged: true }, senders, UNTIL).tables.get('vs1'),
    [],
  );
  assert.equal(desiredGrace(POLICY, { active: false, exchanged: true }, senders, T).tables.size, 0);
});

test('a shared address stays old until every sender behind it is proven, and names who holds it', () => {
  const d = desiredGrace(
    { ...POLICY, early: 'proven' },
    { active: true, exchanged: false },
    [s('a', false, '10.0.0.0/24'), s('b', true, '10.0.0.5'), s('c', true, '10.0.1.9')],
    BEFORE,
  );
  assert.deepEqual(
    d.tables.get('vs1')!.map((e) => [e.cidr, e.serve]),
    [
      ['10.0.0.0/24', 'old'],
      ['10.0.1.9/32', 'new'],
    ],
  );
  assert.deepEqual(d.senders.get('b'), {
    oldUntil: UNTIL,
    oldCidrs: ['10.0.0.5/32'],
    heldBy: [{ id: 'a', name: 'name-a' }],
    earlyCidrs: [],
  });
  // Once a is proven too, nobody holds it.
  const all = desiredGrace(
    POLICY,
    { active: true, exchanged: true },
    [s('a', true, '10.0.0.0/24'), s('b', true, '10.0.0.5')],
    T,
  );
  assert.deepEqual(all.tables.get('vs1'), []);
  assert.equal(all.senders.get('b')!.oldUntil, null);
});

// Properties over random senders on a small address space.
const addr = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 7 }), fc.constantFrom(32, 30, 24))
  .map(([x, y, p]) => `10.0.${x}.${y}/${p}`);
const senderArb = fc
  .tuple(fc.boolean(), fc.array(addr, { maxLength: 3 }))
  .map(([proven, addresses]) => ({ proven, addresses }));

/** Which credential an address gets under a table, by the data plane's rule (most specific entry wins). */
function served(table: readonly DesiredEntry[], a: string, exchanged: boolean) {
  const r = parseRange(a)!;
  const hits = table.filter((e) => within(r, parseRange(e.cidr)!));
  hits.sort((x, y) => parseRange(y.cidr)!.prefix - parseRange(x.cidr)!.prefix);
  return hits[0]?.serve ?? (exchanged ? 'new' : 'old');
}

test('property: every address a sender not proven claims is served old during grace, before and after T', () => {
  fc.assert(
    fc.property(
      fc.array(senderArb, { maxLength: 6 }),
      fc.boolean(),
      fc.boolean(),
      (list, exchanged, early) => {
        const senders = list.map((x, i) => s(`s${i}`, x.proven, ...x.addresses));
        const d = desiredGrace(
          { ...POLICY, early: early ? 'proven' : 'off' },
          { active: true, exchanged },
          senders,
          exchanged ? T : BEFORE,
        );
        const table = d.tables.get('vs1') ?? [];
        for (const x of senders) {
          if (x.proven) continue;
          for (const a of x.addresses) {
            // Every single address inside the range.
            const r = parseRange(a)!;
            const size = 2 ** (32 - r.prefix);
            for (let i = 0; i < size; i += Math.max(1, size / 8)) {
              const n = Number(r.net) + i;
              const ip = `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
              assert.equal(served(table, ip, exchanged), 'old', `${ip} of ${x.id} (${a})`);
            }
          }
          assert.equal(x.addresses.length > 0, d.senders.get(x.id)!.oldUntil !== null);
        }
        // A proven sender is in grace exactly when one of its ranges overlaps a sender's not proven.
        for (const x of senders.filter((y) => y.proven)) {
          const heldExpected = senders.some(
            (y) =>
              !y.proven &&
              y.addresses.some((b) => x.addresses.some((a) => overlap(parseRange(a)!, parseRange(b)!))),
          );
          assert.equal(d.senders.get(x.id)!.oldUntil !== null, heldExpected);
          assert.equal(d.senders.get(x.id)!.heldBy.length > 0, heldExpected);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('tableDifferences: equal tables (any spelling) differ in nothing; auto entries the node added are ignored', () => {
  const sent = [{ cidr: '127.0.0.3', serve: 'old' as const, until: UNTIL.toISOString() }];
  assert.deepEqual(
    tableDifferences(sent, [
      { cidr: '127.0.0.3/32', serve: 'old', until: UNTIL.toISOString() },
      { cidr: '127.0.0.9/32', serve: 'old', until: UNTIL.toISOString(), auto: true },
    ]),
    [],
  );
  assert.equal(tableDifferences(sent, []).length, 1);
  assert.equal(tableDifferences([], sent).length, 1);
  // Carried back in a replace (marked auto), they are not part of the desired table either.
  const carried = [
    ...sent,
    { cidr: '127.0.0.9/32', serve: 'old' as const, until: UNTIL.toISOString(), auto: true },
  ];
  assert.deepEqual(
    tableDifferences(carried, [{ cidr: '127.0.0.3/32', serve: 'old', until: UNTIL.toISOString() }]),
    [],
  );
});

test('graced unknown clients are old entries on the listed virtual servers while grace lasts, held by nobody', () => {
  const senders = [s('b', true, '127.0.1.0/24')];
  const graced = {
    virtualServerIds: ['vs1', 'vs2'],
    addresses: ['127.0.0.99', '::ffff:10.1.2.3', 'nonsense'],
  };
  const p = { ...POLICY, early: 'proven' as const };
  const d = desiredGrace(p, { active: true, exchanged: false }, senders, BEFORE, graced);
  assert.deepEqual(
    d.tables.get('vs1')!.map((e) => [e.cidr, e.serve, e.senderIds]),
    [
      ['10.1.2.3/32', 'old', []],
      ['127.0.0.99/32', 'old', []],
      ['127.0.1.0/24', 'new', ['b']],
    ],
  );
  assert.deepEqual(
    d.tables.get('vs2')!.map((e) => [e.cidr, e.serve]),
    [
      ['10.1.2.3/32', 'old'],
      ['127.0.0.99/32', 'old'],
    ],
    'a virtual server of the renewal without senders gets them too',
  );
  assert.deepEqual(d.senders.get('b'), {
    oldUntil: null,
    oldCidrs: [],
    heldBy: [],
    earlyCidrs: ['127.0.1.0/24'],
  });
  const over = desiredGrace(POLICY, { active: true, exchanged: true }, senders, UNTIL, graced);
  assert.deepEqual(over.tables.get('vs1'), [], 'after graceUntil the nodes let them expire');
  const off = desiredGrace(
    { ...POLICY, grace: 'off', graceUntil: null },
    { active: true, exchanged: true },
    senders,
    T,
    graced,
  );
  assert.deepEqual(off.tables.get('vs1'), []);
});

test('property: the overlap index finds exactly the ranges that overlap, as comparing with each would', () => {
  const range = fc
    .tuple(fc.constantFrom(4, 6), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.nat({ max: 128 }))
    .map(([v, n, p]) => {
      const bits = v === 4 ? 32 : 128;
      const prefix = p % (bits + 1);
      // Few distinct networks, so overlaps are frequent.
      const net = ((n % 8n) << BigInt(bits - 3)) & (((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix));
      return { v: v as 4 | 6, net, prefix };
    });
  fc.assert(
    fc.property(fc.array(range, { maxLength: 30 }), range, (rs, q) => {
      const items = rs.map((r, i) => ({ r, i }));
      const found = overlapIndex(items)(q)
        .map((x) => x.i)
        .sort((a, b) => a - b);
      const want = items.filter((x) => overlap(x.r, q)).map((x) => x.i);
      assert.deepEqual(found, want);
    }),
  );
});

test("a sender held by another tenant's sender is not told its name: it is counted", () => {
  const other = (id: string, proven: boolean, ...addresses: string[]): GraceSender => ({
    ...s(id, proven, ...addresses),
    tenantId: 'ten2',
  });
  const d = desiredGrace(
    POLICY,
    { active: true, exchanged: true },
    [
      s('a', false, '10.0.0.0/24'),
      s('b', true, '10.0.0.5'),
      other('x', false, '10.0.0.5'),
      other('y', false, '10.0.0.4/30'),
    ],
    T,
  );
  assert.deepEqual(d.senders.get('b')!.heldBy, [
    { id: 'a', name: 'name-a' },
    { id: '', name: '2 sender(s) of another tenant' },
  ]);
  assert.deepEqual(d.senders.get('x')!.heldBy, [
    { id: 'y', name: 'name-y' },
    { id: '', name: '1 sender(s) of another tenant' },
  ]);
});
