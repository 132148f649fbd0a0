/**
 * The bad-input corpus over real HTTP: each case must be answered with problem+json carrying its
 * stable code and HTTP status, and must leave the store exactly as it was (every table's row count,
 * role bindings, and the audit chain head).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestCoordinator } from './api-kit.js';
import { BACKENDS } from './stores.js';
import { buildWorld } from './world.js';

interface Case {
  name: string;
  method: string;
  path: string;
  /** An object is sent as JSON; a string is sent as is. */
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

/** A coordinator with the world, tokens that no longer work, and the corpus aimed at it. */
async function setUp(config: Parameters<typeof startTestCoordinator>[0]) {
  const co = await startTestCoordinator(config);
  const w = await buildWorld(co);

  // Tokens that no longer work.
  const expiring = (await co.call('POST', '/api/v1/tokens', { body: { name: 'short', expiresIn: '1s' } }))
    .body;
  co.advance(2000);
  const revoked = (await co.call('POST', '/api/v1/tokens', { body: { name: 'gone' } })).body;
  await co.call('DELETE', `/api/v1/tokens/${revoked.id}`);

  const lbBody = { name: 'fresh-lb', kind: 'builtin' };
  const vsBody = { name: 'fresh-vs', lb: w.lb, hosts: ['f.test'], listen: '0.0.0.0:443', backends: [] };
  const senderBody = {
    tenant: w.tenantA,
    name: 'fresh-sender',
    contacts: ['a@b.test'],
    truststoreKind: 'pem',
  };
  const row = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    contacts: [`${name}@x.test`],
    truststoreKind: 'jks',
    ...extra,
  });

  // A node of the world's LB with its token, for the node routes.
  await co.call('POST', '/api/v1/lbs', {
    body: { name: 'nodes-lb', kind: 'builtin', nodes: [{ name: 'n1', address: '10.0.0.9:9000' }] },
  });
  const nodeToken = (await co.call('POST', '/api/v1/lbs/nodes-lb/nodes/n1/token')).body.token as string;
  assert.ok(nodeToken, 'no node token');
  const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

  const CASES: Case[] = [
    // nesting (a deep body overflowed the stack where it was stored or serialised: 500)
    {
      name: 'a node report nested 20 000 deep',
      method: 'POST',
      path: '/api/v1/node/report',
      body: `{"status":{"virtualServers":[{"name":"vs-a","x":${deep(20_000)}}]}}`,
      token: nodeToken,
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a node report with failures nested 100 deep',
      method: 'POST',
      path: '/api/v1/node/report',
      body: `{"status":{"virtualServers":[]},"failures":[${deep(100)}]}`,
      token: nodeToken,
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a load balancer body nested 50 000 deep',
      method: 'POST',
      path: '/api/v1/lbs',
      body: `{"name":"deep","kind":"builtin","nodes":${deep(50_000)}}`,
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a sender patch nested 70 deep in an unknown field',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: `{"x":${deep(70)}}`,
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    // source addresses a tenant's own admins may not claim (attribution and the served credential follow them)
    {
      name: 'a sender admin claiming 0.0.0.0/0 for their sender',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { sourceAddresses: ['0.0.0.0/0'] },
      token: w.tokens.senderAdmin,
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: "a sender admin claiming part of another tenant's range",
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { sourceAddresses: ['192.0.2.128/25'] },
      token: w.tokens.senderAdmin,
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: "a tenant admin adding a sender at another tenant's address",
      method: 'POST',
      path: '/api/v1/senders',
      body: { ...senderBody, sourceAddresses: ['192.0.2.7'] },
      token: w.tokens.tenantAdmin,
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'a tenant admin importing a sender that claims ::/0',
      method: 'POST',
      path: '/api/v1/senders/import',
      body: { tenant: w.tenantA, senders: [row('wide-v6', { sourceAddresses: ['::/0'] })] },
      token: w.tokens.tenantAdmin,
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'a sender admin claiming 0.0.0.0/0 written IPv4-mapped (::ffff:0:0/96)',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { sourceAddresses: ['::ffff:0:0/96'] },
      token: w.tokens.senderAdmin,
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: "a tenant admin claiming another tenant's address written IPv4-mapped",
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { sourceAddresses: ['0:0:0:0:0:FFFF:192.0.2.7'] },
      token: w.tokens.tenantAdmin,
      status: 403,
      code: 'FORBIDDEN',
    },
    {
      name: 'a tenant admin claiming a /4',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { sourceAddresses: ['16.0.0.0/4'] },
      token: w.tokens.tenantAdmin,
      status: 403,
      code: 'FORBIDDEN',
    },
    // one rule for names and free text: no edge spaces, control characters, bidi overrides, lone surrogates
    {
      name: 'a tenant name with a trailing space',
      method: 'POST',
      path: '/api/v1/tenants',
      body: { name: 'trailing ', operatingModel: 'customer-managed', customerOrganisation: 'Acme' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an organisation with a trailing space',
      method: 'POST',
      path: '/api/v1/tenants',
      body: { name: 'orgspace', operatingModel: 'customer-managed', customerOrganisation: 'Acme ' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a client certificate subject with a bidi override',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { clientCertSubject: 'CN=pay\u202Egnp.exe' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a client certificate subject with a control character',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { clientCertSubject: 'CN=a\u0007b' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a client certificate subject with a lone surrogate',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: '{"clientCertSubject":"CN=\\ud800x"}',
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a client certificate subject with leading spaces',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { clientCertSubject: '  CN=x' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an imported sender with a line break in its subject',
      method: 'POST',
      path: '/api/v1/senders/import',
      body: { tenant: w.tenantA, senders: [row('nl', { clientCertSubject: 'CN=a\nCN=b' })] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    // addresses
    {
      name: 'port 0 as a node address',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { ...lbBody, nodes: [{ name: 'n', address: '10.0.0.1:0' }] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'port 0 as a backend',
      method: 'POST',
      path: '/api/v1/virtual-servers',
      body: { ...vsBody, backends: ['10.0.0.1:0'] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    // malformed bodies
    {
      name: 'malformed JSON',
      method: 'POST',
      path: '/api/v1/lbs',
      body: '{bad',
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'truncated JSON',
      method: 'POST',
      path: '/api/v1/lbs',
      body: '{"name":"x"',
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a JSON array for an object',
      method: 'POST',
      path: '/api/v1/lbs',
      body: '[]',
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'JSON null',
      method: 'POST',
      path: '/api/v1/tenants',
      body: 'null',
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an empty body',
      method: 'POST',
      path: '/api/v1/tenants',
      body: '',
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'JSON sent as text/plain',
      method: 'POST',
      path: '/api/v1/lbs',
      body: JSON.stringify(lbBody),
      headers: { 'content-type': 'text/plain' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an oversized body',
      method: 'POST',
      path: '/api/v1/senders/import',
      body: JSON.stringify({
        tenant: w.tenantA,
        senders: [row('x', { clientCertSubject: 'y'.repeat(3_000_000) })],
      }),
      status: 413,
      code: 'BODY_TOO_LARGE',
    },
    // unknown fields
    {
      name: 'an unknown top-level field',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { ...lbBody, colour: 'red' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an unknown field in a node',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { ...lbBody, nodes: [{ name: 'n', address: '10.0.0.1:1', weight: 3 }] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an unknown field in a sender change',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { tenantId: w.tenantB },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an unknown field in a role',
      method: 'POST',
      path: '/api/v1/users',
      body: { name: 'nu', organisation: 'Acme', roles: [{ role: 'auditor', admin: true }] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an unknown field in an imported sender',
      method: 'POST',
      path: '/api/v1/senders/import',
      body: { tenant: w.tenantA, senders: [row('ok-1'), row('ok-2', { priority: 1 })] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    // invalid values
    {
      name: 'a missing name',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { kind: 'builtin' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a number for a name',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { name: 7, kind: 'builtin' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an unknown load balancer kind',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { name: 'k', kind: 'f5' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a name with a slash',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { name: 'a/b', kind: 'nginx' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a name too long',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { name: 'n'.repeat(65), kind: 'nginx' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a bad host name',
      method: 'POST',
      path: '/api/v1/virtual-servers',
      body: { ...vsBody, hosts: ['bad_host!'] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'no host names',
      method: 'POST',
      path: '/api/v1/virtual-servers',
      body: { ...vsBody, hosts: [] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a listener without a port',
      method: 'POST',
      path: '/api/v1/virtual-servers',
      body: { ...vsBody, listen: '0.0.0.0' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a port above 65535',
      method: 'POST',
      path: '/api/v1/virtual-servers',
      body: { ...vsBody, listen: '0.0.0.0:70000' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a bad backend',
      method: 'POST',
      path: '/api/v1/virtual-servers',
      body: { ...vsBody, backends: ['ftp://x'] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an unknown operating model',
      method: 'POST',
      path: '/api/v1/tenants',
      body: { name: 'om', operatingModel: 'self-service', customerOrganisation: 'X' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a bad contact address',
      method: 'POST',
      path: '/api/v1/senders',
      body: { ...senderBody, contacts: ['not-mail'] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'no contacts',
      method: 'POST',
      path: '/api/v1/senders',
      body: { ...senderBody, contacts: [] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a source address with a zone id',
      method: 'POST',
      path: '/api/v1/senders',
      body: { ...senderBody, sourceAddresses: ['fe80::1%eth0'] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a CIDR prefix too long',
      method: 'POST',
      path: '/api/v1/senders',
      body: { ...senderBody, sourceAddresses: ['10.0.0.0/33'] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an unknown truststore kind',
      method: 'POST',
      path: '/api/v1/senders',
      body: { ...senderBody, truststoreKind: 'p7b' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a token lifetime that is no duration',
      method: 'POST',
      path: '/api/v1/tokens',
      body: { name: 't', expiresIn: 'forever' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a token lifetime too long',
      method: 'POST',
      path: '/api/v1/tokens',
      body: { name: 't', expiresIn: '500d' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an invitation lifetime too long',
      method: 'POST',
      path: '/api/v1/invitations',
      body: { role: 'sender-admin', scope: w.senderA1, organisation: 'Acme', expiresIn: '60d' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an invitation for a global role',
      method: 'POST',
      path: '/api/v1/invitations',
      body: { role: 'lb-admin', scope: w.tenantA, organisation: 'Acme' },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a global role with a scope',
      method: 'POST',
      path: '/api/v1/users',
      body: { name: 'g', organisation: 'Provider', roles: [{ role: 'auditor', scope: w.tenantA }] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a scoped role without a scope',
      method: 'POST',
      path: '/api/v1/users',
      body: { name: 's', organisation: 'Acme', roles: [{ role: 'tenant-admin' }] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'a short password',
      method: 'POST',
      path: '/api/v1/users',
      body: { name: 'p', organisation: 'Acme', password: 'short', roles: [] },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'an audit export limit of zero',
      method: 'GET',
      path: '/api/v1/audit/events?limit=0',
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    // duplicates and conflicts
    {
      name: 'a duplicate load balancer name',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { name: 'edge', kind: 'nginx' },
      status: 409,
      code: 'NAME_TAKEN',
    },
    {
      name: 'a duplicate virtual server name',
      method: 'POST',
      path: '/api/v1/virtual-servers',
      body: { ...vsBody, name: 'vs-a' },
      status: 409,
      code: 'NAME_TAKEN',
    },
    {
      name: 'a duplicate tenant name',
      method: 'POST',
      path: '/api/v1/tenants',
      body: { name: 'acme', operatingModel: 'customer-managed', customerOrganisation: 'Other' },
      status: 409,
      code: 'NAME_TAKEN',
    },
    {
      name: 'a duplicate sender name in a tenant',
      method: 'POST',
      path: '/api/v1/senders',
      body: { ...senderBody, name: 'payroll-a1' },
      status: 409,
      code: 'NAME_TAKEN',
    },
    {
      name: 'a duplicate user name',
      method: 'POST',
      path: '/api/v1/users',
      body: { name: 'tara', organisation: 'Acme', roles: [] },
      status: 409,
      code: 'NAME_TAKEN',
    },
    {
      name: 'an import repeating a name within the batch',
      method: 'POST',
      path: '/api/v1/senders/import',
      body: { tenant: w.tenantA, senders: [row('dup-1'), row('dup-2'), row('dup-1')] },
      status: 409,
      code: 'NAME_TAKEN',
    },
    {
      name: 'an import with a name the tenant already has',
      method: 'POST',
      path: '/api/v1/senders/import',
      body: { tenant: w.tenantA, senders: [row('new-1'), row('payroll-a1')] },
      status: 409,
      code: 'NAME_TAKEN',
    },
    {
      name: 'an import with one bad row',
      method: 'POST',
      path: '/api/v1/senders/import',
      body: {
        tenant: w.tenantA,
        senders: [row('good-1'), row('good-2'), { ...row('bad-3'), contacts: ['nope'] }],
      },
      status: 400,
      code: 'BAD_ARGUMENT',
    },
    {
      name: 'removing a load balancer in use',
      method: 'DELETE',
      path: `/api/v1/lbs/${w.lb}`,
      status: 409,
      code: 'STILL_IN_USE',
    },
    {
      name: 'removing a virtual server in use',
      method: 'DELETE',
      path: `/api/v1/virtual-servers/${w.vsA}`,
      status: 409,
      code: 'STILL_IN_USE',
    },
    {
      name: 'removing yourself',
      method: 'DELETE',
      path: `/api/v1/users/${w.users.admin}`,
      status: 409,
      code: 'SELF_REMOVAL',
    },
    {
      name: 'a tenant admin from the wrong organisation',
      method: 'POST',
      path: '/api/v1/users',
      body: {
        name: 'wrong-org',
        organisation: 'Provider',
        roles: [{ role: 'tenant-admin', scope: w.tenantA }],
      },
      status: 409,
      code: 'OPERATING_MODEL',
    },
    // references to missing or foreign objects
    {
      name: 'a virtual server on a missing load balancer',
      method: 'POST',
      path: '/api/v1/virtual-servers',
      body: { ...vsBody, lb: 'nope' },
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'a tenant on a missing virtual server',
      method: 'POST',
      path: '/api/v1/tenants',
      body: {
        name: 'orphan',
        virtualServer: 'vs_missing',
        operatingModel: 'customer-managed',
        customerOrganisation: 'O',
      },
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'a tenant admin adding a sender to a foreign tenant',
      method: 'POST',
      path: '/api/v1/senders',
      body: { ...senderBody, tenant: w.tenantB },
      token: w.tokens.tenantAdmin,
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'a tenant admin inviting for a foreign sender',
      method: 'POST',
      path: '/api/v1/invitations',
      body: { role: 'sender-admin', scope: w.senderB1, organisation: 'Beta' },
      token: w.tokens.tenantAdmin,
      status: 404,
      code: 'NOT_FOUND',
    },
    {
      name: 'a role on a missing tenant',
      method: 'POST',
      path: '/api/v1/users',
      body: { name: 'ghost', organisation: 'Acme', roles: [{ role: 'tenant-admin', scope: 'ten_missing' }] },
      status: 404,
      code: 'NOT_FOUND',
    },
    { name: 'an unknown route', method: 'GET', path: '/api/v1/nothing-here', status: 404, code: 'NOT_FOUND' },
    // credentials
    {
      name: 'no token',
      method: 'GET',
      path: '/api/v1/tenants',
      token: '',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'a garbage token',
      method: 'GET',
      path: '/api/v1/tenants',
      token: 'rlv_garbage',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'a Basic authorization header',
      method: 'GET',
      path: '/api/v1/tenants',
      token: '',
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'an expired token',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { name: 'late', kind: 'nginx' },
      token: expiring.token,
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'a revoked token',
      method: 'POST',
      path: '/api/v1/lbs',
      body: { name: 'gone', kind: 'nginx' },
      token: revoked.token,
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'a wrong password',
      method: 'POST',
      path: '/api/v1/sessions',
      body: { name: 'admin', password: 'wrong-password' },
      token: '',
      status: 401,
      code: 'UNAUTHENTICATED',
    },
    {
      name: 'an unknown invitation',
      method: 'POST',
      path: '/api/v1/invitations/accept',
      body: { token: 'rli_unknown', name: 'newbie', password: 'a-long-enough-password' },
      token: '',
      status: 410,
      code: 'INVITATION_INVALID',
    },
    {
      name: 'an auditor changing a sender',
      method: 'PATCH',
      path: `/api/v1/senders/${w.senderA1}`,
      body: { truststoreKind: 'os' },
      token: w.tokens.auditor,
      status: 403,
      code: 'FORBIDDEN',
    },
  ];
  return { co, w, CASES };
}

// Every coordinator is set up before any test is registered: the runner starts as soon as the module
// yields, and its end-of-file hooks (closing servers, dropping schemas) must not run in between.
const setups = [];
for (const backend of BACKENDS) setups.push({ backend, ...(await setUp(backend.config())) });

for (const { backend, co, w, CASES } of setups) {
  async function snapshot() {
    return {
      counts: await co.store.counts(),
      bindings: await Promise.all(
        (await co.store.people.users()).map(async (u) => [u.name, await co.store.people.bindings(u.id)]),
      ),
      head: await co.store.auditHead(),
      senders: (await co.store.list('senders')).map((s) => `${s.id}:${s.contacts}:${s.truststore_kind}`),
    };
  }

  describe(`the bad-input corpus on ${backend.name}`, () => {
    test('holds at least 40 cases', (t) => {
      assert.ok(CASES.length >= 40, `${CASES.length} cases`);
      t.diagnostic(`bad-input corpus: ${CASES.length} API requests (${backend.name})`);
    });
    for (const c of CASES) {
      test(`${c.name} → ${c.status} ${c.code}, nothing changed`, async () => {
        const before = await snapshot();
        const r = await co.call(c.method, c.path, {
          body: c.body,
          ...(c.token !== undefined ? { token: c.token } : {}),
          ...(c.headers ? { headers: c.headers } : {}),
        });
        assert.equal(r.status, c.status, r.text.slice(0, 400));
        assert.match(r.type, /^application\/problem\+json/);
        assert.equal(r.body.code, c.code);
        assert.equal(r.body.status, c.status);
        assert.equal(typeof r.body.detail, 'string');
        assert.ok(r.body.detail.length > 10, 'the message says what to do');
        assert.deepEqual(await snapshot(), before);
      });
    }
  });

  test(`a tenant admin may claim an unclaimed range, and the lb-admin an overlapping one, on ${backend.name}`, async () => {
    const own = await co.call('PATCH', `/api/v1/senders/${w.senderA1}`, {
      body: { sourceAddresses: ['198.51.100.0/24'] },
      token: w.tokens.tenantAdmin,
    });
    assert.equal(own.status, 200, own.text);
    const admin = await co.call('PATCH', `/api/v1/senders/${w.senderA1}`, {
      body: { sourceAddresses: ['192.0.2.0/24'] },
    });
    assert.equal(admin.status, 200, admin.text);
  });

  test(`an empty change is accepted as a no-op and changes nothing on ${backend.name}`, async () => {
    const before = await snapshot();
    const r = await co.call('PATCH', `/api/v1/senders/${w.senderA1}`, { body: {} });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id, w.senderA1);
    assert.deepEqual(await snapshot(), before, 'not even an audit event');
  });
}
