/**
 * Every kind of secret the coordinator hands out is accepted on exactly the routes meant for it:
 * a table over secret kinds × route families, each cell with a freshly minted secret, so a secret
 * that one route consumes never hides what another would have done with it. Also: a new sign-in
 * link for a user revokes the earlier ones (a restarted `rollover up` leaves no old link working).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issueLinks, linkToken } from '../../src/coordinator/renewal/links.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { Coordinator } from '../renewal/harness.js';

const co = new Coordinator({ kind: 'sqlite', file: ':memory:' }, generateMasterKey(), () => 1);
await co.start();
test.after(() => co.stop());

const lb = await co.call('POST', '/api/v1/lbs', {
  name: 'edge',
  kind: 'builtin',
  nodes: [{ name: 'n1', address: '127.0.0.1:1' }],
});
const vs = await co.call('POST', '/api/v1/virtual-servers', {
  name: 'web',
  lb: lb.id,
  hosts: ['lb.test'],
  listen: '127.0.0.1:1443',
  backends: ['127.0.0.1:8080'],
});
const tenant = await co.call('POST', '/api/v1/tenants', {
  name: 'acme',
  virtualServer: vs.id,
  operatingModel: 'customer-managed',
  customerOrganisation: 'Acme',
});
const sender = await co.call('POST', '/api/v1/senders', {
  tenant: tenant.id,
  name: 'payroll',
  contacts: ['ops@payroll.test'],
  truststoreKind: 'pem',
});
const user = await co.call('POST', '/api/v1/users', {
  name: 'tara',
  organisation: 'Acme',
  roles: [{ role: 'tenant-admin', scope: tenant.id }],
});
const at = new Date().toISOString();
await co.store.insert('renewals', {
  id: 'ren_secretkinds0000',
  virtual_server_id: vs.id,
  old_credential_id: null,
  new_credential_id: null,
  old_root_fingerprint: null,
  new_root_fingerprint: null,
  exchange_at: new Date(Date.now() + 86_400_000).toISOString(),
  safe_removal_at: new Date(Date.now() + 2 * 86_400_000).toISOString(),
  rollback_window_seconds: 86400,
  gate_policy: '{}',
  state: 'announced',
  created_at: at,
  updated_at: at,
});

await co.store.insert('readiness', {
  id: 'rdy_secretkinds000',
  renewal_id: 'ren_secretkinds0000',
  sender_id: sender.id,
  state: 'notified',
  evidence: '{}',
  updated_at: at,
} as never);

type Kind = 'session' | 'apiToken' | 'nodeToken' | 'invitation' | 'personalLink' | 'signInLink';
type Family = 'user' | 'node' | 'signInRedeem' | 'invitationAccept' | 'personalLinkPage';

let seq = 0;
/** A fresh secret of each kind. */
const MINT: Record<Kind, () => Promise<string>> = {
  apiToken: async () =>
    (await co.call('POST', '/api/v1/tokens', { name: `t${++seq}`, user: user.id, expiresIn: '1d' })).token,
  signInLink: async () =>
    (await co.call('POST', '/api/v1/sign-in-links', { user: user.id })).url.split('#signin=')[1],
  session: async () => {
    const link = await MINT.signInLink();
    return (await co.call('POST', '/api/v1/sessions/link', { token: link }, '')).token;
  },
  nodeToken: async () => (await co.call('POST', `/api/v1/lbs/${lb.id}/nodes/n1/token`)).token,
  invitation: async () =>
    (
      await co.call('POST', '/api/v1/invitations', {
        role: 'sender-admin',
        scope: sender.id,
        organisation: 'Acme Payroll',
      })
    ).token,
  personalLink: async () => {
    const ids = await issueLinks(co.store, co.env, 'ren_secretkinds0000', [sender.id]);
    return linkToken(co.store, ids.get(sender.id)!);
  },
};

/** One request of each route family with `secret`; resolves to the HTTP status. */
const USE: Record<Family, (secret: string) => Promise<number>> = {
  user: (s) => status('GET', '/api/v1/me', undefined, s),
  node: (s) => status('GET', '/api/v1/node/desired-state', undefined, s),
  signInRedeem: (s) => status('POST', '/api/v1/sessions/link', { token: s }),
  invitationAccept: (s) =>
    status('POST', '/api/v1/invitations/accept', {
      token: s,
      name: `invited-${++seq}`,
      password: 'correct horse battery staple',
    }),
  personalLinkPage: (s) => status('GET', `/api/v1/links/${encodeURIComponent(s)}`),
};

async function status(method: string, path: string, body?: unknown, bearer = ''): Promise<number> {
  const res = await fetch(`${co.url}${path}`, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (process.env.SECRET_KINDS_DEBUG)
    console.error(method, path.slice(0, 40), res.status, text.slice(0, 300));
  return res.status;
}

/** Where each kind belongs: every other family must refuse it. */
const HOME: Record<Kind, Family> = {
  session: 'user',
  apiToken: 'user',
  nodeToken: 'node',
  signInLink: 'signInRedeem',
  invitation: 'invitationAccept',
  personalLink: 'personalLinkPage',
};

test('each kind of secret is accepted on exactly its own route family', async () => {
  const got: string[] = [];
  const want: string[] = [];
  for (const kind of Object.keys(HOME) as Kind[]) {
    for (const family of Object.keys(USE) as Family[]) {
      const code = await USE[family](await MINT[kind]());
      got.push(`${kind} on ${family}: ${code < 300 ? 'accepted' : 'refused'}`);
      want.push(`${kind} on ${family}: ${HOME[kind] === family ? 'accepted' : 'refused'}`);
    }
  }
  assert.deepEqual(got, want);
});

test('a sign-in link used as a bearer token is refused, says where it belongs, and stays usable once', async () => {
  const link = await MINT.signInLink();
  const r = await fetch(`${co.url}/api/v1/me`, { headers: { authorization: `Bearer ${link}` } });
  const body = (await r.json()) as { code: string; detail: string };
  assert.equal(r.status, 401);
  assert.equal(body.code, 'UNAUTHENTICATED');
  assert.match(body.detail, /one-time sign-in link/);
  assert.equal(await USE.signInRedeem(link), 201);
  assert.equal(await USE.signInRedeem(link), 410);
});

test('a new sign-in link for a user revokes the earlier ones, and says so in the audit log', async () => {
  const first = await MINT.signInLink();
  const second = await MINT.signInLink();
  assert.equal(await USE.signInRedeem(first), 410, 'the earlier link no longer works');
  assert.equal(await USE.signInRedeem(second), 201);
  const audit = await fetch(`${co.url}/api/v1/audit/events`, {
    headers: { authorization: `Bearer ${co.adminToken}` },
  });
  const rows = (await audit.text())
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { action: string; change: unknown });
  const created = rows.filter((e) => e.action === 'sign-in-link.create');
  assert.ok(created.length >= 2, 'every link creation is audited');
  assert.ok(
    created.some((e) => JSON.stringify(e.change).includes('"revokedEarlier":1')),
    'the revocation of the earlier link is recorded',
  );
});

test('an API token may not take the name that marks a sign-in link', async () => {
  const r = await co.call(
    'POST',
    '/api/v1/tokens',
    { name: 'one-time sign-in link', user: user.id },
    undefined,
    400,
  );
  assert.equal(r.code, 'BAD_ARGUMENT');
});
