/**
 * Coordinator replicas: three `rollover server` instances on one PostgreSQL schema. The API answers
 * on any of them; exactly one leads the scheduler; when the leader dies shortly before T, another
 * takes over, the node still swaps at T by its own clock, and the new leader verifies the exchange.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { observeLeaf } from '../../src/adapters/observe.js';
import { type ApiClient, makeClient } from '../../src/cli/client.js';
import { resolveConfig } from '../../src/lb/config.js';
import { type LbNode, startLbNode } from '../../src/lb/node.js';
import { systemClock } from '../../src/shared/time.js';
import { formatMasterKey, generateMasterKey } from '../../src/store/seal.js';
import { pgSchemaConfig, TEST_PG_URL } from '../coordinator/stores.js';
import { credentialBody, mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { tempDir } from '../kit/tmp.js';

const bin = join(process.cwd(), 'bin', 'rollover.js');

test('replicas on one PostgreSQL: any answers, the scheduler fails over when its leader is killed before T', async () => {
  const dir = tempDir();
  const env = {
    ...process.env,
    DATABASE_URL: TEST_PG_URL,
    ROLLOVER_DB_SCHEMA: pgSchemaConfig().schema!,
    ROLLOVER_MASTER_KEY: formatMasterKey(generateMasterKey()),
    ROLLOVER_MIN_LEAD: '3s',
    ROLLOVER_GATE_LEAD: '1s',
    ROLLOVER_POSTPONE_CUTOFF: '1s',
    ROLLOVER_SCHEDULER_TICK: '200ms',
    ROLLOVER_RETRY_BASE: '300ms',
    ROLLOVER_RETRY_MAX: '1s',
  };
  // Three `rollover server` processes, started one after the other (the first creates the schema).
  const logs: string[] = ['', '', ''];
  const urls: string[] = [];
  const children: ChildProcess[] = [];
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });
  for (const i of [0, 1, 2]) {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [bin, 'server', '--data-dir', join(dir, `replica-${i}`), '--listen', `127.0.0.1:${port}`],
      { env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr!.on('data', (c) => {
      logs[i] += c;
    });
    children.push(child);
    urls.push(`http://127.0.0.1:${port}`);
    await waitFor(
      async () => (await fetch(`${urls[i]}/healthz`).catch(() => undefined))?.ok,
      `replica ${i} to answer`,
      15_000,
    );
  }
  let node: LbNode | undefined;
  after(async () => node?.stop());
  const token = readFileSync(join(dir, 'replica-0', 'initial-admin.token'), 'utf8').trim();
  const clients: ApiClient[] = await Promise.all(urls.map((u) => makeClient(u, token, 'flags')));

  // The API answers on any replica: what one writes, the others read.
  const lb = await clients[1]!.request<{ id: string }>('POST', '/api/v1/lbs', {
    name: 'edge',
    kind: 'builtin',
    nodes: [{ name: 'n1', address: '127.0.0.1:1' }],
  });
  for (const c of clients)
    assert.equal((await c.request<{ id: string }>('GET', `/api/v1/lbs/${lb.id}`)).id, lb.id);

  const leads = (i: number) => /scheduler .* leads/.test(logs[i]!);
  const leaderIndex = await waitFor(
    async () => {
      const i = [0, 1, 2].find(leads);
      return i === undefined ? undefined : i + 1;
    },
    'a scheduler leader',
    5000,
  ).then((i) => i - 1);
  assert.equal([0, 1, 2].filter(leads).length, 1, 'exactly one leader');

  // One built-in node serving the old credential; the coordinator drives it.
  const oldCred = await mintCredential(await mintRoot('Replica Old Root'), ['lb.test']);
  const newCred = await mintCredential(await mintRoot('Replica New Root'), ['lb.test']);
  await saveCredential(join(dir, 'old'), oldCred);
  const backend = await startBackend();
  const port = await freePort();
  const stateDir = join(dir, 'node');
  node = await startLbNode(
    resolveConfig(
      {
        stateDir,
        control: '127.0.0.1:0',
        workers: 1,
        virtualServers: [
          {
            name: 'shop',
            listen: `127.0.0.1:${port}`,
            hosts: ['lb.test'],
            credential: join(dir, 'old'),
            backends: [backend.url],
          },
        ],
      },
      { workers: 1 },
    ),
    { clock: systemClock, log: pino({ level: 'silent' }) },
  );
  const api = clients[(leaderIndex + 1) % 3]!;
  const vs = await api.request<{ id: string }>('POST', '/api/v1/virtual-servers', {
    name: 'shop',
    lb: lb.id,
    hosts: ['lb.test'],
    listen: `127.0.0.1:${port}`,
    backends: [backend.url],
  });
  const old = await api.request<{ id: string }>(
    'POST',
    '/api/v1/credentials',
    credentialBody(oldCred, 'old'),
  );
  await api.request('POST', `/api/v1/virtual-servers/${vs.id}/credential`, { credentialId: old.id });
  const control = JSON.parse(readFileSync(join(stateDir, 'control.json'), 'utf8'));
  await api.request('POST', `/api/v1/lbs/${lb.id}/nodes/n1/control`, {
    url: control.url,
    token: control.token,
  });
  const fresh = await api.request<{ id: string }>(
    'POST',
    '/api/v1/credentials',
    credentialBody(newCred, 'new'),
  );
  const T = Date.now() + 6000;
  const r = await api.request<{ id: string }>('POST', '/api/v1/renewals', {
    virtualServerIds: [vs.id],
    credentialId: fresh.id,
    exchangeAt: new Date(T).toISOString(),
    rollbackWindow: '1h',
    gate: 'warn',
  });
  await api.request('POST', `/api/v1/renewals/${r.id}/announce`, {});

  // The leader is killed (no goodbye: its connection and advisory lock just vanish) shortly before T.
  await waitFor(async () => Date.now() > T - 2000, 'shortly before T', 8000);
  children[leaderIndex]!.kill('SIGKILL');
  const newLeader = await waitFor(
    async () => {
      const i = [0, 1, 2].find((j) => j !== leaderIndex && leads(j));
      return i === undefined ? undefined : i + 1;
    },
    'another replica to take over the scheduler',
    10_000,
  );
  assert.notEqual(newLeader - 1, leaderIndex);

  // The node swaps at T by itself; the new leader verifies it.
  await waitFor(async () => Date.now() > T + 200, 'T', 8000);
  assert.equal(
    await observeLeaf({ host: '127.0.0.1', port, servername: 'lb.test' }),
    newCred.chain[0]!.sha256,
  );
  const verified = await waitFor(
    async () => {
      const d = await api.request<{ state: string }>('GET', `/api/v1/renewals/${r.id}`);
      return d.state === 'verified' ? d : undefined;
    },
    'the exchange to be verified by the new leader',
    20_000,
  );
  assert.equal(verified.state, 'verified');
});

test('the scheduler lock is per schema: deployments in two schemas of one database each get a leader', async () => {
  const { advisoryLock } = await import('../../src/coordinator/renewal/scheduler.js');
  const pg = (await import('pg')).default;
  const connect = async () => {
    const c = new pg.Client({ connectionString: TEST_PG_URL });
    await c.connect();
    return c as unknown as {
      query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
      end(): Promise<void>;
    };
  };
  const a1 = advisoryLock(connect, 'rollover_lock_test_a');
  const a2 = advisoryLock(connect, 'rollover_lock_test_a');
  const b1 = advisoryLock(connect, 'rollover_lock_test_b');
  try {
    assert.equal(await a1.acquire(), true);
    assert.equal(await a2.acquire(), false, 'a second replica of the same deployment waits');
    assert.equal(await b1.acquire(), true, 'another schema has its own lock');
    await a1.release();
    assert.equal(await a2.acquire(), true, 'and takes over when the first lets go');
  } finally {
    for (const l of [a1, a2, b1]) await l.release();
  }
});
