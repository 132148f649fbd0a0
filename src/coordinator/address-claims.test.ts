import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../access/roles.js';
import { isRolloverError } from '../shared/errors.js';
import { assertAddressClaims, rangesOverlap } from './address-claims.js';

const tenantAdmin: Principal = {
  userId: 'usr_a',
  name: 'ann',
  organisation: 'Acme',
  bindings: [{ role: 'tenant-admin', scopeId: 'ten_a' }],
};
const lbAdmin: Principal = { ...tenantAdmin, bindings: [{ role: 'lb-admin', scopeId: '' }] };
const others = [{ tenantId: 'ten_b', ranges: ['192.0.2.0/24', '2001:db8:b::/48'] }];

const refused = (p: Principal, claims: string[]) =>
  assert.throws(
    () => assertAddressClaims(p, 'ten_a', claims, others),
    (e) => isRolloverError(e) && e.code === 'FORBIDDEN',
    claims.join(),
  );

test('ranges overlap as numbers, IPv4-mapped IPv6 as IPv4, IPv4 and IPv6 never', () => {
  assert.ok(rangesOverlap('192.0.2.128/25', '192.0.2.0/24'));
  assert.ok(rangesOverlap('::ffff:192.0.2.7', '192.0.2.0/24'));
  assert.ok(rangesOverlap('::ffff:192.0.0.0/104', '192.0.2.0/24'));
  assert.ok(rangesOverlap('2001:DB8:B:1::/64', '2001:db8:b::/48'));
  assert.ok(!rangesOverlap('198.51.100.0/24', '192.0.2.0/24'));
  assert.ok(!rangesOverlap('::/0', '192.0.2.0/24'));
});

test("a tenant admin may not claim a catch-all or another tenant's addresses in any spelling; the lb-admin may", () => {
  for (const c of [
    ['0.0.0.0/0'],
    ['::ffff:0:0/96'],
    ['::ffff:16.0.0.0/100'],
    ['::/0'],
    ['2001::/15'],
    ['192.0.2.128/25'],
    ['::ffff:192.0.2.7'],
    ['0:0:0:0:0:ffff:c000:280/121'],
    ['2001:DB8:B::5'],
  ]) {
    refused(tenantAdmin, c);
    assertAddressClaims(lbAdmin, 'ten_a', c, others);
  }
  assertAddressClaims(
    tenantAdmin,
    'ten_a',
    ['198.51.100.0/24', '::ffff:198.51.100.7', '2001:db8:a::/48'],
    others,
  );
  // The tenant's own ranges are no conflict.
  assertAddressClaims(tenantAdmin, 'ten_b', ['192.0.2.7'], others);
});
