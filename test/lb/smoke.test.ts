import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { get, oneServerConfig, portOf, startBackend, startNode, trusting } from './kit.js';

test('a request through the data plane reaches the backend with forwarding headers', async () => {
  const dir = tempDir();
  const root = await mintRoot('Old Root');
  const cred = await mintCredential(root, ['lb.test']);
  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({
      stateDir: join(dir, 'state'),
      credential: await saveCredential(join(dir, 'c'), cred),
      backends: [backend.url],
    }),
  );
  const a = await get(portOf(node), { ctx: trusting(cred), servername: 'lb.test', path: '/x?y=1' });
  assert.equal(a.status, 200);
  const seen = JSON.parse(a.body);
  assert.equal(seen.url, '/x?y=1');
  assert.equal(seen.headers['x-forwarded-proto'], 'https');
  assert.equal(seen.headers['x-forwarded-host'], 'lb.test');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(a.fingerprint, cred.chain[0]!.sha256);
});

test('a client that connects and never finishes its handshake is cut at the handshake timeout and counted', async () => {
  const dir = tempDir();
  const root = await mintRoot('Root');
  const cred = await mintCredential(root, ['lb.test']);
  const backend = await startBackend();
  const config = oneServerConfig({
    stateDir: join(dir, 'state'),
    credential: await saveCredential(join(dir, 'c'), cred),
    backends: [backend.url],
  });
  config.virtualServers[0]!.timeouts.handshakeMs = 300;
  const node = await startNode(config);
  const socket = connect(portOf(node), '127.0.0.1');
  await once(socket, 'connect');
  const closed = once(socket, 'close');
  const t0 = Date.now();
  await closed;
  assert.ok(Date.now() - t0 >= 250, 'cut before the timeout');
  const metrics = await node.telemetry.registry.metrics();
  assert.match(
    metrics,
    /rollover_lb_handshake_failures_total\{virtual_server="web",reason="timeout",listener="main"\} 1/,
  );
  await node.stop();
});
