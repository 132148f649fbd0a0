/** Handing a credential's key to a node, against the in-memory ports. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { credentialForNode } from './credentials.js';
import type { EnvWith } from './env.js';
import { FakeStore } from './ports/fakes.js';
import { FailureLimiter } from './rate-limit.js';

const clock = { now: () => Date.parse('2026-11-27T10:00:00.000Z') };

test('a node gets a credential with its key only when its load balancer serves or stages it, and that is audited', async () => {
  const store = new FakeStore();
  const inv = store.inventory;
  inv.loadBalancerRows = [
    { id: 'lb_1', name: 'edge', kind: 'builtin', createdAt: '' },
    { id: 'lb_2', name: 'other', kind: 'builtin', createdAt: '' },
  ];
  const vs = (id: string, lbId: string, active: string | null, staged: string | null) => ({
    id,
    lbId,
    name: id,
    hosts: [],
    listen: '',
    backends: [],
    previewListen: null,
    activeCredentialId: active,
    stagedCredentialId: staged,
    activateAt: null,
    createdAt: '',
  });
  inv.virtualServerRows = [
    vs('vs_1', 'lb_1', 'cred_old', 'cred_new'),
    vs('vs_2', 'lb_2', 'cred_other', null),
  ];
  const c = store.credentials;
  for (const id of ['cred_old', 'cred_new', 'cred_other']) {
    c.credentialRows.push({
      id,
      name: id,
      chainPem: `CHAIN ${id}`,
      rootPem: 'ROOT',
      fingerprint: id,
      notAfter: '',
      createdAt: '',
    });
    c.keys[id] = `KEY ${id}`;
  }
  const env: EnvWith<'inventory' | 'credentials' | 'audit'> = {
    store,
    clock,
    provider: 'provider',
    signInLimiter: new FailureLimiter(clock),
    trustedProxies: [],
    publicUrl: 'https://rollover.test',
  };
  const node = { nodeId: 'node_a', lbId: 'lb_1', name: 'a' };
  assert.deepEqual(await credentialForNode(env, node, 'cred_new'), {
    id: 'cred_new',
    name: 'cred_new',
    chainPem: 'CHAIN cred_new',
    rootPem: 'ROOT',
    keyPem: 'KEY cred_new',
  });
  assert.equal((await credentialForNode(env, node, 'cred_old')).keyPem, 'KEY cred_old');
  await assert.rejects(credentialForNode(env, node, 'cred_other'), { code: 'NOT_FOUND' }, 'another LB’s');
  await assert.rejects(credentialForNode(env, node, 'cred_nope'), { code: 'NOT_FOUND' });
  assert.deepEqual(
    store.audit.rows.map((e) => [e.actor, e.action, e.targetId]),
    [
      ['node:a', 'credential.fetch', 'cred_new'],
      ['node:a', 'credential.fetch', 'cred_old'],
    ],
    'every fetch is audited, refusals write nothing',
  );
});
