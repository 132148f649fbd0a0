/**
 * The access matrix over real HTTP: every route × every role (and the anonymous caller) × own and
 * foreign scope. A foreign object must be refused exactly like one that does not exist — same status,
 * same problem body, same number of store queries — and no successful answer to a scoped caller may
 * mention anything of the foreign customer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ApiEnv } from '../../src/api/app.js';
import { registerAuditRoutes } from '../../src/api/routes/audit.js';
import { registerCredentialRoutes } from '../../src/api/routes/credentials.js';
import { registerInventoryRoutes } from '../../src/api/routes/inventory.js';
import { registerPeopleRoutes } from '../../src/api/routes/people.js';
import { startTestCoordinator, type TestCoordinator } from './api-kit.js';
import { BACKENDS } from './stores.js';
import { buildWorld, CALLERS, type Caller, type World } from './world.js';

type Role = Exclude<Caller, 'anonymous'>;
type Expect = Record<Role, number>;

interface Case {
  name: string;
  method: string;
  path: (w: World, co: TestCoordinator) => string | Promise<string>;
  body?: (w: World) => unknown;
  expect: Expect;
  /** Different answers on PostgreSQL (the online backup is SQLite's; PostgreSQL uses pg_dump). */
  postgres?: Partial<Expect>;
  /** For foreign-scope cases: the same request for an id that does not exist. */
  missing?: { find: (w: World) => string; replaceWith: string };
}

const all = (n: number): Expect => ({
  admin: n,
  auditor: n,
  tenantAdmin: n,
  integrationDev: n,
  senderAdmin: n,
});
const onlyAdmin = (ok: number, others = 403): Expect => ({ ...all(others), admin: ok });
const readers = (ok: number, others = 403): Expect => ({ ...all(others), admin: ok, auditor: ok });

let seq = 0;
async function freshLb(co: TestCoordinator): Promise<string> {
  return (await co.call('POST', '/api/v1/lbs', { body: { name: `tmp-${++seq}`, kind: 'nginx' } })).body.id;
}
async function freshVs(co: TestCoordinator, w: World): Promise<string> {
  const body = { name: `tmp-vs-${++seq}`, lb: w.lb, hosts: ['t.test'], listen: '0.0.0.0:1', backends: [] };
  return (await co.call('POST', '/api/v1/virtual-servers', { body })).body.id;
}
async function freshTenant(co: TestCoordinator): Promise<string> {
  const body = { name: `tmp-t-${++seq}`, operatingModel: 'provider-managed', customerOrganisation: 'Tmp' };
  return (await co.call('POST', '/api/v1/tenants', { body })).body.id;
}
async function freshSender(co: TestCoordinator, tenant: string): Promise<string> {
  const body = { tenant, name: `tmp-s-${++seq}`, contacts: ['x@tmp.test'], truststoreKind: 'pem' };
  return (await co.call('POST', '/api/v1/senders', { body })).body.id;
}
async function freshUser(co: TestCoordinator): Promise<string> {
  return (
    await co.call('POST', '/api/v1/users', {
      body: { name: `tmp-u-${++seq}`, organisation: 'Tmp', roles: [] },
    })
  ).body.id;
}

/** A new token of the foreign user (bob), so revoking it leaves the shared world's tokens alone. */
async function freshForeignToken(co: TestCoordinator, w: World): Promise<string> {
  const body = { name: `tmp-tok-${++seq}`, user: w.foreignUser, expiresIn: '1h' };
  return (await co.call('POST', '/api/v1/tokens', { body })).body.id;
}

const senderBody = (tenant: string) => ({
  tenant,
  name: `new-${++seq}`,
  contacts: ['n@new.test'],
  truststoreKind: 'pem',
});

const CASES: Case[] = [
  {
    name: "set a virtual server's first credential",
    method: 'POST',
    path: (w, co) => freshVs(co, w).then((id) => `/api/v1/virtual-servers/${id}/credential`),
    // Permission is checked before the credential is looked up: others are refused, lb-admin learns it is missing.
    body: () => ({ credentialId: 'cred_missing' }),
    expect: onlyAdmin(404),
  },
  {
    name: 'create a one-time sign-in link',
    method: 'POST',
    path: () => '/api/v1/sign-in-links',
    // A user nobody may see is "not found" for every role alike (lb-admin creates links in test/demo/up.test.ts).
    body: () => ({ user: 'lb-admin-does-not-exist' }),
    expect: all(404),
  },
  { name: 'list load balancers', method: 'GET', path: () => '/api/v1/lbs', expect: readers(200) },
  {
    name: 'add a load balancer',
    method: 'POST',
    path: () => '/api/v1/lbs',
    body: () => ({ name: `lb-${++seq}`, kind: 'haproxy' }),
    expect: onlyAdmin(201),
  },
  { name: 'show a load balancer', method: 'GET', path: (w) => `/api/v1/lbs/${w.lb}`, expect: readers(200) },
  {
    name: 'remove a load balancer',
    method: 'DELETE',
    path: (_w, co) => freshLb(co).then((id) => `/api/v1/lbs/${id}`),
    expect: onlyAdmin(200),
  },
  {
    name: 'list virtual servers',
    method: 'GET',
    path: () => '/api/v1/virtual-servers',
    expect: readers(200),
  },
  {
    name: 'add a virtual server',
    method: 'POST',
    path: () => '/api/v1/virtual-servers',
    body: (w) => ({ name: `vs-${++seq}`, lb: w.lb, hosts: ['n.test'], listen: '0.0.0.0:2', backends: [] }),
    expect: onlyAdmin(201),
  },
  {
    name: 'show a virtual server',
    method: 'GET',
    path: (w) => `/api/v1/virtual-servers/${w.vsA}`,
    expect: readers(200),
  },
  {
    name: 'remove a virtual server',
    method: 'DELETE',
    path: (w, co) => freshVs(co, w).then((id) => `/api/v1/virtual-servers/${id}`),
    expect: onlyAdmin(200),
  },
  { name: 'list tenants', method: 'GET', path: () => '/api/v1/tenants', expect: all(200) },
  {
    name: 'add a tenant',
    method: 'POST',
    path: () => '/api/v1/tenants',
    body: () => ({ name: `t-${++seq}`, operatingModel: 'customer-managed', customerOrganisation: 'New' }),
    expect: onlyAdmin(201),
  },
  {
    name: 'show own tenant',
    method: 'GET',
    path: (w) => `/api/v1/tenants/${w.tenantA}`,
    expect: { ...all(200), senderAdmin: 404 },
  },
  {
    name: 'show a foreign tenant',
    method: 'GET',
    path: (w) => `/api/v1/tenants/${w.tenantB}`,
    expect: { ...all(404), admin: 200, auditor: 200 },
    missing: { find: (w) => w.tenantB, replaceWith: 'ten_doesnotexist00000000' },
  },
  {
    name: 'remove own tenant',
    method: 'DELETE',
    path: (w) => `/api/v1/tenants/${w.tenantA}`,
    expect: { admin: 0, auditor: 403, tenantAdmin: 403, integrationDev: 403, senderAdmin: 404 },
  },
  {
    name: 'remove a tenant (lb-admin)',
    method: 'DELETE',
    path: (_w, co) => freshTenant(co).then((id) => `/api/v1/tenants/${id}`),
    expect: { ...all(404), admin: 200, auditor: 403 },
  },
  {
    name: 'remove a foreign tenant',
    method: 'DELETE',
    path: (w) => `/api/v1/tenants/${w.tenantB}`,
    expect: { ...all(404), admin: 0, auditor: 403 },
    missing: { find: (w) => w.tenantB, replaceWith: 'ten_doesnotexist00000000' },
  },
  { name: 'list senders', method: 'GET', path: () => '/api/v1/senders', expect: all(200) },
  {
    name: 'list senders of a foreign tenant',
    method: 'GET',
    path: (w) => `/api/v1/senders?tenant=${w.tenantB}`,
    expect: all(200),
    missing: { find: (w) => w.tenantB, replaceWith: 'ten_doesnotexist00000000' },
  },
  {
    name: 'add a sender to own tenant',
    method: 'POST',
    path: () => '/api/v1/senders',
    body: (w) => senderBody(w.tenantA),
    expect: { admin: 201, auditor: 403, tenantAdmin: 201, integrationDev: 403, senderAdmin: 404 },
  },
  {
    name: 'add a sender to a foreign tenant',
    method: 'POST',
    path: () => '/api/v1/senders',
    body: (w) => ({ ...senderBody(w.tenantB), name: 'same-name' }),
    expect: { ...all(404), admin: 0, auditor: 403 },
    missing: { find: (w) => w.tenantB, replaceWith: 'ten_doesnotexist00000000' },
  },
  {
    name: 'import senders into own tenant',
    method: 'POST',
    path: () => '/api/v1/senders/import',
    body: (w) => ({
      tenant: w.tenantA,
      senders: [{ name: `imp-${++seq}`, contacts: ['i@imp.test'], truststoreKind: 'os' }],
    }),
    expect: { admin: 201, auditor: 403, tenantAdmin: 201, integrationDev: 403, senderAdmin: 404 },
  },
  {
    name: 'import senders into a foreign tenant',
    method: 'POST',
    path: () => '/api/v1/senders/import',
    body: (w) => ({
      tenant: w.tenantB,
      senders: [{ name: 'imp-x', contacts: ['i@imp.test'], truststoreKind: 'os' }],
    }),
    expect: { ...all(404), admin: 0, auditor: 403 },
    missing: { find: (w) => w.tenantB, replaceWith: 'ten_doesnotexist00000000' },
  },
  { name: 'show own sender', method: 'GET', path: (w) => `/api/v1/senders/${w.senderA1}`, expect: all(200) },
  {
    name: 'show a foreign sender',
    method: 'GET',
    path: (w) => `/api/v1/senders/${w.senderB1}`,
    expect: { ...all(404), admin: 200, auditor: 200 },
    missing: { find: (w) => w.senderB1, replaceWith: 'snd_doesnotexist00000000' },
  },
  {
    name: 'change own sender',
    method: 'PATCH',
    path: (w) => `/api/v1/senders/${w.senderA1}`,
    body: () => ({ contacts: ['changed@acme.test'] }),
    expect: { admin: 200, auditor: 403, tenantAdmin: 200, integrationDev: 403, senderAdmin: 200 },
  },
  {
    name: 'change a foreign sender',
    method: 'PATCH',
    path: (w) => `/api/v1/senders/${w.senderB1}`,
    body: () => ({ truststoreKind: 'pem' }),
    expect: { ...all(404), admin: 200, auditor: 403 },
    missing: { find: (w) => w.senderB1, replaceWith: 'snd_doesnotexist00000000' },
  },
  {
    name: 'remove a sender of own tenant',
    method: 'DELETE',
    path: (w, co) => freshSender(co, w.tenantA).then((id) => `/api/v1/senders/${id}`),
    expect: { admin: 200, auditor: 403, tenantAdmin: 200, integrationDev: 403, senderAdmin: 404 },
  },
  {
    name: 'remove own sender',
    method: 'DELETE',
    path: (w) => `/api/v1/senders/${w.senderA1}`,
    expect: { admin: 0, auditor: 403, tenantAdmin: 0, integrationDev: 403, senderAdmin: 403 },
  },
  {
    name: 'remove a foreign sender',
    method: 'DELETE',
    path: (w) => `/api/v1/senders/${w.senderB1}`,
    expect: { ...all(404), admin: 0, auditor: 403 },
    missing: { find: (w) => w.senderB1, replaceWith: 'snd_doesnotexist00000000' },
  },
  { name: 'who am I', method: 'GET', path: () => '/api/v1/me', expect: all(200) },
  { name: 'list users', method: 'GET', path: () => '/api/v1/users', expect: all(200) },
  {
    name: 'add a user',
    method: 'POST',
    path: () => '/api/v1/users',
    body: () => ({ name: `u-${++seq}`, organisation: 'Acme', roles: [] }),
    expect: onlyAdmin(201),
  },
  {
    name: 'show a foreign user',
    method: 'GET',
    path: (w) => `/api/v1/users/${w.foreignUser}`,
    expect: { ...all(404), admin: 200, auditor: 200 },
    missing: { find: (w) => w.foreignUser, replaceWith: 'usr_doesnotexist00000000' },
  },
  {
    name: 'remove a user',
    method: 'DELETE',
    path: (_w, co) => freshUser(co).then((id) => `/api/v1/users/${id}`),
    expect: { ...all(404), admin: 200, auditor: 403 },
  },
  {
    name: 'create an own token',
    method: 'POST',
    path: () => '/api/v1/tokens',
    body: () => ({ name: 'mine', expiresIn: '1h' }),
    expect: all(201),
  },
  {
    name: 'create a token for a foreign user',
    method: 'POST',
    path: () => '/api/v1/tokens',
    body: (w) => ({ name: 'theirs', user: w.foreignUser }),
    expect: { ...all(404), admin: 201, auditor: 403 },
    missing: { find: (w) => w.foreignUser, replaceWith: 'usr_doesnotexist00000000' },
  },
  { name: 'list tokens', method: 'GET', path: () => '/api/v1/tokens', expect: all(200) },
  {
    name: 'revoke a foreign token',
    method: 'DELETE',
    path: (w) => `/api/v1/tokens/${w.foreignTokenId}`,
    expect: { ...all(404), admin: 0, auditor: 403 },
    missing: { find: (w) => w.foreignTokenId, replaceWith: 'tok_doesnotexist00000000' },
  },
  {
    // The lb-admin's half of the case above, on a disposable token.
    name: "revoke another user's token",
    method: 'DELETE',
    path: (w, co) => freshForeignToken(co, w).then((id) => `/api/v1/tokens/${id}`),
    expect: { ...all(404), admin: 200, auditor: 403 },
  },
  {
    name: 'invite a sender admin for own sender',
    method: 'POST',
    path: () => '/api/v1/invitations',
    body: (w) => ({ role: 'sender-admin', scope: w.senderA1, organisation: 'Acme Payroll' }),
    expect: { admin: 201, auditor: 403, tenantAdmin: 201, integrationDev: 403, senderAdmin: 403 },
  },
  {
    name: 'invite a sender admin for a foreign sender',
    method: 'POST',
    path: () => '/api/v1/invitations',
    body: (w) => ({ role: 'sender-admin', scope: w.senderB1, organisation: 'Beta Billing' }),
    expect: { ...all(404), admin: 201, auditor: 403 },
    missing: { find: (w) => w.senderB1, replaceWith: 'snd_doesnotexist00000000' },
  },
  {
    name: 'invite a tenant admin',
    method: 'POST',
    path: () => '/api/v1/invitations',
    body: (w) => ({ role: 'tenant-admin', scope: w.tenantA, organisation: 'Acme' }),
    expect: { admin: 201, auditor: 403, tenantAdmin: 403, integrationDev: 403, senderAdmin: 404 },
  },
  { name: 'list CAs', method: 'GET', path: () => '/api/v1/cas', expect: readers(200) },
  {
    name: 'show a CA',
    method: 'GET',
    path: () => '/api/v1/cas/ca_doesnotexist',
    expect: { ...all(403), admin: 404, auditor: 404 },
  },
  {
    name: 'import a CA',
    method: 'POST',
    path: () => '/api/v1/cas',
    body: () => ({ name: 'r', certificatePem: 'x' }),
    expect: { ...all(403), admin: 400 },
  },
  { name: 'list credentials', method: 'GET', path: () => '/api/v1/credentials', expect: readers(200) },
  {
    name: 'show a credential',
    method: 'GET',
    path: () => '/api/v1/credentials/cred_doesnotexist',
    expect: { ...all(403), admin: 404, auditor: 404 },
  },
  {
    name: 'import a credential',
    method: 'POST',
    path: () => '/api/v1/credentials',
    body: () => ({ name: 'c', chainPem: 'x', keyPem: 'x', rootPem: 'x' }),
    expect: { ...all(403), admin: 400 },
  },
  {
    name: 'issue a node token',
    method: 'POST',
    path: (w) => `/api/v1/lbs/${w.lb}/nodes/none/token`,
    expect: { ...all(403), admin: 404 },
  },
  {
    name: 'fetch a credential key as a person',
    method: 'GET',
    path: () => '/api/v1/node/credentials/cred_x',
    expect: all(401),
  },
  { name: 'verify the audit log', method: 'GET', path: () => '/api/v1/audit/verify', expect: readers(200) },
  { name: 'export the audit log', method: 'GET', path: () => '/api/v1/audit/events', expect: readers(200) },
  {
    name: 'download a backup',
    method: 'GET',
    path: () => '/api/v1/backup',
    expect: onlyAdmin(200),
    postgres: { admin: 501 },
  },
];

/** Things of customer B (and other people) no scoped caller of A may ever see in an answer. */
function foreignMarks(w: World): string[] {
  return [
    w.tenantB,
    w.senderB1,
    w.renewalB,
    w.vsB,
    w.foreignUser,
    w.foreignTokenId,
    'billing-b1',
    '"beta"',
    'Beta',
  ];
}

// Every coordinator is started before any test is registered: the kit's end-of-file hooks (closing the
// server, dropping the PostgreSQL schema) must belong to the file and run only after every test.
const setups = [];
for (const backend of BACKENDS) {
  const co = await startTestCoordinator(backend.config());
  setups.push({ backend, co, w: await buildWorld(co) });
}

for (const { backend, co, w } of setups)
  describe(`the access matrix on ${backend.name}`, () => {
    test('the matrix covers every route of the core API (people, inventory, credentials, audit)', async () => {
      // The core's routes, registered alone: the renewal workflow and `rollover up` add routes of their
      // own, with their own access tests.
      const core = new OpenAPIHono<ApiEnv>();
      registerPeopleRoutes(core, co.env);
      registerInventoryRoutes(core, co.env);
      registerCredentialRoutes(core, co.env);
      registerAuditRoutes(core, co.env, {});
      const doc = core.getOpenAPIDocument({ openapi: '3.0.3', info: { title: 'core', version: '1' } });
      const served = (await co.call('GET', '/api/openapi.json', { token: '' })).body;
      for (const p of Object.keys(doc.paths ?? {}))
        assert.ok(served.paths[p], `${p} is in the served document`);
      const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
        ([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
      );
      assert.ok(routes.length >= 35, `the core registers its routes (${routes.length})`);
      const publicRoutes = new Set(['POST /api/v1/sessions', 'POST /api/v1/invitations/accept']);
      for (const r of routes) {
        if (publicRoutes.has(r)) continue;
        const [m, p] = r.split(' ') as [string, string];
        const re = new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/?]+')}(\\?.*)?$`);
        const hit = await (async () => {
          for (const c of CASES) {
            if (c.method !== m) continue;
            if (
              re.test(
                await Promise.resolve(c.path(w, { ...co, call: co.call } as TestCoordinator)).catch(() => ''),
              )
            )
              return true;
          }
          return false;
        })();
        assert.ok(hit, `no matrix case for ${r}`);
      }
    });

    test("an lb-admin revokes another user's token: refused from then on, audited, the user's others unharmed", async () => {
      const t = (
        await co.call('POST', '/api/v1/tokens', {
          token: w.tokens.admin,
          body: { name: 'to-revoke', user: w.foreignUser, expiresIn: '1h' },
        })
      ).body as { id: string; token: string };
      assert.equal((await co.call('GET', '/api/v1/me', { token: t.token })).status, 200);
      const r = await co.call('DELETE', `/api/v1/tokens/${t.id}`, { token: w.tokens.admin });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.changed, true);
      assert.equal((await co.call('GET', '/api/v1/me', { token: t.token })).status, 401);
      const theirs = (await co.call('GET', '/api/v1/tokens', { token: w.tokens.admin })).body as Array<{
        id: string;
        revokedAt: string | null;
      }>;
      assert.equal(theirs.find((x) => x.id === w.foreignTokenId)?.revokedAt, null, "the user's other token");
      const events = await co.call('GET', '/api/v1/audit/events');
      assert.match(
        events.text,
        new RegExp(`"action":"token.revoke","targetKind":"token","targetId":"${t.id}"`),
      );
    });

    for (const c of CASES) {
      for (const caller of CALLERS) {
        const expected =
          caller === 'anonymous'
            ? 401
            : ((backend.name === 'PostgreSQL' ? c.postgres?.[caller] : undefined) ?? c.expect[caller]);
        if (expected === 0) continue; // would destroy the shared world; covered by the disposable cases
        test(`${c.name} as ${caller}: ${expected}`, async () => {
          const path = await c.path(w, co);
          const r = await co.call(c.method, path, { token: w.tokens[caller], body: c.body?.(w) });
          assert.equal(r.status, expected, `${c.method} ${path} → ${r.text}`);
          if (r.status >= 400) {
            assert.match(r.type, /^application\/problem\+json/);
            assert.equal(typeof r.body.code, 'string');
          }
          if (r.status < 300 && caller !== 'admin' && caller !== 'auditor') {
            for (const mark of foreignMarks(w)) {
              assert.ok(
                !r.text.includes(mark),
                `${caller} saw ${mark} in ${c.method} ${path}: ${r.text.slice(0, 300)}`,
              );
            }
          }
          if (
            c.missing &&
            (r.status === 404 || (r.status === 200 && caller !== 'admin' && caller !== 'auditor'))
          ) {
            // The same request for an object that does not exist: identical answer, identical work.
            const bodyOf = (x: unknown) =>
              x === undefined
                ? undefined
                : JSON.parse(JSON.stringify(x).replaceAll(c.missing!.find(w), c.missing!.replaceWith));
            const missingPath = path.replaceAll(c.missing.find(w), c.missing.replaceWith);
            const q0 = co.queries();
            const again = await co.call(c.method, path, { token: w.tokens[caller], body: c.body?.(w) });
            const q1 = co.queries();
            const miss = await co.call(c.method, missingPath, {
              token: w.tokens[caller],
              body: bodyOf(c.body?.(w)),
            });
            const q2 = co.queries();
            assert.equal(miss.status, again.status);
            assert.deepEqual(
              JSON.parse(again.text.replaceAll(c.missing.find(w), c.missing.replaceWith)),
              miss.body,
              'a foreign object and a missing one must be answered alike',
            );
            assert.equal(
              q1 - q0,
              q2 - q1,
              'a foreign object and a missing one must cost the same store queries',
            );
          }
        });
      }
    }
  });

describe('field level: renewal views and the event stream show a scoped caller nothing of another tenant', async () => {
  const { Coordinator } = await import('../renewal/harness.js');
  const { generateMasterKey } = await import('../../src/store/seal.js');
  const { buildSharedRenewal } = await import('./renewal-world.js');
  const co = new Coordinator({ kind: 'sqlite', file: ':memory:' }, generateMasterKey(), () => 1);
  await co.start();
  const w = await buildSharedRenewal(co);
  const { after } = await import('node:test');
  after(() => co.stop());

  /** Everything of the foreign customer found in `text`: its ids, its address, and any name or text (all say "globex"). */
  const leaks = (text: string) => [
    ...[...w.foreignIds, w.foreignAddress].filter((id) => text.includes(id)),
    ...(text.toLowerCase().match(/.{0,30}globex.{0,30}/g) ?? []),
  ];
  const get = async (path: string, token: string) => {
    const r = await fetch(`${co.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: r.status, text: await r.text() };
  };
  // Every view a scoped caller may read (a 403 is fine too; it must then say nothing either).
  const VIEWS = [
    '/api/v1/renewals',
    `/api/v1/renewals/${w.shared}`,
    `/api/v1/renewals/${w.shared}/status.json`,
    '/api/v1/inbox',
    '/api/v1/expiry',
  ];

  test('the lb-admin sees the foreign customer (so the checks below can fail)', async () => {
    const detail = await get(`/api/v1/renewals/${w.shared}`, co.adminToken);
    assert.equal(detail.status, 200, detail.text);
    assert.ok(leaks(detail.text).length > 5, detail.text);
  });

  for (const role of ['tenantAdmin', 'integrationDev', 'senderAdmin'] as const) {
    test(`${role} of acme: no id, name or text of globex in any renewal view`, async () => {
      for (const path of VIEWS) {
        const r = await get(path, w.acme[role]);
        assert.ok(r.status === 200 || r.status === 403, `${path}: ${r.text}`);
        assert.deepEqual(leaks(r.text), [], `${path} leaks to ${role}`);
      }
      const detail = JSON.parse((await get(`/api/v1/renewals/${w.shared}`, w.acme[role])).text);
      // What is theirs is still there: their sender's evidence, and the renewal-wide steps.
      assert.ok(detail.steps.some((s: { kind: string }) => s.kind === 'plan'));
      assert.ok(detail.steps.some((s: { kind: string }) => s.kind === 'evidence'));
      // Its own sender's automatic fallback, and only that one.
      assert.deepEqual(
        detail.steps
          .filter((s: { kind: string }) => s.kind === 'auto-grace')
          .map((s: { detail: unknown }) => s.detail),
        [{ node: 'n1', cidr: '198.51.100.5/32', until: '2027-06-08T02:00:00.000Z', senders: [w.acmeSender] }],
      );
      assert.equal(detail.virtualServers.length, 1);
      // A foreign renewal is answered exactly like one that does not exist.
      const hidden = await get(`/api/v1/renewals/${w.globexOnly}`, w.acme[role]);
      const missing = await get('/api/v1/renewals/ren_doesnotexist00000000', w.acme[role]);
      assert.equal(hidden.status, 404);
      assert.equal(hidden.text.replaceAll(w.globexOnly, 'ren_doesnotexist00000000'), missing.text);
    });

    test(`${role} of acme: the event stream carries only renewals it may see`, async () => {
      const abort = new AbortController();
      const res = await fetch(`${co.url}/api/v1/events`, {
        headers: { authorization: `Bearer ${w.acme[role]}` },
        signal: abort.signal,
      });
      assert.equal(res.status, 200);
      const reader = res.body!.getReader();
      let text = '';
      const readUntil = async (needle: string) => {
        const end = Date.now() + 5000;
        while (!text.includes(needle) && Date.now() < end) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
      };
      await readUntil('event: ready');
      // A foreign renewal changes first, then the shared one: the stream must carry only the second.
      co.env.renewal.changed(w.globexOnly, 'announced');
      co.env.renewal.changed(w.shared, 'announced');
      await readUntil(w.shared);
      abort.abort();
      assert.ok(text.includes(w.shared), text);
      assert.deepEqual(leaks(text), [], 'the stream leaks');
    });
  }

  test("acme's sender: its personal link page shows nothing of globex", async () => {
    const { issueLinks, linkToken } = await import('../../src/coordinator/renewal/links.js');
    const ids = await issueLinks(co.store, co.env, w.shared, [w.acmeSender]);
    const token = linkToken(co.store, ids.get(w.acmeSender)!);
    for (const path of [`/api/v1/links/${token}`, `/api/v1/links/${token}/status.json`]) {
      const r = await get(path, '');
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.deepEqual(leaks(r.text), [], `${path} leaks`);
    }
  });

  test('/metrics, unauthenticated, shows counts per virtual server and no renewal, tenant or sender', async () => {
    const r = await fetch(`${co.url}/metrics`);
    const text = await r.text();
    assert.equal(r.status, 200);
    assert.match(text, /rollover_renewal_senders\{virtual_server="web",state="notified"\} 2/);
    for (const id of [w.shared, w.globexOnly, ...w.foreignIds]) assert.ok(!text.includes(id), id);
    assert.ok(!/acme|payroll|ledger|ren_/.test(text), text);
  });
});
