import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { test } from 'node:test';
import { addressMatches, ipVersion } from './ip.js';

test('ipVersion agrees with node:net isIP on addresses and non-addresses', () => {
  const samples = [
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '256.0.0.1',
    '1.2.3',
    '01.2.3.4',
    '1.2.3.4.5',
    '::1',
    '::',
    'fe80::1',
    '2001:db8::8a2e:370:7334',
    '::ffff:192.0.2.1',
    '1::2::3',
    'gggg::1',
    'lb.example.com',
    '',
    '12345::',
    '[::1]',
  ];
  for (const s of samples) assert.equal(ipVersion(s), isIP(s), s);
});

test('an IPv6 zone id, which no certificate can carry, is not an address here', () => {
  assert.equal(isIP('fe80::1%eth0'), 6);
  assert.equal(ipVersion('fe80::1%eth0'), 0);
});

test('a client address is attributed to a sender through an exact address or an IPv4 CIDR hint', () => {
  assert.equal(addressMatches('127.0.0.4', '127.0.0.4'), true);
  assert.equal(addressMatches('::ffff:127.0.0.4', '127.0.0.4'), true);
  assert.equal(addressMatches('127.0.0.4', '127.0.0.2'), false);
  assert.equal(addressMatches('10.1.2.3', '10.1.0.0/16'), true);
  assert.equal(addressMatches('10.2.2.3', '10.1.0.0/16'), false);
  assert.equal(addressMatches('10.2.2.3', '0.0.0.0/0'), true);
  assert.equal(addressMatches('200.1.2.3', '200.1.2.0/24'), true, 'a high first octet is unsigned');
  assert.equal(addressMatches('10.1.2.3', '10.1.2.3/32'), true);
  assert.equal(addressMatches('10.1.2.3', '10.1.0.0/33'), false, 'a prefix beyond 32 bits matches nothing');
  assert.equal(addressMatches('2001:db8::1', '2001:db8::/32'), false, 'IPv6 blocks are not matched');
});
