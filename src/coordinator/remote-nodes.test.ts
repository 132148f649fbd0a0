/** Nodes that pull their state, against the in-memory ports: reports, the pull:// endpoint, the verbs. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EnvWith } from './env.js';
import { FakeStore } from './ports/fakes.js';
import { FailureLimiter } from './rate-limit.js';
import { desiredState, PULL_SCHEME, pullNodeControl, recordReport } from './remote-nodes.js';

let now = Date.parse('2026-11-27T10:00:00.000Z');
const clock = { now: () => now };

/** One load balancer with a pulling node and a node driven over HTTP; www serves cred_1. */
function world() {
  now = Date.parse('2026-11-27T10:00:00.000Z');
  const store = new FakeStore();
  const inv = store.inventory;
  inv.loadBalancerRows = [{ id: 'lb_1', name: 'edge', kind: 'builtin', createdAt: '' }];
  inv.nodeRows = [
    { id: 'node_p', lbId: 'lb_1', name: 'p', address: '10.0.0.1', controlUrl: null, createdAt: '' },
    {
      id: 'node_h',
      lbId: 'lb_1',
      name: 'h',
      address: '10.0.0.2',
      controlUrl: 'https://10.0.0.2:9443',
      createdAt: '',
    },
  ];
  inv.virtualServerRows = [
    {
      id: 'vs_1',
      lbId: 'lb_1',
      name: 'www',
      hosts: ['www.test'],
      listen: '0.0.0.0:443',
      backends: [],
      previewListen: null,
      activeCredentialId: 'cred_1',
      stagedCredentialId: null,
      activateAt: null,
      createdAt: '',
    },
  ];
  store.credentials.credentialRows = [
    {
      id: 'cred_1',
      name: 'c',
      chainPem: '',
      rootPem: '',
      fingerprint: 'a'.repeat(64),
      notAfter: '',
      createdAt: '',
    },
  ];
  const env: EnvWith<'inventory' | 'credentials' | 'nodeReports' | 'secrets' | 'renewals'> = {
    store,
    clock,
    provider: 'provider',
    signInLimiter: new FailureLimiter(clock),
    trustedProxies: [],
    publicUrl: 'https://rollover.test',
  };
  return { store, env };
}

const status = (served: string, staged: { sha256: string; activateAt: string } | null = null) => ({
  virtualServers: [{ name: 'www', hosts: ['www.test'], served: { sha256: served }, staged }],
});
const node = (id: string) => ({ nodeId: id, lbId: 'lb_1', name: id });

test('a pulling node is told its virtual servers with the credential each serves', async () => {
  const { env } = world();
  const d = await desiredState(env, node('node_p'));
  assert.deepEqual(d.virtualServers, [
    {
      name: 'www',
      hosts: ['www.test'],
      listen: '0.0.0.0:443',
      active: { credentialId: 'cred_1', sha256: 'a'.repeat(64) },
      staged: null,
    },
  ]);
});

test('the first report makes a node reachable as pull://; a node with a control address keeps it', async () => {
  const { store, env } = world();
  await recordReport(env, node('node_p'), { status: status('x') });
  await recordReport(env, node('node_h'), { status: status('x') });
  assert.equal((await store.inventory.node('node_p'))?.controlUrl, `${PULL_SCHEME}node_p`);
  assert.equal(
    store.secrets.unseal('node-control:node_p', store.inventory.nodeControlTokens.node_p!),
    'pull',
  );
  assert.equal((await store.inventory.node('node_h'))?.controlUrl, 'https://10.0.0.2:9443');
  assert.deepEqual(
    (await store.nodeReports.latest('node_p'))?.failures,
    [],
    'no failures reported: none kept',
  );
});

test('the verbs answer from the latest report: none or a stale one is unreachable; done only once the report shows it', async () => {
  const { env, store } = world();
  const control = pullNodeControl(store, clock.now);
  const ep = { url: `${PULL_SCHEME}node_p`, token: 'pull' };
  await assert.rejects(control.status(ep), { code: 'CONNECT_FAILED', message: /has not reported yet/ });
  await recordReport(env, node('node_p'), { status: status('b'.repeat(64)) });
  await assert.rejects(control.activate(ep, 'www'), {
    code: 'CONNECT_FAILED',
    message: /does not show the credential aaaaaaaaaaaa… served yet/,
  });
  await assert.rejects(control.activate(ep, 'api'), { code: 'NOT_FOUND' });
  await recordReport(env, node('node_p'), {
    status: status('a'.repeat(64), { sha256: 'c'.repeat(64), activateAt: '2026-12-01T00:00:00.000Z' }),
    failures: [{ client: '192.0.2.1', virtualServer: 'www', reasons: { 'unknown-ca': 1 }, last: '' }],
  });
  assert.equal((await control.activate(ep, 'www')).served.sha256, 'a'.repeat(64));
  await assert.rejects(control.unstage(ep, 'www'), { message: /the staged credential withdrawn/ });
  assert.equal((await control.failures(ep)).length, 1);
  now += 31_000;
  await assert.rejects(control.status(ep), { code: 'CONNECT_FAILED', message: /has not reported since/ });
});

test('source exceptions: kept as wanted, carried in the desired state, done once the report shows the table and the fallback deadline', async () => {
  const { env, store } = world();
  const control = pullNodeControl(store, clock.now);
  const ep = { url: `${PULL_SCHEME}node_p`, token: 'pull' };
  const until = '2026-11-28T10:00:00.000Z';
  const withTable = (exceptions: unknown[], autoGrace: { until: string } | null) => ({
    virtualServers: [
      {
        name: 'www',
        hosts: ['www.test'],
        served: { sha256: 'a'.repeat(64) },
        staged: null,
        exceptions,
        autoGrace,
      },
    ],
  });
  await recordReport(env, node('node_p'), { status: withTable([], null) });
  // The fallback deadline is kept and answered at once; the table waits for the node's report.
  await control.exceptions(ep, 'www', { op: 'auto', until });
  const entries = [
    { cidr: '192.0.2.7/32', serve: 'old' as const, until },
    { cidr: '192.0.2.9/32', serve: 'old' as const, until, auto: true },
  ];
  await assert.rejects(control.exceptions(ep, 'www', { op: 'replace', entries }), {
    code: 'CONNECT_FAILED',
    message: /does not show the source exceptions sent \(missing on the node: 192\.0\.2\.7\/32 old/,
  });
  const d = await desiredState(env, node('node_p'));
  assert.deepEqual(d.virtualServers[0]?.exceptions, {
    entries,
    autoUntil: until,
    setAt: new Date(now).toISOString(),
  });
  // The table applied, the fallback deadline not yet: still waiting.
  const applied = [{ cidr: '192.0.2.7/32', serve: 'old', until, live: true, auto: false }];
  await recordReport(env, node('node_p'), { status: withTable(applied, null) });
  await assert.rejects(control.exceptions(ep, 'www', { op: 'replace', entries }), {
    message: /does not show automatic fallback until 2026-11-28T10:00:00.000Z/,
  });
  // Both: done (the node's own automatic entry is not part of the comparison).
  await recordReport(env, node('node_p'), {
    status: withTable([...applied, { cidr: '192.0.2.10/32', serve: 'old', until, live: true, auto: true }], {
      until,
    }),
  });
  const s = await control.exceptions(ep, 'www', { op: 'replace', entries });
  assert.equal(s.exceptions?.length, 2);
});
