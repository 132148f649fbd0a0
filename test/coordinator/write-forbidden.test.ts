/**
 * Read-only roles: a write by an auditor or an integration developer on an object they can see
 * answers 403 FORBIDDEN (as docs/api.md says), while the same write on an object outside their scope
 * still answers 404, exactly like a missing one (hidden = missing).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestCoordinator } from './api-kit.js';
import { buildWorld } from './world.js';

const co = await startTestCoordinator({ kind: 'sqlite', file: ':memory:' }, { renewal: true });
const w = await buildWorld(co);

/** [method, path, body] of writes, each on an object the caller can read. */
function visibleWrites(tenant: string, sender: string, renewal: string): Array<[string, string, unknown?]> {
  return [
    ['PATCH', `/api/v1/senders/${sender}`, { contacts: ['x@y.test'] }],
    ['DELETE', `/api/v1/senders/${sender}`],
    ['POST', '/api/v1/senders', { tenant, name: 'new-one', contacts: ['a@b.test'], truststoreKind: 'pem' }],
    [
      'POST',
      '/api/v1/senders/import',
      { tenant, senders: [{ name: 'imp', contacts: ['a@b.test'], truststoreKind: 'pem' }] },
    ],
    ['DELETE', `/api/v1/tenants/${tenant}`],
    ['POST', `/api/v1/tenants/${tenant}/notify`, { autoForward: true }],
    ['POST', `/api/v1/renewals/${renewal}/gate/override`, { reason: 'because' }],
    ['POST', `/api/v1/renewals/${renewal}/forward`, { tenantId: tenant }],
    ['POST', `/api/v1/renewals/${renewal}/announce`],
    ['POST', `/api/v1/renewals/${renewal}/postpone`, { exchangeAt: '2027-01-01T00:00:00Z' }],
  ];
}

for (const who of ['auditor', 'integrationDev'] as const) {
  test(`${who}: writes on visible objects answer 403; foreign ones answer as missing ones`, async () => {
    const forbidden: string[] = [];
    for (const [method, path, body] of visibleWrites(w.tenantA, w.senderA1, w.renewalA)) {
      const r = await co.call(method, path, { token: w.tokens[who], ...(body ? { body } : {}) });
      if (r.status !== 403 || r.body.code !== 'FORBIDDEN')
        forbidden.push(`${method} ${path} → ${r.status} ${r.body?.code} ${r.body?.detail}`);
    }
    assert.deepEqual(forbidden, [], 'writes not answered 403');
    if (who === 'integrationDev') {
      // A foreign object answers exactly as a missing one (hidden = missing), whatever that answer is.
      const leaks: string[] = [];
      const foreign = visibleWrites(w.tenantB, w.senderB1, w.renewalB);
      const missing = visibleWrites('ten_missing00000000', 'snd_missing00000000', 'ren_missing00000000');
      for (const [i, [method, path, body]] of foreign.entries()) {
        if (method === 'POST' && (path.endsWith('/senders') || path.endsWith('/import'))) continue;
        const a = await co.call(method, path, { token: w.tokens[who], ...(body ? { body } : {}) });
        const [m2, p2, b2] = missing[i]!;
        const b = await co.call(m2, p2, { token: w.tokens[who], ...(b2 ? { body: b2 } : {}) });
        if (a.status !== b.status || a.body?.code !== b.body?.code)
          leaks.push(
            `${method} ${path} → ${a.status} ${a.body?.code}, missing → ${b.status} ${b.body?.code}`,
          );
      }
      assert.deepEqual(leaks, [], 'a foreign object must answer as a missing one');
    }
  });
}

// Each renewal of the world covers its tenant's sender, so a sender's acknowledgement and evidence
// reach the access check.
for (const [renewal, sender] of [
  [w.renewalA, w.senderA1],
  [w.renewalB, w.senderB1],
] as const) {
  await co.store.insert('readiness', {
    id: `rdy_${renewal}_${sender}`,
    renewal_id: renewal,
    sender_id: sender,
    state: 'notified',
    evidence: '{}',
    updated_at: '2026-11-27T10:00:00.000Z',
  } as never);
}

/** A sender's two writes on a renewal: the acknowledgement and a readiness report. */
function senderWrites(renewal: string, sender: string): Array<[string, string, unknown]> {
  return [
    ['POST', `/api/v1/renewals/${renewal}/ack`, { senderId: sender }],
    [
      'POST',
      `/api/v1/renewals/${renewal}/evidence`,
      {
        kind: 'readiness',
        sender,
        url: 'https://a.example.test/',
        truststore: { type: 'pem', anchors: [] },
        servedChain: [],
        result: 'failed',
        code: 'UNKNOWN_CA',
        reason: 'the chain leads to no anchor',
        checkedAt: '2026-11-27T10:00:00Z',
      },
    ],
  ];
}

test('an acknowledgement or report for a visible sender by a read-only role is 403; a foreign one is missing', async () => {
  const wrong: string[] = [];
  for (const who of ['auditor', 'integrationDev'] as const) {
    for (const [method, path, body] of senderWrites(w.renewalA, w.senderA1)) {
      const r = await co.call(method, path, { token: w.tokens[who], body });
      if (r.status !== 403 || r.body.code !== 'FORBIDDEN')
        wrong.push(`${who} ${path} → ${r.status} ${r.text}`);
    }
  }
  // Hidden = missing: another tenant's sender answers as a sender that does not exist.
  const foreign = senderWrites(w.renewalB, w.senderB1);
  const missing = senderWrites(w.renewalB, 'snd_missing00000000');
  for (const who of ['integrationDev', 'senderAdmin', 'tenantAdmin'] as const) {
    for (const [i, [method, path, body]] of foreign.entries()) {
      const a = await co.call(method, path, { token: w.tokens[who], body });
      const b = await co.call(method, path, { token: w.tokens[who], body: missing[i]![2] });
      if (a.status !== 404 || a.body.code !== b.body.code) wrong.push(`${who} ${path} foreign → ${a.status}`);
    }
  }
  // The sender's own admin and the tenant's admin may: their acknowledgement goes through.
  for (const who of ['senderAdmin', 'tenantAdmin'] as const) {
    const r = await co.call('POST', `/api/v1/renewals/${w.renewalA}/ack`, {
      token: w.tokens[who],
      body: { senderId: w.senderA1 },
    });
    if (r.status === 403 || r.status === 404) wrong.push(`${who} ack → ${r.status} ${r.text}`);
  }
  assert.deepEqual(wrong, []);
});

test('only lb-admin creates sign-in links: another role asking for itself or a user it sees is 403', async () => {
  const wrong: string[] = [];
  for (const who of ['auditor', 'tenantAdmin', 'integrationDev', 'senderAdmin'] as const) {
    const r = await co.call('POST', '/api/v1/sign-in-links', {
      token: w.tokens[who],
      body: { user: w.users[who] },
    });
    if (r.status !== 403 || r.body.code !== 'FORBIDDEN')
      wrong.push(`${who} for itself → ${r.status} ${r.text}`);
  }
  const other = await co.call('POST', '/api/v1/sign-in-links', {
    token: w.tokens.auditor,
    body: { user: w.users.admin },
  });
  if (other.status !== 403) wrong.push(`auditor for the lb-admin → ${other.status} ${other.text}`);
  // A user the caller cannot see answers as a missing one.
  const hidden = await co.call('POST', '/api/v1/sign-in-links', {
    token: w.tokens.tenantAdmin,
    body: { user: w.users.admin },
  });
  if (hidden.status !== 404) wrong.push(`tenant admin for the lb-admin → ${hidden.status}`);
  const admin = await co.call('POST', '/api/v1/sign-in-links', { body: { user: w.users.auditor } });
  if (admin.status !== 201) wrong.push(`lb-admin → ${admin.status} ${admin.text}`);
  assert.deepEqual(wrong, []);
});
