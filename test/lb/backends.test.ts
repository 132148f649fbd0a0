/**
 * Proxy correctness: a dead backend gives 502 and is marked down by the health check (and traffic
 * goes to the live one); a slow backend gives 504; bodies stream both ways; hop-by-hop headers are
 * stripped; shutdown drains requests in flight.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { startTlsServer } from '../kit/tls-server.js';
import { tempDir } from '../kit/tmp.js';
import { get, oneServerConfig, portOf, sleep, startBackend, startNode, trusting } from './kit.js';

const dir = tempDir();
const root = await mintRoot('Root');
const cred = await mintCredential(root, ['lb.test']);
const credDir = await saveCredential(join(dir, 'cred'), cred);
const ctx = trusting(cred);

/** A port nobody listens on. */
async function deadPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}

test('a dead backend gives 502 and the health check marks it down', async () => {
  const dead = `http://127.0.0.1:${await deadPort()}`;
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 's1'), credential: credDir, backends: [dead] }),
  );
  const a = await get(portOf(node), { ctx, servername: 'lb.test' });
  assert.equal(a.status, 502);
  await sleep(400);
  const s = (await node.dataPlane.status()).virtualServers[0]!;
  assert.equal(s.backends[0]!.up, false);
  assert.match(s.backends[0]!.lastError ?? '', /ECONNREFUSED|connect/i);
  await node.stop();
});

test('with one dead and one live backend every request succeeds on the live one', async () => {
  const live = await startBackend();
  const dead = `http://127.0.0.1:${await deadPort()}`;
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 's2'), credential: credDir, backends: [dead, live.url] }),
  );
  for (let i = 0; i < 6; i++)
    assert.equal((await get(portOf(node), { ctx, servername: 'lb.test' })).status, 200);
  await sleep(400);
  const s = (await node.dataPlane.status()).virtualServers[0]!;
  assert.deepEqual(
    s.backends.map((b) => b.up),
    [false, true],
  );
  await node.stop();
});

test('a backend slower than the response timeout gives 504', async () => {
  const slow = await startBackend();
  slow.server.removeAllListeners('request');
  slow.server.on('request', (req, res) => {
    if (req.headers['user-agent'] === 'rollover-lb-health') return res.end('ok');
    setTimeout(() => res.end('late'), 1500);
  });
  const node = await startNode(
    oneServerConfig({
      stateDir: join(dir, 's3'),
      credential: credDir,
      backends: [slow.url],
      responseTimeout: '300ms',
    }),
  );
  const a = await get(portOf(node), { ctx, servername: 'lb.test' });
  assert.equal(a.status, 504);
  await node.stop();
});

test('request and response bodies stream through and hop-by-hop headers are stripped', async () => {
  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 's4'), credential: credDir, backends: [backend.url] }),
  );
  const body = 'x'.repeat(300_000);
  const a = await get(portOf(node), {
    ctx,
    servername: 'lb.test',
    method: 'POST',
    path: '/upload',
    body,
    headers: {
      'x-forwarded-for': '203.0.113.7',
      'keep-alive': 'timeout=5',
      'x-hop': 'secret',
      connection: 'x-hop',
      te: 'trailers',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
    },
  });
  assert.equal(a.status, 200);
  const seen = JSON.parse(a.body);
  assert.equal(seen.body.length, body.length);
  assert.equal(seen.method, 'POST');
  assert.equal(seen.headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
  for (const h of ['keep-alive', 'x-hop', 'te', 'proxy-authorization'])
    assert.equal(seen.headers[h], undefined, h);
  assert.notEqual(a.headers['keep-alive'], 'timeout=77', 'the backend keep-alive header leaked');
  await node.stop();
});

test('shutdown drains a request in flight and refuses new connections', async () => {
  const slow = await startBackend();
  slow.server.removeAllListeners('request');
  slow.server.on('request', (req, res) => {
    if (req.headers['user-agent'] === 'rollover-lb-health') return res.end('ok');
    setTimeout(() => res.end('finished'), 500);
  });
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 's5'), credential: credDir, backends: [slow.url] }),
  );
  const port = portOf(node);
  const inFlight = get(port, { ctx, servername: 'lb.test' });
  await sleep(150);
  const stopped = node.stop();
  await sleep(50);
  await assert.rejects(get(port, { ctx, servername: 'lb.test' }), /ECONNREFUSED|ECONNRESET|socket hang up/);
  const a = await inFlight;
  assert.equal(a.status, 200);
  assert.equal(a.body, 'finished');
  await stopped;
});

test('a backend reached over TLS is verified with the configured CA', async () => {
  const backendRoot = await mintRoot('Backend Root');
  const backendCred = await mintCredential(backendRoot, ['backend.test']);
  const tlsBackend = await startTlsServer(backendCred);
  const caFile = join(dir, 'backend-ca.pem');
  writeFileSync(caFile, encodeCertificatesPem([backendRoot.root.der]));
  const config = oneServerConfig({
    stateDir: join(dir, 's6'),
    credential: credDir,
    backends: [tlsBackend.url],
  });
  config.virtualServers[0]!.backends = [
    { url: tlsBackend.url, ca: caFile, servername: 'backend.test', insecure: false },
  ];
  const node = await startNode(config);
  const a = await get(portOf(node), { ctx, servername: 'lb.test' });
  assert.equal(a.status, 200, JSON.stringify((await node.dataPlane.status()).virtualServers[0]!.backends));
  assert.equal(a.body, 'ok');
  await node.stop();

  // Without the CA the backend's certificate is refused: 502, never an unverified connection.
  const untrusted = oneServerConfig({
    stateDir: join(dir, 's7'),
    credential: credDir,
    backends: [tlsBackend.url],
  });
  const node2 = await startNode(untrusted);
  assert.equal((await get(portOf(node2), { ctx, servername: 'lb.test' })).status, 502);
  await node2.stop();
});

test('a malformed or ambiguous request is answered 400 by the HTTP parser and never reaches the backend', async () => {
  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 's8'), credential: credDir, backends: [backend.url] }),
  );
  const raw = async (text: string) => {
    const s = tlsConnect({
      port: portOf(node),
      host: '127.0.0.1',
      servername: 'lb.test',
      secureContext: ctx,
    });
    await once(s, 'secureConnect');
    s.end(text);
    const chunks: Buffer[] = [];
    for await (const c of s) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('latin1');
  };
  const before = backend.requests;
  assert.match(await raw('NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400/);
  const smuggle =
    'POST / HTTP/1.1\r\nHost: lb.test\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: lb.test\r\n\r\n';
  assert.match(await raw(smuggle), /^HTTP\/1\.1 400/);
  await sleep(100);
  assert.equal(backend.requests - before, 0);
  await node.stop();
});
