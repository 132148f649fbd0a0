/**
 * The built-in LB's HTTP path at its edges, over raw TLS sockets: header lines dribbled in slowly are
 * cut at the header timeout (408), two Host headers are 400 and never reach a backend, an
 * absolute-form target reaches the backend as origin-form with the target's host as Host, and a
 * CONNECT-style or malformed target is 400.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { requestTarget } from '../../src/lb/proxy.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { oneServerConfig, portOf, sleep, startBackend, startNode, trusting } from './kit.js';

const dir = tempDir();
const root = await mintRoot('Edges Root');
const cred = await mintCredential(root, ['lb.test']);
const credDir = await saveCredential(join(dir, 'cred'), cred);
const ctx = trusting(cred);

async function open(port: number): Promise<TLSSocket> {
  const s = tlsConnect({ port, host: '127.0.0.1', servername: 'lb.test', secureContext: ctx });
  await once(s, 'secureConnect');
  return s;
}

/**
 * Sends `text` and reads everything the LB answers until it closes the connection (each request here
 * asks for that, or is refused, which closes it). No half-close: Node ends a connection whose client
 * half-closed before its answer was ready.
 */
async function exchange(port: number, text: string): Promise<string> {
  const s = await open(port);
  s.write(text);
  const timer = setTimeout(() => s.destroy(), 5000);
  timer.unref();
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  clearTimeout(timer);
  return Buffer.concat(chunks).toString('latin1');
}

test('header lines dribbled in one by one are cut at the header timeout with 408, not 60 s later', async () => {
  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({
      stateDir: join(dir, 's1'),
      credential: credDir,
      backends: [backend.url],
      headerTimeout: '1s',
    }),
  );
  const s = await open(portOf(node));
  const t0 = Date.now();
  const chunks: Buffer[] = [];
  s.on('data', (c: Buffer) => chunks.push(c));
  const closed = once(s, 'close');
  s.write('GET / HTTP/1.1\r\nHost: lb.test\r\n');
  // A header line every 200 ms: each keeps the socket busy, none completes the request.
  const drip = setInterval(() => {
    if (!s.destroyed) s.write(`X-Slow-${Date.now() % 1000}: y\r\n`);
  }, 200);
  await Promise.race([closed, sleep(15_000)]);
  clearInterval(drip);
  const elapsed = Date.now() - t0;
  assert.ok(s.destroyed || s.readableEnded, 'the LB closed the connection');
  assert.ok(elapsed < 5000, `closed after ${elapsed} ms (header timeout 1 s)`);
  assert.ok(elapsed >= 900, `not before the header timeout (${elapsed} ms)`);
  assert.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 408/);
  assert.equal(backend.requests, 0);
  await node.stop();
});

test('the default header timeout is 10 s: a dribbling client is gone well before Node’s 60 s', async () => {
  const backend = await startBackend();
  const config = oneServerConfig({ stateDir: join(dir, 's2'), credential: credDir, backends: [backend.url] });
  assert.equal(config.virtualServers[0]!.timeouts.headerMs, 10_000);
});

test('two Host headers are 400 and never reach the backend', async () => {
  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 's3'), credential: credDir, backends: [backend.url] }),
  );
  const port = portOf(node);
  for (const text of [
    'GET / HTTP/1.1\r\nHost: lb.test\r\nHost: evil.test\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: lb.test\r\nhost: lb.test\r\n\r\n',
    'POST / HTTP/1.1\r\nHost: lb.test\r\nHOST: other.test\r\nContent-Length: 5\r\n\r\nhello',
  ]) {
    const answer = await exchange(port, text);
    assert.match(answer, /^HTTP\/1\.1 400/, text);
    assert.match(answer, /more than one Host header/);
  }
  // After a refusal the connection is closed, not reused for what follows.
  const answer = await exchange(
    port,
    'GET / HTTP/1.1\r\nHost: a.test\r\nHost: b.test\r\n\r\nGET /second HTTP/1.1\r\nHost: lb.test\r\n\r\n',
  );
  assert.equal(answer.match(/HTTP\/1\.1 /g)?.length, 1, answer);
  await sleep(100);
  assert.equal(backend.requests, 0);
  await node.stop();
});

test('an absolute-form target reaches the backend as a path, with Host taken from the target', async () => {
  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 's4'), credential: credDir, backends: [backend.url] }),
  );
  const port = portOf(node);
  const cases: Array<[string, string, string]> = [
    // target, expected path at the backend, expected Host at the backend
    ['http://lb.test/a/b?x=1', '/a/b?x=1', 'lb.test'],
    ['https://Other.Test:8443/p', '/p', 'Other.Test:8443'],
    ['http://lb.test?q', '/?q', 'lb.test'],
    ['http://lb.test', '/', 'lb.test'],
  ];
  for (const [target, path, host] of cases) {
    const answer = await exchange(
      port,
      `GET ${target} HTTP/1.1\r\nHost: claimed.test\r\nConnection: close\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 200/, `${target}: ${answer.slice(0, 200)}`);
    // The body is one chunk of JSON (the LB streams it chunked).
    const seen = JSON.parse(answer.slice(answer.indexOf('{'), answer.lastIndexOf('}') + 1));
    assert.equal(seen.url, path, target);
    assert.equal(seen.headers.host, host, target);
    assert.equal(seen.headers['x-forwarded-host'], host, target);
  }
  const before = backend.requests;
  for (const target of ['lb.test:443', 'ftp://lb.test/x', 'http:///nohost', 'http://user@lb.test/']) {
    const answer = await exchange(port, `GET ${target} HTTP/1.1\r\nHost: lb.test\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 400/, target);
  }
  await sleep(100);
  assert.equal(backend.requests, before, 'refused targets never reach the backend');
  await node.stop();
});

test('requestTarget reads origin, asterisk and absolute forms and refuses the rest', () => {
  assert.deepEqual(requestTarget('/x', ['Host', 'a.test']), { path: '/x', host: 'a.test', absolute: false });
  assert.deepEqual(requestTarget('*', ['Host', 'a.test']), { path: '*', host: 'a.test', absolute: false });
  assert.deepEqual(requestTarget('HTTP://[::1]:8080/x#frag', []), {
    path: '/x',
    host: '[::1]:8080',
    absolute: true,
  });
  assert.ok('refuse' in requestTarget('/x', ['Host', 'a', 'hOsT', 'a']));
  assert.ok('refuse' in requestTarget('a.test:443', ['Host', 'a.test']));
  assert.ok('refuse' in requestTarget('http://a b/', []));
});
