/**
 * A remote built-in node that pulls its desired state serves a renewal's bridges: the desired state
 * carries them with the staged credential, the node stages them (and only that counts as its
 * acknowledgement), serves the old leaf with the reverse bridge until T, the new one with the forward
 * bridge until the bridge deadline, and the plain chain after it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect } from 'node:tls';
import pino from 'pino';
import { makeClient } from '../../src/cli/client.js';
import { resolveConfig } from '../../src/lb/config.js';
import { type LbNode, startLbNode } from '../../src/lb/node.js';
import { type RemoteSync, startRemoteSync } from '../../src/lb/remote-sync.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { crossSignRoot } from '../../src/pki/cross-sign.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { systemClock } from '../../src/shared/time.js';
import { credentialBody, mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { tempDir } from '../kit/tmp.js';

test('a pulling node stages the bridges with the credential and serves them on schedule', async () => {
  const dir = tempDir();
  const coordinator: RunningServer = await startServer({
    dataDir: join(dir, 'coordinator'),
    listen: `127.0.0.1:${await freePort()}`,
    env: {
      ROLLOVER_MIN_LEAD: '3s',
      ROLLOVER_GATE_LEAD: '1s',
      ROLLOVER_POSTPONE_CUTOFF: '1s',
      ROLLOVER_SCHEDULER_TICK: '200ms',
      ROLLOVER_RETRY_BASE: '300ms',
      ROLLOVER_RETRY_MAX: '1s',
    },
    cwd: dir,
    clock: systemClock,
    log: () => {},
  });
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
  const oldRoot = await mintRoot('Remote Bridge Old Root');
  const newRoot = await mintRoot('Remote Bridge New Root');
  const oldCred = await mintCredential(oldRoot, ['lb.test']);
  const newCred = await mintCredential(newRoot, ['lb.test']);
  const pem = (c: { der: Uint8Array }) => encodeCertificatesPem([c.der]);
  const forward = await crossSignRoot({ issuer: oldRoot, subject: newRoot.cert, now: new Date() });
  const reverse = await crossSignRoot({ issuer: newRoot, subject: oldRoot.cert, now: new Date() });
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
  const T = Math.ceil((Date.now() + 8000) / 1000) * 1000;
  const until = T + 4000;
  const r = await api.request<{ id: string }>('POST', '/api/v1/renewals', {
    virtualServerIds: [vs.id],
    credentialId: fresh.id,
    exchangeAt: new Date(T).toISOString(),
    rollbackWindow: '1h',
    gate: 'warn',
    grace: 'off',
    bridge: 'both',
    bridgeUntil: new Date(until).toISOString(),
    bridgeForwardPem: pem(forward),
    bridgeReversePem: pem(reverse),
  });
  await api.request('POST', `/api/v1/renewals/${r.id}/announce`, {});
  await waitFor(
    async () => {
      const d = await api.request<{ nodes: Array<{ stagedAckAt: string | null }> }>(
        'GET',
        `/api/v1/renewals/${r.id}`,
      );
      return d.nodes[0]?.stagedAckAt ? d : undefined;
    },
    'the pulling node to stage the bridges and acknowledge',
    15_000,
  );
  const slot = lbNode.dataPlane.slot('shop');
  assert.equal(slot.active.bridge?.sha256, reverse.sha256);
  assert.equal(slot.staged?.credential.bridge?.sha256, forward.sha256);
  assert.equal(slot.staged?.credential.bridge?.until, until);

  const trusts = (root: 'old' | 'new') =>
    new Promise<boolean>((resolve) => {
      const s = connect({
        host: '127.0.0.1',
        port,
        ca: pem(root === 'old' ? oldRoot.cert : newRoot.cert),
        servername: 'lb.test',
      });
      s.once('secureConnect', () => {
        resolve(true);
        s.end();
      });
      s.once('error', () => resolve(false));
    });
  assert.ok(Date.now() < T);
  assert.deepEqual(
    [await trusts('old'), await trusts('new')],
    [true, true],
    'before T, through the reverse bridge',
  );
  await waitFor(async () => Date.now() > T + 200, 'T', 15_000);
  assert.deepEqual(
    [await trusts('old'), await trusts('new')],
    [true, true],
    'after T, through the forward bridge',
  );
  await waitFor(async () => Date.now() > until + 200, 'the bridge deadline', 15_000);
  assert.deepEqual([await trusts('old'), await trusts('new')], [false, true], 'after the bridge deadline');
});
