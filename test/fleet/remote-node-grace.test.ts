/**
 * Per-sender grace on a node that pulls its state: the coordinator's table of source exceptions
 * travels in the desired state, the node applies it with its slot and reports it, and the coordinator
 * counts it as applied. Real TLS clients from their own loopback addresses: the straggler
 * (127.0.0.2, never proven) is served the old certificate after T until the grace deadline, then the
 * new one; the ready sender (127.0.0.3, proven before T) gets the new one from T.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connect } from 'node:tls';
import pino from 'pino';
import { makeClient } from '../../src/cli/client.js';
import { resolveConfig } from '../../src/lb/config.js';
import { type LbNode, startLbNode } from '../../src/lb/node.js';
import { type RemoteSync, startRemoteSync } from '../../src/lb/remote-sync.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { systemClock } from '../../src/shared/time.js';
import { credentialBody, mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { tempDir } from '../kit/tmp.js';

const oldCred = await mintCredential(await mintRoot('Pull Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('Pull New Root'), ['lb.test']);
const OLD = oldCred.chain[0]!.sha256;
const NEW = newCred.chain[0]!.sha256;

/** Which leaf a real TLS handshake from `localAddress` gets: 'old', 'new', or what went wrong. */
function leafFrom(localAddress: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    let leaf = 'closed before the handshake';
    const tcp = netConnect({ host: '127.0.0.1', port, localAddress });
    const timer = setTimeout(() => {
      leaf = 'timed out';
      tcp.destroy();
    }, 5000);
    tcp.once('error', (e) => {
      leaf = `error ${e.message}`;
    });
    tcp.once('close', () => {
      clearTimeout(timer);
      resolve(leaf);
    });
    const s = connect({ socket: tcp, servername: 'lb.test', rejectUnauthorized: false });
    s.once('error', (e) => {
      leaf = `error ${e.message}`;
    });
    s.once('secureConnect', () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256.replace(/:/g, '').toLowerCase();
      leaf = fp === OLD ? 'old' : fp === NEW ? 'new' : `other ${fp}`;
      s.end();
      s.resume();
    });
  });
}

// biome-ignore lint/suspicious/noExplicitAny: API answers
type Any = any;

test('a pulling node applies the grace table with its slot: the straggler old after T until the deadline, the ready sender new', {
  timeout: 90_000,
}, async () => {
  const dir = tempDir();
  const listen = `127.0.0.1:${await freePort()}`;
  const coordinator: RunningServer = await startServer({
    dataDir: join(dir, 'coordinator'),
    listen,
    env: {
      ROLLOVER_MIN_LEAD: '3s',
      ROLLOVER_GATE_LEAD: '5s',
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
  const call = (method: string, path: string, body?: unknown): Promise<Any> =>
    api.request(method as 'GET', path, body);

  await saveCredential(join(dir, 'old'), oldCred);
  const backend = await startBackend();
  const port = await freePort();
  const lb = await call('POST', '/api/v1/lbs', {
    name: 'edge',
    kind: 'builtin',
    nodes: [{ name: 'remote-1', address: `127.0.0.1:${port}` }],
  });
  const vs = await call('POST', '/api/v1/virtual-servers', {
    name: 'shop',
    lb: lb.id,
    hosts: ['lb.test'],
    listen: `127.0.0.1:${port}`,
    backends: [backend.url],
  });
  const old = await call('POST', '/api/v1/credentials', credentialBody(oldCred, 'old'));
  await call('POST', `/api/v1/virtual-servers/${vs.id}/credential`, { credentialId: old.id });
  const { token } = await call('POST', `/api/v1/lbs/${lb.id}/nodes/remote-1/token`, {});
  const tenant = await call('POST', '/api/v1/tenants', {
    name: 'shop-customers',
    virtualServer: vs.id,
    operatingModel: 'customer-managed',
    customerOrganisation: 'Customers',
  });
  const sender = (name: string, address: string) =>
    call('POST', '/api/v1/senders', {
      tenant: tenant.id,
      name,
      contacts: [`ops@${name}.test`],
      truststoreKind: 'pem',
      sourceAddresses: [address],
    });
  const straggler = await sender('straggler', '127.0.0.2');
  const ready = await sender('ready', '127.0.0.3');

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

  const fresh = await call('POST', '/api/v1/credentials', credentialBody(newCred, 'new'));
  const T = Date.now() + 10_000;
  const graceUntil = T + 8000;
  const r = await call('POST', '/api/v1/renewals', {
    virtualServerIds: [vs.id],
    credentialId: fresh.id,
    exchangeAt: new Date(T).toISOString(),
    rollbackWindow: '1h',
    gate: 'warn',
    grace: 'unready',
    graceUntil: new Date(graceUntil).toISOString(),
  });
  const get = (): Promise<Any> => call('GET', `/api/v1/renewals/${r.id}`);
  await call('POST', `/api/v1/renewals/${r.id}/announce`, {});
  await call('POST', `/api/v1/renewals/${r.id}/forward`, { tenantId: tenant.id });
  await call('POST', `/api/v1/renewals/${r.id}/evidence`, {
    kind: 'readiness',
    sender: ready.id,
    url: 'https://127.0.0.1/',
    servername: 'lb.test',
    truststore: { type: 'pem', anchors: [oldCred.root.sha256, newCred.root.sha256] },
    servedSha256: NEW,
    servedChain: [NEW],
    anchorSha256: newCred.root.sha256,
    result: 'trusted',
    checkedAt: new Date().toISOString(),
  });

  // The table reaches the node through its desired state and comes back in its report: applied.
  const applied = await waitFor(
    async () => {
      const d = await get();
      const x = d.nodes[0]?.exceptions;
      return x?.outcome === 'applied' && x.entries === 1 ? d : undefined;
    },
    'the pulling node to apply the table of source exceptions',
    15_000,
  );
  assert.ok(Date.now() < T, 'applied before T');
  assert.equal(applied.nodes[0].exceptions.detail, null);
  const local = (await lbNode.dataPlane.status()).virtualServers[0]!;
  assert.equal(local.staged?.sha256, NEW, 'staged on the node itself');
  assert.deepEqual(
    local.exceptions?.map((e) => [e.cidr, e.serve, e.until]),
    [['127.0.0.2/32', 'old', new Date(graceUntil).toISOString()]],
  );
  assert.equal(local.autoGrace?.until, new Date(graceUntil).toISOString(), 'automatic fallback as sent');
  // The staged record carries the renewal's rollback window and grace policy.
  const state = JSON.parse(readFileSync(join(stateDir, 'lb-state.json'), 'utf8'));
  assert.equal(state.virtualServers.shop.staged.credential.grace, true);
  assert.equal(state.virtualServers.shop.staged.credential.rollbackWindowMs, 3_600_000);
  // The straggler's grace counts the pulling node as applying it (recorded by the job's same run).
  const straggling = await waitFor(
    async () => {
      const s = (await get()).senders.find((x: Any) => x.id === straggler.id).status;
      return s.grace.nodes?.applied === 1 ? s : undefined;
    },
    "the straggler's grace to count the node",
    5000,
  );
  assert.deepEqual(straggling.grace.nodes, { total: 1, applied: 1, notYet: 0 });
  assert.equal(await leafFrom('127.0.0.2', port), 'old');
  assert.equal(await leafFrom('127.0.0.3', port), 'old');

  // After T: the straggler keeps the old certificate (grace), the ready sender gets the new one.
  await waitFor(async () => Date.now() > T + 300, 'T', 15_000);
  assert.equal(await leafFrom('127.0.0.3', port), 'new');
  assert.equal(await leafFrom('127.0.0.2', port), 'old');
  assert.equal(await leafFrom('127.0.0.4', port), 'new', 'an address of nobody gets the new one');
  const inGrace = await waitFor(
    async () => {
      const d = await get();
      const s = d.senders.find((x: Any) => x.id === straggler.id).status;
      return s.state === 'in-grace' ? s : undefined;
    },
    'the straggler to be in grace',
    10_000,
  );
  assert.equal(inGrace.oldCredentialServedUntil, new Date(graceUntil).toISOString());

  // After the grace deadline: the straggler gets the new certificate too.
  await waitFor(async () => Date.now() > graceUntil + 300, 'the grace deadline', 15_000);
  assert.equal(await leafFrom('127.0.0.2', port), 'new');
  assert.equal(await leafFrom('127.0.0.3', port), 'new');
});
