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
