/**
 * tcp mode: the decrypted stream goes to the backend behind a PROXY v2 header carrying the client's
 * real address and the agreed ALPN; WebSocket and HTTP/2 pass through; a half-close is passed on;
 * the exchange at T under load fails nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect as h2connect } from 'node:http2';
import https from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ConnectionOptions, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { resolveConfig } from '../../src/lb/config.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { proxyV2Header } from '../../src/lb/proxy-protocol.js';
import { nodeConfig } from '../../src/main/lb-node.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { peerSha256, portOf, startNode, trusting } from './kit.js';
import { startProxyBackend, wsAccept } from './tcp-kit.js';

const dir = tempDir();
const oldRoot = await mintRoot('Old Root');
const newRoot = await mintRoot('New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const OLD = oldCred.chain[0]!.sha256;
const NEW = newCred.chain[0]!.sha256;
const both = trusting(oldCred, newCred);
const ca = encodeCertificatesPem([oldRoot.root.der, newRoot.root.der]);
const backend = await startProxyBackend();
const node = await startNode(
  resolveConfig(
    {
      stateDir: join(dir, 'state'),
      control: '127.0.0.1:0',
      drainTimeout: '2s',
      virtualServers: [
        {
          name: 'web',
          mode: 'tcp',
          alpn: ['h2', 'http/1.1', 'x-halfclose'],
          listen: '127.0.0.1:0',
          hosts: ['lb.test'],
          credential: await saveCredential(join(dir, 'old'), oldCred),
          backends: [`tcp://127.0.0.1:${backend.port}`],
          healthCheck: { interval: '200ms', timeout: '500ms' },
          timeouts: { connect: '1s', idle: '5s' },
        },
      ],
    },
    { workers: 1 },
  ),
);
const port = portOf(node);

/** Opens a TLS connection to the LB from a given loopback address with one ALPN offer. */
function open(alpn: string, localAddress = '127.0.0.5'): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({
      host: '127.0.0.1',
      port,
      servername: 'lb.test',
      secureContext: both,
      ALPNProtocols: [alpn],
      localAddress,
      allowHalfOpen: true,
    } as ConnectionOptions);
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

function readUntil(s: TLSSocket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer) => {
      text += c.toString('latin1');
      if (done(text)) {
        s.removeListener('data', onData);
        resolve(text);
      }
    };
    s.on('data', onData);
    s.once('error', reject);
    s.once('end', () => resolve(text));
  });
}

test('a WebSocket upgrade passes through, and the backend reads a PROXY v2 header with the client address and ALPN', async () => {
  const s = await open('http/1.1');
  assert.equal(s.alpnProtocol, 'http/1.1');
  const key = randomBytes(16).toString('base64');
  s.write(
    `GET /chat HTTP/1.1\r\nHost: lb.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const head = await readUntil(s, (t) => t.includes('\r\n\r\n'));
  assert.match(head, /^HTTP\/1\.1 101 /);
  assert.ok(head.includes(`Sec-WebSocket-Accept: ${wsAccept(key)}`), head);
  // One masked text frame each way.
  const payload = Buffer.from('hello');
  const mask = randomBytes(4);
  s.write(
    Buffer.concat([
      Buffer.from([0x81, 0x80 | payload.length]),
      mask,
      payload.map((b, i) => b ^ mask[i % 4]!),
    ]),
  );
  const frame = await readUntil(s, (t) => t.length >= 2 + 'echo:hello'.length);
  assert.equal(frame.slice(2), 'echo:hello');
  s.destroy();
  const seen = backend.headers.at(-1)!;
  assert.equal(seen.header.command, 'PROXY');
  assert.equal(seen.header.source?.address, '127.0.0.5');
  assert.equal(seen.header.destination?.port, port);
  assert.equal(seen.alpn, 'http/1.1');
  assert.equal(backend.refused, 0);
});

test('an HTTP/2 request passes through to a backend speaking h2 (ALPN h2 offered and passed on)', async () => {
  const session = h2connect(`https://lb.test:${port}`, {
    createConnection: () =>
      tlsConnect({
        host: '127.0.0.1',
        port,
        ca,
        servername: 'lb.test',
        ALPNProtocols: ['h2'],
        localAddress: '127.0.0.6',
      } as ConnectionOptions),
  });
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    session.once('error', reject);
    const req = session.request({ ':path': '/h2-path' });
    let body = '';
    let status = 0;
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.setEncoding('utf8');
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => resolve({ status, body }));
    req.on('error', reject);
    req.end();
  });
  session.close();
  assert.equal(answer.status, 200);
  assert.deepEqual(JSON.parse(answer.body), { path: '/h2-path', protocol: 'h2' });
  const seen = backend.headers.find((h) => h.header.source?.address === '127.0.0.6')!;
  assert.equal(seen.alpn, 'h2');
});

test('a client half-close reaches the backend, whose answer after it still reaches the client', async () => {
  const s = await open('x-halfclose');
  const answer = readUntil(s, () => false);
  s.end('twelve bytes');
  assert.equal(await answer, 'got 12 bytes');
});

test('under load across T no request fails in tcp mode and handshakes after T get the new certificate', async () => {
  const T = Date.now() + 800;
  await node.dataPlane.stage('web', { ...recordFromCredential(newCred), activateAt: new Date(T) });
  const failures: string[] = [];
  // `at`: when the connection started; `doneAt`: when its handshake completed. The server chooses at
  // the ClientHello, in between: a handshake started after T got the new certificate, one completed
  // before T the old (one started just before T may get either, on a loaded machine).
  const handshakes: Array<{ at: number; doneAt: number; fp: string }> = [];
  let requests = 0;
  const seen = new WeakSet<object>();
  const until = T + 1200;
  const one = (agent: https.Agent | false) =>
    new Promise<void>((resolve) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          headers: { host: 'lb.test' },
          agent,
          secureContext: both,
          servername: 'lb.test',
        } as https.RequestOptions,
        (res) => {
          res.resume();
          res.on('end', () => {
            requests++;
            if (res.statusCode !== 200) failures.push(`status ${res.statusCode}`);
            resolve();
          });
        },
      );
      req.on('socket', (s) => {
        const at = Date.now();
        if (!seen.has(s)) {
          seen.add(s);
          s.once('secureConnect', () =>
            handshakes.push({ at, doneAt: Date.now(), fp: peerSha256(s as TLSSocket) }),
          );
        }
      });
      req.on('error', (e) => {
        failures.push(e.message);
        resolve();
      });
      req.end();
    });
  const loop = async (keepAlive: boolean) => {
    const agent = keepAlive
      ? new https.Agent({ keepAlive: true, maxSockets: 1, maxCachedSessions: 0 })
      : false;
    while (Date.now() < until) await one(agent);
    if (agent) agent.destroy();
  };
  await Promise.all([loop(true), loop(true), loop(false), loop(false), loop(false), loop(true)]);
  assert.deepEqual(failures, []);
  assert.ok(requests > 200, `only ${requests} requests`);
  const after = handshakes.filter((h) => h.at >= T);
  const before = handshakes.filter((h) => h.doneAt < T);
  assert.ok(after.length > 5 && before.length > 0, 'handshakes on both sides of T');
  assert.deepEqual(
    after.filter((h) => h.fp !== NEW),
    [],
  );
  assert.deepEqual(
    before.filter((h) => h.fp !== OLD),
    [],
  );
  const metrics = await node.telemetry.registry.metrics();
  assert.match(metrics, /rollover_lb_connections_total\{virtual_server="web"\} [1-9]/);
  assert.match(
    metrics,
    /rollover_lb_bytes_total\{virtual_server="web",direction="backend_to_client"\} [1-9]/,
  );
});

test('lb run flags --mode tcp --proxy-protocol --alpn --backend tcp:// make a tcp-mode virtual server', async () => {
  const c = await nodeConfig(
    {
      listen: '127.0.0.1:0',
      host: ['lb.test'],
      credential: 'cred',
      backend: ['tcp://127.0.0.1:9000'],
      stateDir: 'state',
      name: 'web',
      control: '127.0.0.1:0',
      logLevel: 'info',
      mode: 'tcp',
      proxyProtocol: 'v1',
      alpn: ['h2', 'http/1.1'],
    },
    dir,
  );
  const vs = c.virtualServers[0]!;
  assert.equal(vs.mode, 'tcp');
  assert.equal(vs.proxyProtocol, 'v1');
  assert.deepEqual(vs.alpn, ['h2', 'http/1.1']);
  assert.equal(vs.healthCheck.path, undefined);
});

test('a PROXY header sent by a client is only payload: the backend reads the LB header first, with the real address', async () => {
  const before = backend.headers.length;
  const s = await open('http/1.1', '127.0.0.7');
  const forged = proxyV2Header({
    source: { address: '10.9.9.9', port: 1 },
    destination: { address: '10.9.9.10', port: 2 },
  });
  s.write(
    Buffer.concat([forged, Buffer.from('GET / HTTP/1.1\r\nHost: lb.test\r\nConnection: close\r\n\r\n')]),
  );
  const answer = await readUntil(s, () => false);
  // The backend's HTTP parser sees the forged bytes as a malformed request line.
  assert.match(answer, /^HTTP\/1\.1 400 /);
  const seen = backend.headers.slice(before).find((h) => h.header.source?.address === '127.0.0.7');
  assert.ok(seen, 'no header with the real client address');
  assert.ok(!backend.headers.some((h) => h.header.source?.address === '10.9.9.9'));
});
