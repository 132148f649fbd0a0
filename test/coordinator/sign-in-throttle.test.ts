/**
 * Sign-in throttling over real HTTP: a growing delay per account (never a hard lock, so nobody can
 * lock lb-admin out for long), a longer one per client address, each start or growth audited; the
 * client address comes from X-Forwarded-For only when the peer is a configured trusted proxy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddressOf, parseTrustedProxies } from '../../src/api/client-address.js';
import { isRolloverError } from '../../src/shared/errors.js';
import { startTestCoordinator, type TestCoordinator } from './api-kit.js';

const PASSWORD = 'a very good password';

async function withUser(co: TestCoordinator, name: string): Promise<void> {
  const r = await co.call('POST', '/api/v1/users', {
    body: { name, organisation: 'Provider', password: PASSWORD, roles: [{ role: 'lb-admin' }] },
  });
  assert.equal(r.status, 201, r.text);
}

function signIn(co: TestCoordinator, name: string, password: string, forwardedFor?: string) {
  return co.call('POST', '/api/v1/sessions', {
    token: '',
    body: { name, password },
    ...(forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {}),
  });
}

test('an account waits 1, 2, 4 … 30 s after its 4th, 5th, 6th … failure, never longer, and signs in after', async () => {
  const co = await startTestCoordinator();
  await withUser(co, 'root-admin');
  for (let i = 0; i < 3; i++) assert.equal((await signIn(co, 'root-admin', `wrong-${i}`)).status, 401);
  const waits: number[] = [];
  for (let i = 3; i < 9; i++) {
    assert.equal((await signIn(co, 'root-admin', `wrong-${i}`)).status, 401);
    // Even the right password waits: the delay is for the account, whatever is tried.
    const held = await signIn(co, 'root-admin', PASSWORD);
    assert.equal(held.status, 429);
    assert.equal(held.body.code, 'RATE_LIMITED');
    waits.push(held.body.retryAfterSeconds);
    co.advance(held.body.retryAfterSeconds * 1000);
  }
  assert.deepEqual(waits, [1, 2, 4, 8, 16, 30]);
  // At most 30 s after the last failure, the owner signs in: no 15-minute lock-out.
  const ok = await signIn(co, 'root-admin', PASSWORD);
  assert.equal(ok.status, 201, ok.text);
  // The success forgets the account's failures: the next wrong password is free again.
  assert.equal((await signIn(co, 'root-admin', 'wrong-again')).status, 401);
  assert.equal((await signIn(co, 'root-admin', PASSWORD)).status, 201);

  const events = (await co.call('GET', '/api/v1/audit/events')).text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.action === 'session.delay');
  const byUser = events.filter((e) => e.targetKind === 'user').map((e) => e.change);
  assert.deepEqual(
    byUser.map((c) => [c.name, c.failures, c.delaySeconds]),
    [
      ['root-admin', 4, 1],
      ['root-admin', 5, 2],
      ['root-admin', 6, 4],
      ['root-admin', 7, 8],
      ['root-admin', 8, 16],
      ['root-admin', 9, 30],
    ],
  );
  assert.ok(events.every((e) => e.actor === 'rollover' && e.role === 'system'));
  // The peer in canonical form: an IPv4-mapped socket address is its IPv4 address.
  assert.ok(byUser.every((c) => c.clientAddress === '127.0.0.1'));
});

test('the Retry-After header carries the wait', async () => {
  const co = await startTestCoordinator();
  await withUser(co, 'pat');
  for (let i = 0; i < 4; i++) await signIn(co, 'pat', `wrong-${i}`);
  const res = await fetch(`${co.url}/api/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'pat', password: PASSWORD }),
  });
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '1');
});

test('one address guessing many names waits after 10 failures; X-Forwarded-For from an untrusted peer changes nothing', async () => {
  const co = await startTestCoordinator();
  await withUser(co, 'pat');
  for (let i = 0; i < 10; i++) {
    // A new made-up address in the header each time: without a trusted proxy it is not believed.
    const r = await signIn(co, `nobody-${i}`, 'guess', `198.51.100.${i + 1}`);
    assert.equal(r.status, 401);
  }
  assert.equal((await signIn(co, 'nobody-10', 'guess', '198.51.100.77')).status, 401);
  const held = await signIn(co, 'pat', PASSWORD, '203.0.113.200');
  assert.equal(held.status, 429, 'the peer address is throttled whatever header it sends');
  const events = (await co.call('GET', '/api/v1/audit/events')).text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.action === 'session.delay');
  assert.equal(events.length, 1, 'made-up names are not audited; the address delay is');
  assert.equal(events[0].targetKind, 'address');
  assert.equal(events[0].targetId, '127.0.0.1');
});

test('behind a trusted proxy each client has its own delay, and a client cannot pick its address', async () => {
  const co = await startTestCoordinator(undefined, { trustedProxies: ['127.0.0.1'] });
  await withUser(co, 'pat');
  for (let i = 0; i < 11; i++) {
    assert.equal((await signIn(co, `nobody-${i}`, 'guess', '203.0.113.7')).status, 401);
  }
  assert.equal((await signIn(co, 'pat', PASSWORD, '203.0.113.7')).status, 429, 'the guessing client waits');
  assert.equal((await signIn(co, 'pat', PASSWORD, '203.0.113.8')).status, 201, 'another client does not');
  // The proxy appends the address it saw: what the client wrote further left is not believed.
  assert.equal((await signIn(co, 'pat', PASSWORD, '198.51.100.1, 203.0.113.7')).status, 429);
  assert.equal((await signIn(co, 'pat', PASSWORD, '203.0.113.7, 198.51.100.1')).status, 201);
  const events = (await co.call('GET', '/api/v1/audit/events')).text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((e) => e.action === 'session.delay');
  assert.deepEqual(
    events.map((e) => [e.targetKind, e.targetId]),
    [['address', '203.0.113.7']],
  );
});

test('the client address: the peer unless it is a trusted proxy, then the right-most untrusted hop', () => {
  const trusted = parseTrustedProxies('10.0.0.0/8, 192.0.2.1, 2001:db8:ffff::/48');
  assert.equal(clientAddressOf('203.0.113.5', '1.2.3.4', trusted), '203.0.113.5');
  assert.equal(clientAddressOf('203.0.113.5', '1.2.3.4', []), '203.0.113.5');
  assert.equal(clientAddressOf('10.1.2.3', undefined, trusted), '10.1.2.3');
  assert.equal(clientAddressOf('10.1.2.3', '1.2.3.4', trusted), '1.2.3.4');
  assert.equal(clientAddressOf('::ffff:10.1.2.3', '1.2.3.4', trusted), '1.2.3.4');
  assert.equal(clientAddressOf('10.1.2.3', '6.6.6.6, 1.2.3.4, 192.0.2.1', trusted), '1.2.3.4');
  assert.equal(clientAddressOf('10.1.2.3', '10.9.9.9, 192.0.2.1', trusted), '10.9.9.9');
  assert.equal(clientAddressOf('10.1.2.3', 'unknown', trusted), '10.1.2.3');
  // Every spelling of one address comes back as one text (the throttle's key is built from it).
  assert.equal(clientAddressOf('10.1.2.3', '2001:DB8:0:0:0:0:0:1', trusted), '2001:db8::1');
  assert.equal(clientAddressOf('10.1.2.3', '::ffff:203.0.113.9', trusted), '203.0.113.9');
  assert.equal(clientAddressOf('10.1.2.3', 'fe80::1%eth0', trusted), 'fe80::1');
  assert.equal(clientAddressOf('::FFFF:203.0.113.5', undefined, trusted), '203.0.113.5');
  assert.equal(clientAddressOf('0:0:0:0:0:0:0:1', undefined, trusted), '::1');
  // An IPv6 proxy in a trusted block, in any spelling; an IPv4-mapped peer in an IPv4 block.
  assert.equal(clientAddressOf('2001:DB8:FFFF:1::7', '198.51.100.4', trusted), '198.51.100.4');
  assert.equal(clientAddressOf('2001:db8:fffe::7', '198.51.100.4', trusted), '2001:db8:fffe::7');
  assert.equal(clientAddressOf('10.1.2.3', '2001:db8::5, 2001:db8:ffff::9', trusted), '2001:db8::5');
  assert.deepEqual(parseTrustedProxies(undefined), []);
});

test('ROLLOVER_TRUSTED_PROXIES takes IPv4, IPv6 and IPv4-mapped addresses and blocks, in canonical form', () => {
  assert.deepEqual(
    parseTrustedProxies(
      ' 10.0.0.0/8, ::1 ,192.0.2.1, 2001:DB8::7/32, ::ffff:10.1.0.0/112, 0:0:0:0:0:0:0:1/128',
    ),
    ['10.0.0.0/8', '::1/128', '192.0.2.1/32', '2001:db8::/32', '10.1.0.0/16', '::1/128'],
  );
  const bad: Array<[string, RegExp]> = [
    ['10.0.0.0/33', /"\/33" is not a prefix length of 0-32 for IPv4/],
    ['2001:db8::/129', /"\/129" is not a prefix length of 0-128 for IPv6/],
    ['::1/', /"\/" is not a prefix length/],
    ['10.0.0.0/8/1', /more than one "\/"/],
    ['proxy.example', /"proxy\.example" is not an IP address \(host names are not resolved\)/],
    ['2001:db8::1::2', /is not an IP address/],
    ['fe80::1%eth0', /a zone id/],
    ['[::1]', /is not an IP address/],
  ];
  for (const [entry, why] of bad) {
    assert.throws(
      () => parseTrustedProxies(`192.0.2.1, ${entry}`),
      (e) =>
        isRolloverError(e) &&
        e.code === 'BAD_ARGUMENT' &&
        e.message.startsWith(
          `ROLLOVER_TRUSTED_PROXIES: "${entry}" is not an IPv4 or IPv6 address or CIDR block`,
        ) &&
        why.test(e.message),
      entry,
    );
  }
});
