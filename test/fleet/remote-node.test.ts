/**
 * A remote built-in node that pulls its desired state with a node token: it stages what the
 * coordinator announces (and that counts as its acknowledgement), keeps serving and still swaps at T
 * while the coordinator is down, and the coordinator, back after T, verifies it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { observeLeaf } from '../../src/adapters/observe.js';
import { makeClient } from '../../src/cli/client.js';
import { resolveConfig } from '../../src/lb/config.js';
import { type LbNode, startLbNode } from '../../src/lb/node.js';
import { type RemoteSync, startRemoteSync } from '../../src/lb/remote-sync.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { systemClock } from '../../src/shared/time.js';
import { credentialBody, mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { tempDir } from '../kit/tmp.js';

test('a pulling node stages, swaps at T without the coordinator, and is verified when the coordinator is back', async () => {
  const dir = tempDir();
  const listen = `127.0.0.1:${await freePort()}`;
  const env = {
    ROLLOVER_MIN_LEAD: '3s',
    ROLLOVER_GATE_LEAD: '1s',
    ROLLOVER_POSTPONE_CUTOFF: '1s',
    ROLLOVER_SCHEDULER_TICK: '200ms',
    ROLLOVER_RETRY_BASE: '300ms',
    ROLLOVER_RETRY_MAX: '1s',
  };
  const start = () =>
    startServer({
      dataDir: join(dir, 'coordinator'),
      listen,
      env,
      cwd: dir,
      clock: systemClock,
      log: () => {},
    });
  let coordinator: RunningServer = await start();
  let node: LbNode | undefined;
  let sync: RemoteSync | undefined;
  after(async () => {
    await sync?.stop();
    await node?.stop();
    await coordinator.close();
  });
  const api = await makeClient(
    coordinator.url,
    readFileSync(join(dir, 'coordinator', 'initial-admin.token'), 'utf8').trim(),
    'flags',
  );

  const oldCred = await mintCredential(await mintRoot('Remote Old Root'), ['lb.test']);
  const newCred = await mintCredential(await mintRoot('Remote New Root'), ['lb.test']);
  await saveCredential(join(dir, 'old'), oldCred);
  const backend = await startBackend();
  const port = await freePort();
  const lb = await api.request<{ id: string }>('POST', '/api/v1/lbs', {
    name: 'edge',
    kind: 'builtin',
    nodes: [{ name: 'remote-1', address: `127.0.0.1:${port}` }],
  });
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
  const { token } = await api.request<{ token: string }>(
    'POST',
    `/api/v1/lbs/${lb.id}/nodes/remote-1/token`,
    {},
  );

  // The node: its control interface stays on its own loopback; the coordinator never calls it.
  node = await startLbNode(
    resolveConfig(
      {
        stateDir: join(dir, 'node'),
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
  const lbNode = node;
  sync = startRemoteSync({
    dataPlane: lbNode.dataPlane,
    coordinator: coordinator.url,
    nodeToken: token,
    clock: systemClock,
    log: pino({ level: 'silent' }),
    intervalMs: 300,
    failures: () => lbNode.telemetry.clientFailures(),
  });

  const fresh = await api.request<{ id: string }>(
    'POST',
    '/api/v1/credentials',
    credentialBody(newCred, 'new'),
  );
  const T = Date.now() + 7000;
  const r = await api.request<{ id: string }>('POST', '/api/v1/renewals', {
    virtualServerIds: [vs.id],
    credentialId: fresh.id,
    exchangeAt: new Date(T).toISOString(),
    rollbackWindow: '1h',
    gate: 'warn',
  });
  await api.request('POST', `/api/v1/renewals/${r.id}/announce`, {});
  const acked = await waitFor(
    async () => {
      const d = await api.request<{ nodes: Array<{ stagedAckAt: string | null }> }>(
        'GET',
        `/api/v1/renewals/${r.id}`,
      );
      return d.nodes[0]?.stagedAckAt ? d : undefined;
    },
    'the pulling node to report, stage and acknowledge',
    10_000,
  );
  assert.ok(acked);
  // The table of source exceptions (empty: no senders) travels in the desired state and is applied.
  const graceShown = await waitFor(
    async () => {
      const d = await api.request<{
        nodes: Array<{ exceptions: { outcome: string; detail: string | null } | null }>;
      }>('GET', `/api/v1/renewals/${r.id}`);
      return d.nodes[0]?.exceptions?.outcome === 'applied' ? d.nodes[0].exceptions : undefined;
    },
    'the pulling node to apply the source exceptions',
    10_000,
  );
  assert.equal(graceShown.detail, null);
  const local = (await lbNode.dataPlane.status()).virtualServers[0]!;
  assert.equal(local.staged?.sha256, newCred.chain[0]!.sha256, 'staged on the node itself');

  // The coordinator goes away before T; the node swaps at T on its own.
  await coordinator.close();
  await waitFor(async () => Date.now() > T + 300, 'T', 10_000);
  assert.equal(
    await observeLeaf({ host: '127.0.0.1', port, servername: 'lb.test' }),
    newCred.chain[0]!.sha256,
  );

  // Back after T: the node reports again, and the coordinator verifies the exchange.
  coordinator = await start();
  const verified = await waitFor(
    async () => {
      const d = await api.request<{ state: string }>('GET', `/api/v1/renewals/${r.id}`);
      return d.state === 'verified' ? d : undefined;
    },
    'the exchange to be verified',
    15_000,
  );
  assert.equal(verified.state, 'verified');
});
