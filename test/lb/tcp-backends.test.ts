/**
 * tcp mode around the tunnel: a refused backend is marked down and the next one carries the client;
 * the health check by TCP connect finds a dead backend, the HTTP one (after a PROXY LOCAL header) a
 * failing one; an idle tunnel is cut at the idle timeout; a drain lets an open tunnel finish and
 * refuses new connections.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServer as createTlsServer, type TLSSocket, connect as tlsConnect } from 'node:tls';
import pino from 'pino';
import { resolveConfig } from '../../src/lb/config.js';
import { startLbNode } from '../../src/lb/node.js';
import { parseProxyV2 } from '../../src/lb/proxy-protocol.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { portOf, sleep, startNode, trusting } from './kit.js';
import { startProxyBackend } from './tcp-kit.js';

const dir = tempDir();
const root = await mintRoot('Root');
const cred = await mintCredential(root, ['lb.test']);
const ctx = trusting(cred);
const credential = await saveCredential(join(dir, 'cred'), cred);
const live = await startProxyBackend();

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}

function config(
  name: string,
  backends: Array<string | Record<string, unknown>>,
  extra: Record<string, unknown> = {},
) {
  return resolveConfig(
    {
      stateDir: join(dir, name),
      control: '127.0.0.1:0',
      drainTimeout: '3s',
      virtualServers: [
        {
          name: 'web',
          mode: 'tcp',
          listen: '127.0.0.1:0',
          hosts: ['lb.test'],
          credential,
          backends,
          healthCheck: { interval: '100ms', timeout: '500ms' },
          timeouts: { connect: '1s' },
          ...extra,
        },
      ],
    },
    { workers: 1 },
  );
}

/** One HTTP request through the tunnel; resolves with the answer text. */
function request(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'lb.test',
      secureContext: ctx,
      ALPNProtocols: ['http/1.1'],
    });
    let text = '';
    s.once('secureConnect', () => s.write('GET /x HTTP/1.1\r\nHost: lb.test\r\nConnection: close\r\n\r\n'));
    s.on('data', (c) => {
      text += c;
    });
    s.once('end', () => resolve(text));
    s.once('error', reject);
  });
}

function open(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'lb.test', secureContext: ctx });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

test('a refused backend is marked down at once and every client reaches the live one; the TCP check agrees', async () => {
  const dead = `tcp://127.0.0.1:${await deadPort()}`;
  const node = await startNode(config('a', [dead, `tcp://127.0.0.1:${live.port}`]));
  const port = portOf(node);
  for (let i = 0; i < 6; i++) assert.match(await request(port), /^HTTP\/1\.1 200 /);
  await sleep(300);
  const b = (await node.dataPlane.status()).virtualServers[0]!.backends;
  assert.deepEqual(
    b.map((x) => [x.url, x.up]),
    [
      [dead, false],
      [`tcp://127.0.0.1:${live.port}`, true],
    ],
  );
  const metrics = await node.telemetry.registry.metrics();
  assert.match(metrics, new RegExp(`rollover_lb_backend_up\\{virtual_server="web",backend="${dead}"\\} 0`));
});

test('with a health path the check speaks HTTP after a PROXY LOCAL header: a 500 marks the backend down', async () => {
  let status = 200;
  const seen: string[] = [];
  const server = createServer((s) => {
    s.once('data', (b: Buffer) => {
      const h = parseProxyV2(b);
      seen.push(
        `${h?.command} ${
          b
            .subarray(h?.length ?? 0)
            .toString('latin1')
            .split('\r\n')[0]
        }`,
      );
      s.end(`HTTP/1.1 ${status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const node = await startNode(
    config('b', [`tcp://127.0.0.1:${port}`], {
      healthCheck: { path: '/healthz', interval: '100ms', timeout: '500ms' },
    }),
  );
  await sleep(300);
  assert.equal((await node.dataPlane.status()).virtualServers[0]!.backends[0]!.up, true);
  assert.equal(seen[0], 'LOCAL GET /healthz HTTP/1.1');
  status = 500;
  await sleep(400);
  const b = (await node.dataPlane.status()).virtualServers[0]!.backends[0]!;
  assert.equal(b.up, false);
  assert.match(b.lastError ?? '', /500/);
  server.close();
});

test('an idle tunnel is cut at the idle timeout', async () => {
  const node = await startNode(
    config('c', [`tcp://127.0.0.1:${live.port}`], { timeouts: { idle: '300ms' } }),
  );
  const s = await open(portOf(node));
  const t0 = Date.now();
  s.resume();
  await once(s, 'close');
  const waited = Date.now() - t0;
  assert.ok(waited >= 250 && waited < 3000, `closed after ${waited} ms`);
});

test('a drain lets an open tunnel carry on, refuses new connections, and ends when the tunnel closes', async () => {
  const node = await startLbNode(config('d', [`tcp://127.0.0.1:${live.port}`]), {
    clock: { now: () => Date.now() },
    log: pino({ level: 'silent' }),
  });
  const port = portOf(node);
  const s = await open(port);
  let text = '';
  s.on('data', (c) => {
    text += c;
  });
  // A first request on a keep-alive tunnel, so the tunnel is up before the drain starts (a handshake
  // finishing after the drain began is refused, as in http mode).
  s.write('GET /before HTTP/1.1\r\nHost: lb.test\r\n\r\n');
  while (!text.includes('}')) await sleep(10);
  text = '';
  let stopped = false;
  const stopping = node.stop().then(() => {
    stopped = true;
  });
  await sleep(150);
  await assert.rejects(open(port));
  // The open tunnel still carries a request.
  assert.equal(stopped, false);
  s.write('GET /during-drain HTTP/1.1\r\nHost: lb.test\r\nConnection: close\r\n\r\n');
  await once(s, 'end');
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.match(text, /during-drain/);
  s.destroy();
  await stopping;
  assert.equal(stopped, true);
});

test('a tls:// backend is reached over TLS, verified with its CA and server name, and offered the agreed ALPN', async () => {
  const beRoot = await mintRoot('Backend Root');
  const beCred = await mintCredential(beRoot, ['backend.internal']);
  const caFile = join(dir, 'backend-ca.pem');
  writeFileSync(caFile, encodeCertificatesPem([beRoot.root.der]));
  const seen: Array<{ alpn: string | false | null; servername: string | false | null; client?: string }> = [];
  const server = createTlsServer(
    {
      key: privateKeyToPem(beCred.key.keyObject),
      cert: encodeCertificatesPem(beCred.chain.map((c) => c.der)),
      ALPNProtocols: ['http/1.1'],
    },
    (s: TLSSocket) => {
      s.once('data', (b: Buffer) => {
        const h = parseProxyV2(b);
        seen.push({ alpn: s.alpnProtocol, servername: s.servername, client: h?.source?.address });
        s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
      });
    },
  ).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const node = await startNode(
    config('e', [{ url: `tls://127.0.0.1:${port}`, ca: caFile, servername: 'backend.internal' }]),
  );
  assert.match(await request(portOf(node)), /^HTTP\/1\.1 200 OK[\s\S]*ok$/);
  assert.deepEqual(seen.at(-1), { alpn: 'http/1.1', servername: 'backend.internal', client: '127.0.0.1' });
  // A backend whose certificate the CA did not sign is never sent the client's bytes.
  const wrong = await startNode(
    config('f', [{ url: `tls://127.0.0.1:${port}`, ca: caFile, servername: 'other.internal' }]),
  );
  const before = seen.length;
  assert.equal(await request(portOf(wrong)).catch(() => ''), '');
  assert.equal(seen.length, before);
  server.close();
});
