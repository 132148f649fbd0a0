/** A tenant's notification settings against the in-memory ports: kept sealed, audited, refused where due. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../../access/roles.js';
import { fail } from '../../shared/errors.js';
import { FakeStore } from '../ports/fakes.js';
import { FailureLimiter } from '../rate-limit.js';
import { setTenantNotify } from './tenant-settings.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const clock = { now: () => NOW };

function world() {
  const store = new FakeStore();
  store.inventory.tenantRows = ['ten_1', 'ten_2'].map((id) => ({
    id,
    name: `${id}-name`,
    virtualServerId: 'vs_1',
    operatingModel: 'customer-managed' as const,
    customerOrganisation: id,
    createdAt: '',
  }));
  const env = {
    store,
    clock,
    provider: 'provider',
    signInLimiter: new FailureLimiter(clock),
    trustedProxies: [],
    publicUrl: 'https://coordinator.test',
    renewal: {
      checkOutboundUrl: (url: string) => {
        if (url.startsWith('http://')) fail('URL_REFUSED', `refused: ${url}`);
      },
    },
  };
  return { store, env };
}

const admin = (tenantId: string): Principal => ({
  userId: 'usr_1',
  name: 'ta',
  organisation: 'Acme',
  bindings: [{ role: 'tenant-admin', scopeId: tenantId }],
});
const auditor: Principal = {
  userId: 'usr_2',
  name: 'aud',
  organisation: 'provider',
  bindings: [{ role: 'auditor', scopeId: '' }],
};

test('a tenant admin sets a webhook (secret kept sealed) and auto-forward; each change is audited', async () => {
  const { store, env } = world();
  const secret = 's'.repeat(20);
  assert.deepEqual(
    await setTenantNotify(env, admin('ten_1'), 'ten_1', {
      webhookUrl: 'https://hooks.test/a',
      webhookSecret: secret,
    }),
    { tenantId: 'ten_1', webhookUrl: 'https://hooks.test/a', autoForward: false },
  );
  const kept = (await store.tenantSettings.get('ten_1'))!;
  assert.notEqual(kept.webhookSecretSealed, secret);
  assert.equal(store.secrets.unseal('webhook:ten_1', kept.webhookSecretSealed!), secret);
  // Only auto-forward given: the webhook and its secret stay.
  await setTenantNotify(env, admin('ten_1'), 'ten_1', { autoForward: true });
  assert.deepEqual(await store.tenantSettings.get('ten_1'), { ...kept, autoForward: true });
  // Removing the webhook drops its secret too.
  assert.deepEqual(await setTenantNotify(env, admin('ten_1'), 'ten_1', { webhookUrl: null }), {
    tenantId: 'ten_1',
    webhookUrl: null,
    autoForward: true,
  });
  assert.equal((await store.tenantSettings.get('ten_1'))!.webhookSecretSealed, null);
  assert.deepEqual(
    store.audit.rows.map((e) => [e.action, e.targetId, JSON.parse(e.change)]),
    [
      ['tenant.notify', 'ten_1', { webhookUrl: 'https://hooks.test/a', autoForward: false }],
      ['tenant.notify', 'ten_1', { webhookUrl: 'https://hooks.test/a', autoForward: true }],
      ['tenant.notify', 'ten_1', { webhookUrl: null, autoForward: true }],
    ],
  );
});

test('another tenant, a tenant named instead of its id, a reader, a webhook without secret or refused: nothing kept', async () => {
  const { store, env } = world();
  const mine = admin('ten_1');
  await assert.rejects(setTenantNotify(env, mine, 'ten_2', { autoForward: true }), { code: 'NOT_FOUND' });
  await assert.rejects(setTenantNotify(env, admin('ten_1-name'), 'ten_1-name', { autoForward: true }), {
    code: 'NOT_FOUND',
  });
  await assert.rejects(setTenantNotify(env, auditor, 'ten_1', { autoForward: true }), { code: 'FORBIDDEN' });
  await assert.rejects(setTenantNotify(env, mine, 'ten_1', { webhookUrl: 'https://hooks.test/a' }), {
    code: 'BAD_ARGUMENT',
  });
  await assert.rejects(
    setTenantNotify(env, mine, 'ten_1', { webhookUrl: 'http://hooks.test/a', webhookSecret: 's'.repeat(20) }),
    { code: 'URL_REFUSED' },
  );
  assert.deepEqual(store.tenantSettings.rows, {});
  assert.deepEqual(store.audit.rows, []);
});
