import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Action, can, type Resource } from './can.js';
import { mayHold } from './operating-model.js';
import type { Principal, Role } from './roles.js';

function who(role: Role, scopeId = ''): Principal {
  return { userId: `u-${role}`, name: role, organisation: 'Acme', bindings: [{ role, scopeId }] };
}

const tenantA: Resource = { kind: 'tenant', tenantId: 'A' };
const senderA1: Resource = { kind: 'sender', tenantId: 'A', senderId: 'A1' };
const senderB1: Resource = { kind: 'sender', tenantId: 'B', senderId: 'B1' };
const renewalA: Resource = { kind: 'renewal', tenantIds: ['A'], senderIds: ['A1'] };

const cases: Array<[string, Principal, Action, Resource, boolean]> = [
  ['lb-admin creates a load balancer', who('lb-admin'), 'create', { kind: 'lb' }, true],
  ['lb-admin deletes a foreign sender', who('lb-admin'), 'delete', senderB1, true],
  ['an auditor reads the audit log', who('auditor'), 'read', { kind: 'audit' }, true],
  ['an auditor reads any sender', who('auditor'), 'read', senderB1, true],
  ['an auditor cannot delete a sender', who('auditor'), 'delete', senderA1, false],
  ['an auditor cannot create a load balancer', who('auditor'), 'create', { kind: 'lb' }, false],
  ['a tenant admin reads their tenant', who('tenant-admin', 'A'), 'read', tenantA, true],
  ['a tenant admin updates their tenant', who('tenant-admin', 'A'), 'update', tenantA, true],
  ['a tenant admin cannot delete their tenant', who('tenant-admin', 'A'), 'delete', tenantA, false],
  ['a tenant admin adds senders to their tenant', who('tenant-admin', 'A'), 'create', senderA1, true],
  ['a tenant admin cannot touch a foreign sender', who('tenant-admin', 'A'), 'read', senderB1, false],
  ['a tenant admin reads their renewals', who('tenant-admin', 'A'), 'read', renewalA, true],
  ['a tenant admin cannot read virtual servers', who('tenant-admin', 'A'), 'read', { kind: 'vs' }, false],
  ['an integration developer reads renewals', who('integration-developer', 'A'), 'read', renewalA, true],
  [
    'an integration developer cannot add senders',
    who('integration-developer', 'A'),
    'create',
    senderA1,
    false,
  ],
  [
    'an integration developer cannot read a foreign tenant',
    who('integration-developer', 'B'),
    'read',
    tenantA,
    false,
  ],
  ['a sender admin reads their sender', who('sender-admin', 'A1'), 'read', senderA1, true],
  ['a sender admin updates their sender', who('sender-admin', 'A1'), 'update', senderA1, true],
  ['a sender admin cannot delete their sender', who('sender-admin', 'A1'), 'delete', senderA1, false],
  ['a sender admin cannot read the tenant', who('sender-admin', 'A1'), 'read', tenantA, false],
  ['a sender admin reads renewals reaching their sender', who('sender-admin', 'A1'), 'read', renewalA, true],
  ['a sender admin cannot read the audit log', who('sender-admin', 'A1'), 'read', { kind: 'audit' }, false],
  [
    'a user reads themselves',
    who('sender-admin', 'A1'),
    'read',
    { kind: 'user', userId: 'u-sender-admin' },
    true,
  ],
  ['a user cannot read someone else', who('tenant-admin', 'A'), 'read', { kind: 'user', userId: 'x' }, false],
  ['a user revokes their own token', who('auditor'), 'delete', { kind: 'token', userId: 'u-auditor' }, true],
  [
    'a user cannot revoke a foreign token',
    who('tenant-admin', 'A'),
    'delete',
    { kind: 'token', userId: 'x' },
    false,
  ],
  [
    'a tenant admin invites a sender admin for their sender',
    who('tenant-admin', 'A'),
    'create',
    { kind: 'invitation', role: 'sender-admin', tenantId: 'A', senderId: 'A1' },
    true,
  ],
  [
    'a tenant admin cannot invite another tenant admin',
    who('tenant-admin', 'A'),
    'create',
    { kind: 'invitation', role: 'tenant-admin', tenantId: 'A' },
    false,
  ],
  [
    'a tenant admin cannot invite for a foreign tenant',
    who('tenant-admin', 'A'),
    'create',
    { kind: 'invitation', role: 'sender-admin', tenantId: 'B', senderId: 'B1' },
    false,
  ],
  [
    'nobody without roles reads a tenant',
    { userId: 'x', name: 'x', organisation: 'x', bindings: [] },
    'read',
    tenantA,
    false,
  ],
];

for (const [name, p, action, r, expected] of cases) {
  test(`${name}: ${expected ? 'allowed' : 'refused'}`, () => {
    assert.equal(can(p, action, r), expected);
  });
}

test('a customer-managed tenant gives tenant-admin to the customer and not to the provider', () => {
  const t = { operatingModel: 'customer-managed' as const, customerOrganisation: 'Acme' };
  assert.equal(mayHold(t, 'tenant-admin', 'Acme', 'Provider'), true);
  assert.equal(mayHold(t, 'tenant-admin', 'Provider', 'Provider'), false);
  assert.equal(mayHold(t, 'integration-developer', 'Acme', 'Provider'), true);
});

test('a provider-managed tenant gives tenant-admin and integration-developer to the provider', () => {
  const t = { operatingModel: 'provider-managed' as const, customerOrganisation: 'Acme' };
  assert.equal(mayHold(t, 'tenant-admin', 'Provider', 'Provider'), true);
  assert.equal(mayHold(t, 'tenant-admin', 'Acme', 'Provider'), false);
  assert.equal(mayHold(t, 'integration-developer', 'Acme', 'Provider'), false);
  assert.equal(mayHold(t, 'sender-admin', 'Anyone', 'Provider'), true);
});
