/**
 * Sign-in throttling and trusted proxies over IPv6, on a real `rollover server` listening on ::1: an
 * IPv6 client is counted by its /64 whatever it writes, every spelling of one address is one client,
 * and ROLLOVER_TRUSTED_PROXIES takes IPv6 entries (a bad one stops the server with its reason).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer } from '../../src/main/server.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';

const PASSWORD = 'a very good password';

/** True when this machine can listen on the IPv6 loopback. */
async function hasIpv6Loopback(): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(0, '::1', () => s.close(() => resolve(true)));
  });
}
const skip = (await hasIpv6Loopback()) ? false : 'this machine has no IPv6 loopback (::1)';

/** A server on [::1] with a user `pat`; `signIn` sends X-Forwarded-For when given. */
async function serverOnV6(env: Record<string, string>) {
  const cwd = tempDir();
  const s = await startServer({ dataDir: 'data', listen: '[::1]:0', env, cwd, log: () => {} });
  assert.match(s.url, /^http:\/\/\[::1\]:\d+$/);
  const admin = readFileSync(join(s.dataDir, 'initial-admin.token'), 'utf8').trim();
  const call = async (
    path: string,
    init: { method?: string; token?: string; body?: unknown; xff?: string },
  ) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.xff) headers['x-forwarded-for'] = init.xff;
    const res = await fetch(`${s.url}${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text };
  };
  const user = await call('/api/v1/users', {
    method: 'POST',
    token: admin,
    body: { name: 'pat', organisation: 'Provider', password: PASSWORD, roles: [{ role: 'lb-admin' }] },
  });
  assert.equal(user.status, 201, user.text);
  return {
    close: () => s.close(),
    signIn: async (name: string, password: string, xff?: string) =>
      (await call('/api/v1/sessions', { method: 'POST', body: { name, password }, ...(xff ? { xff } : {}) }))
        .status,
    delays: async () =>
      (await call('/api/v1/audit/events', { token: admin })).text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((e) => e.action === 'session.delay' && e.targetKind === 'address')
        .map((e) => [e.targetId, e.change.clientAddress]),
  };
}

test('over ::1 with no trusted proxy: the peer counts as its /64 and X-Forwarded-For is not believed', {
  skip,
}, async () => {
  const s = await serverOnV6({});
  try {
    for (let i = 0; i < 11; i++) {
      assert.equal(await s.signIn(`nobody-${i}`, 'guess', `2001:db8:${i}::1`), 401);
    }
    assert.equal(await s.signIn('pat', PASSWORD, '2001:db8:99::1'), 429, 'the peer waits whatever it writes');
    assert.deepEqual(await s.delays(), [['::/64', '::1']]);
  } finally {
    await s.close();
  }
});

test('ROLLOVER_TRUSTED_PROXIES with an IPv6 entry: each IPv6 client is its /64, each spelling one client', {
  skip,
}, async () => {
  // The proxy (::1 here) written in another spelling, beside an IPv4 block.
  const s = await serverOnV6({ ROLLOVER_TRUSTED_PROXIES: '10.0.0.0/8, 0:0:0:0:0:0:0:1/128' });
  try {
    // One guesser that owns 2001:db8:1:2::/64 and writes a new address of it on every try.
    for (let i = 0; i < 11; i++) {
      const addr = i % 2 ? `2001:DB8:1:2:0:0:0:${(i + 1).toString(16)}` : `2001:db8:1:2::${i + 1}`;
      assert.equal(await s.signIn(`nobody-${i}`, 'guess', addr), 401);
    }
    assert.equal(
      await s.signIn('pat', PASSWORD, '2001:db8:1:2:ffff:ffff:ffff:ffff'),
      429,
      'the same /64 waits',
    );
    assert.equal(await s.signIn('pat', PASSWORD, '2001:db8:1:3::5'), 201, 'the next /64 is another client');

    // An IPv4 client, written plain and IPv4-mapped in turn: one client, one delay.
    for (let i = 0; i < 11; i++) {
      const addr = ['203.0.113.7', '::ffff:203.0.113.7', '::FFFF:cb00:7107'][i % 3]!;
      assert.equal(await s.signIn(`nobody-${i}`, 'guess', addr), 401);
    }
    assert.equal(await s.signIn('pat', PASSWORD, '0:0:0:0:0:ffff:cb00:7107'), 429);
    assert.equal(await s.signIn('pat', PASSWORD, '203.0.113.8'), 201);

    assert.deepEqual(await s.delays(), [
      ['2001:db8:1:2::/64', '2001:db8:1:2::11'],
      ['203.0.113.7', '203.0.113.7'],
    ]);
  } finally {
    await s.close();
  }
});

test('a bad ROLLOVER_TRUSTED_PROXIES entry stops the server with BAD_ARGUMENT and the reason', {
  skip,
}, async () => {
  const cwd = tempDir();
  await assert.rejects(
    startServer({
      dataDir: 'data',
      listen: '[::1]:0',
      env: { ROLLOVER_TRUSTED_PROXIES: '::1, 2001:db8::/129' },
      cwd,
      log: () => {},
    }),
    (e: Error & { code?: string }) =>
      e.code === 'BAD_ARGUMENT' &&
      /"2001:db8::\/129" is not .*"\/129" is not a prefix length of 0-128/.test(e.message),
  );
  const r = await cli(['server', '--listen', '[::1]:0', '--data-dir', 'data2'], {
    cwd,
    env: { ROLLOVER_TRUSTED_PROXIES: 'lb.example', ROLLOVER_CONFIG: join(cwd, 'no-profile.json') },
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /error\[BAD_ARGUMENT\]: ROLLOVER_TRUSTED_PROXIES: "lb\.example" is not an IPv4 or IPv6 address/,
  );
  assert.match(r.stderr, /host names are not resolved/);
  assert.deepEqual(readdirSync(cwd), [], 'nothing was written: the setting is read first');
});
