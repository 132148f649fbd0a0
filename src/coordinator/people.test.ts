/** People, tokens, sign-in links and node tokens against the in-memory ports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../access/roles.js';
import { authenticate, createToken, revokeToken } from './auth.js';
import { authenticateNode, issueNodeToken } from './credentials.js';
import type { EnvWith } from './env.js';
import { addLb, addSender, addTenant } from './inventory.js';
import { acceptInvitation, addUser, invite, removeUser } from './people.js';
import { FakeStore } from './ports/fakes.js';
import { FailureLimiter } from './rate-limit.js';
import { createSignInLink, redeemSignInLink } from './sign-in-link.js';

let now = Date.parse('2026-11-27T10:00:00.000Z');
const clock = { now: () => now };
const admin: Principal = {
  userId: 'usr_admin',
  name: 'admin',
  organisation: 'provider',
  bindings: [{ role: 'lb-admin', scopeId: '' }],
};

/** A customer-managed tenant "acme" with a sender "billing", and a provider-managed tenant "hosted". */
async function world() {
  now = Date.parse('2026-11-27T10:00:00.000Z');
  const store = new FakeStore();
  const env: EnvWith<'inventory' | 'people' | 'audit' | 'credentials'> = {
    store,
    clock,
    provider: 'provider',
    signInLimiter: new FailureLimiter(clock),
    trustedProxies: [],
    publicUrl: 'https://rollover.test',
  };
  const acme = await addTenant(env, admin, {
    name: 'acme',
    operatingModel: 'customer-managed',
    customerOrganisation: 'Acme',
  });
  await addTenant(env, admin, {
    name: 'hosted',
    operatingModel: 'provider-managed',
    customerOrganisation: 'Hosted',
  });
  const billing = await addSender(env, admin, {
    tenant: 'acme',
    name: 'billing',
    contacts: [],
    truststoreKind: 'pem',
  });
  return { store, env, acme, billing };
}

test('a tenant-scoped role goes only to the organisation the operating model names', async () => {
  const { store, env, acme } = await world();
  const u = await addUser(env, admin, {
    name: 'ann',
    organisation: 'Acme',
    roles: [{ role: 'tenant-admin', scope: 'acme' }],
  });
  assert.deepEqual(u.roles, [{ role: 'tenant-admin', scope: acme.id }]);
  await assert.rejects(
    addUser(env, admin, {
      name: 'bob',
      organisation: 'Acme',
      roles: [{ role: 'tenant-admin', scope: 'hosted' }],
    }),
    { code: 'OPERATING_MODEL' },
  );
  assert.equal(await store.people.userByName('bob'), undefined, 'nothing written');
});

test('an invitation is accepted once; when what it was for is gone, it stays unused', async () => {
  const { store, env, billing } = await world();
  const inv = await invite(env, admin, { role: 'sender-admin', scope: billing.id, organisation: 'Acme' });
  assert.match(inv.url, /^https:\/\/rollover\.test\/invite#rli_/);
  const accepted = await acceptInvitation(env, {
    token: inv.token,
    name: 'sam',
    password: 'correct horse battery',
  });
  assert.deepEqual(accepted.user.roles, [{ role: 'sender-admin', scope: billing.id }]);
  const me = await authenticate(env, accepted.token.token);
  assert.equal(me.name, 'sam');
  await assert.rejects(acceptInvitation(env, { token: inv.token, name: 'sam2', password: 'x'.repeat(12) }), {
    code: 'INVITATION_INVALID',
  });

  const again = await invite(env, admin, { role: 'sender-admin', scope: billing.id, organisation: 'Acme' });
  await store.inventory.removeSender(billing.id);
  await assert.rejects(acceptInvitation(env, { token: again.token, name: 'tim', password: 'x'.repeat(12) }), {
    code: 'INVITATION_INVALID',
  });
  assert.equal(store.people.invitationRows.at(-1)!.usedAt, null, 'the consumption rolled back with the rest');
  assert.equal(await store.people.userByName('tim'), undefined);
});

test('tokens: a revoked or expired token is refused; removing a user removes their tokens', async () => {
  const { store, env } = await world();
  store.people.userRows.push({
    id: admin.userId,
    name: 'admin',
    email: null,
    organisation: 'provider',
    passwordHash: null,
    createdAt: '2026-11-27T10:00:00.000Z',
  });
  await store.people.bind(admin.userId, 'lb-admin', '');
  const ann = await addUser(env, admin, {
    name: 'ann',
    organisation: 'provider',
    roles: [{ role: 'auditor' }],
  });
  const t = await createToken(env, admin, { name: 'ci', expiresIn: '1h', user: 'ann' });
  assert.equal((await authenticate(env, t.token)).userId, ann.id);
  now += 3_600_000;
  await assert.rejects(authenticate(env, t.token), { code: 'UNAUTHENTICATED', message: /expired/ });
  const t2 = await createToken(env, admin, { name: 'ci2', user: 'ann' });
  assert.equal((await revokeToken(env, admin, t2.id)).changed, true);
  assert.equal((await revokeToken(env, admin, t2.id)).changed, false, 'revoking twice changes nothing');
  await assert.rejects(authenticate(env, t2.token), { code: 'UNAUTHENTICATED', message: /revoked/ });
  await assert.rejects(removeUser(env, admin, admin.userId), { code: 'SELF_REMOVAL' });
  await removeUser(env, admin, 'ann');
  assert.deepEqual(
    store.people.tokenRows.filter((r) => r.userId === ann.id),
    [],
  );
});

test('a sign-in link works once, and a new link stops the earlier one', async () => {
  const { store, env } = await world();
  await addUser(env, admin, { name: 'ann', organisation: 'provider', roles: [{ role: 'auditor' }] });
  const first = await createSignInLink(env, admin, { user: 'ann' });
  const second = await createSignInLink(env, admin, { user: 'ann' });
  const secret = (url: string) => url.split('#signin=')[1]!;
  await assert.rejects(redeemSignInLink(env, secret(first.url)), { code: 'SIGN_IN_LINK_INVALID' });
  const session = await redeemSignInLink(env, secret(second.url));
  assert.equal((await authenticate(env, session.token)).name, 'ann');
  await assert.rejects(redeemSignInLink(env, secret(second.url)), { code: 'SIGN_IN_LINK_INVALID' });
  await assert.rejects(
    authenticate(env, secret(second.url)),
    { code: 'UNAUTHENTICATED' },
    'a link is no token',
  );
  const created = store.audit.rows.filter((e) => e.action === 'sign-in-link.create');
  assert.deepEqual(
    created.map((e) => JSON.parse(e.change).revokedEarlier),
    [0, 1],
    'the second link says it revoked the first',
  );
});

test('a node token: issued once per node, a new one replaces the old', async () => {
  const { env } = await world();
  await addLb(env, admin, { name: 'edge', kind: 'builtin', nodes: [{ name: 'n1', address: '127.0.0.1' }] });
  const a = await issueNodeToken(env, admin, 'edge', 'n1');
  assert.equal((await authenticateNode(env, a.token)).name, 'n1');
  const b = await issueNodeToken(env, admin, 'edge', 'n1');
  await assert.rejects(authenticateNode(env, a.token), { code: 'UNAUTHENTICATED' });
  assert.deepEqual(await authenticateNode(env, b.token), { nodeId: a.nodeId, lbId: a.lbId, name: 'n1' });
  await assert.rejects(issueNodeToken(env, admin, 'edge', 'n9'), { code: 'NOT_FOUND' });
});
