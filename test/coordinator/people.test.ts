/** Invitations, sign-in and its rate limit, and tokens, over real HTTP. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestCoordinator } from './api-kit.js';
import { buildWorld } from './world.js';

const co = await startTestCoordinator();
const w = await buildWorld(co);

async function invite(body: Record<string, unknown>, token = co.adminToken) {
  const r = await co.call('POST', '/api/v1/invitations', { body, token });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

test('an invited sender admin joins once with the invited role and scope', async () => {
  const inv = await invite(
    { role: 'sender-admin', scope: w.senderA1, organisation: 'Acme Payroll' },
    w.tokens.tenantAdmin,
  );
  assert.ok(inv.url.endsWith(`#${inv.token}`));
  const stored = await co.store.get('invitations', inv.id);
  assert.ok(stored);
  assert.notEqual(stored.token_hash, inv.token, 'only a hash of the link secret is stored');

  const first = await co.call('POST', '/api/v1/invitations/accept', {
    token: '',
    body: { token: inv.token, name: 'paula', password: 'correct horse battery' },
  });
  assert.equal(first.status, 201, first.text);
  assert.deepEqual(first.body.user.roles, [{ role: 'sender-admin', scope: w.senderA1 }]);
  assert.equal(first.body.user.organisation, 'Acme Payroll');
  const mine = await co.call('GET', `/api/v1/senders/${w.senderA1}`, { token: first.body.token.token });
  assert.equal(mine.status, 200);
  const foreign = await co.call('GET', `/api/v1/senders/${w.senderB1}`, { token: first.body.token.token });
  assert.equal(foreign.status, 404);

  const users = (await co.store.list('users')).length;
  const second = await co.call('POST', '/api/v1/invitations/accept', {
    token: '',
    body: { token: inv.token, name: 'paula-again', password: 'correct horse battery' },
  });
  assert.equal(second.status, 410);
  assert.equal(second.body.code, 'INVITATION_INVALID');
  assert.match(second.body.detail, /already used/);
  assert.equal((await co.store.list('users')).length, users);
});

test('an invitation used after it expired is refused and creates nobody', async () => {
  const inv = await invite({ role: 'tenant-admin', scope: 'acme', organisation: 'Acme', expiresIn: '1h' });
  co.advance(60 * 60_000 + 1000);
  const users = (await co.store.list('users')).length;
  const r = await co.call('POST', '/api/v1/invitations/accept', {
    token: '',
    body: { token: inv.token, name: 'too-late', password: 'correct horse battery' },
  });
  assert.equal(r.status, 410);
  assert.equal(r.body.code, 'INVITATION_INVALID');
  assert.match(r.body.detail, /expired/);
  assert.equal((await co.store.list('users')).length, users);
});

test('two simultaneous accepts of one invitation let exactly one through', async () => {
  const inv = await invite({ role: 'integration-developer', scope: w.tenantA, organisation: 'Acme' });
  const accept = (name: string) =>
    co.call('POST', '/api/v1/invitations/accept', {
      token: '',
      body: { token: inv.token, name, password: 'correct horse battery' },
    });
  const results = await Promise.all([accept('racer-1'), accept('racer-2')]);
  assert.deepEqual(results.map((r) => r.status).sort(), [201, 410]);
});

test('an invitation for a provider-managed tenant goes only to the provider', async () => {
  const t = await co.call('POST', '/api/v1/tenants', {
    body: { name: 'managed', operatingModel: 'provider-managed', customerOrganisation: 'Gamma' },
  });
  const refused = await co.call('POST', '/api/v1/invitations', {
    body: { role: 'tenant-admin', scope: t.body.id, organisation: 'Gamma' },
  });
  assert.equal(refused.status, 409);
  assert.match(refused.body.detail, /provider-managed.*must belong to Provider/);
  await invite({ role: 'tenant-admin', scope: t.body.id, organisation: 'Provider' });
});

test('sign-in returns an expiring token and is delayed after repeated failures', async () => {
  const add = await co.call('POST', '/api/v1/users', {
    body: {
      name: 'pat',
      organisation: 'Provider',
      password: 'a very good password',
      roles: [{ role: 'auditor' }],
    },
  });
  assert.equal(add.status, 201);
  const ok = await co.call('POST', '/api/v1/sessions', {
    token: '',
    body: { name: 'pat', password: 'a very good password' },
  });
  assert.equal(ok.status, 201);
  assert.ok(ok.body.expiresAt);
  assert.equal((await co.call('GET', '/api/v1/me', { token: ok.body.token })).body.name, 'pat');
  // The fourth failure in a row starts a delay (1 s, growing; test/coordinator/sign-in-throttle.test.ts).
  for (let i = 0; i < 4; i++) {
    const bad = await co.call('POST', '/api/v1/sessions', {
      token: '',
      body: { name: 'pat', password: `wrong-${i}` },
    });
    assert.equal(bad.status, 401);
  }
  const locked = await co.call('POST', '/api/v1/sessions', {
    token: '',
    body: { name: 'pat', password: 'a very good password' },
  });
  assert.equal(locked.status, 429);
  assert.equal(locked.body.code, 'RATE_LIMITED');
  co.advance(16 * 60_000);
  const again = await co.call('POST', '/api/v1/sessions', {
    token: '',
    body: { name: 'pat', password: 'a very good password' },
  });
  assert.equal(again.status, 201);
  co.advance(13 * 60 * 60_000);
  assert.equal(
    (await co.call('GET', '/api/v1/me', { token: again.body.token })).status,
    401,
    'session tokens expire',
  );
});

test('a password is stored as a scrypt hash, a token as a SHA-256, and neither is ever returned', async () => {
  const u = await co.store.people.userByName('pat');
  assert.match(u!.passwordHash!, /^scrypt\$/);
  const t = await co.call('POST', '/api/v1/tokens', { body: { name: 'script' } });
  const row = await co.store.get('api_tokens', t.body.id);
  assert.match(row!.token_hash, /^[0-9a-f]{64}$/);
  assert.ok(!row!.token_hash.includes(t.body.token));
  const listed = await co.call('GET', '/api/v1/tokens');
  assert.ok(!listed.text.includes(t.body.token));
  assert.ok(!listed.text.includes(row!.token_hash));
  const users = await co.call('GET', '/api/v1/users');
  assert.ok(!users.text.includes('scrypt'));
});

test('a revoked token stops working at once, and revoking again changes nothing', async () => {
  const t = await co.call('POST', '/api/v1/tokens', { body: { name: 'revoke-me' } });
  assert.equal((await co.call('GET', '/api/v1/me', { token: t.body.token })).status, 200);
  const r1 = await co.call('DELETE', `/api/v1/tokens/${t.body.id}`);
  assert.equal(r1.body.changed, true);
  const me = await co.call('GET', '/api/v1/me', { token: t.body.token });
  assert.equal(me.status, 401);
  assert.match(me.body.detail, /revoked/);
  const r2 = await co.call('DELETE', `/api/v1/tokens/${t.body.id}`);
  assert.equal(r2.status, 200);
  assert.equal(r2.body.changed, false);
});
