/**
 * OCSP stapling on the built-in LB against a real responder (`openssl ocsp`): a certificate that
 * names a responder is served with a stapled, checked response that `openssl s_client -status` reads
 * as successful and good; the response is fetched ahead of time, so stopping the responder changes no
 * handshake; a responder that never answers means no staple and handshakes that still succeed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type ConnectionOptions, connect, createSecureContext } from 'node:tls';
import { cli } from '../kit/cli.js';
import { openssl } from '../kit/openssl.js';
import { tempDir } from '../kit/tmp.js';
import { get, oneServerConfig, portOf, sleep, startBackend, startNode } from './kit.js';

const dir = tempDir();

/** A port free right now (the responder must be named in the certificate before it runs). */
async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

/** `openssl s_client -status` output for one handshake (asynchronous: the node runs in this process). */
function sClientStatus(port: number): Promise<string> {
  return new Promise((resolve) => {
    const p = execFile(
      'openssl',
      ['s_client', '-status', '-connect', `127.0.0.1:${port}`, '-servername', 'lb.test'],
      { timeout: 10_000 },
      (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
    );
    p.stdin?.end();
  });
}

/** Whether a Node client asking for a status gets a handshake and which OCSP response (null: none). */
function nodeStatus(port: number): Promise<{ ok: boolean; ocsp: Buffer | null }> {
  return new Promise((resolve) => {
    let ocsp: Buffer | null = null;
    const s = connect({
      host: '127.0.0.1',
      port,
      servername: 'lb.test',
      rejectUnauthorized: false,
      requestOCSP: true,
    } as ConnectionOptions);
    s.on('OCSPResponse', (r: Buffer) => {
      ocsp = r;
    });
    s.once('secureConnect', () => {
      s.end();
      resolve({ ok: true, ocsp });
    });
    s.once('error', () => resolve({ ok: false, ocsp }));
  });
}

async function issue(name: string, root: string, ocspUrl: string): Promise<string> {
  const out = join(dir, name);
  const r = await cli([
    'cert',
    'issue',
    '--ca',
    root,
    '--host',
    'lb.test',
    '--days',
    '30',
    '--out',
    out,
    '--ocsp-url',
    ocspUrl,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

function startResponder(port: number, root: string, index: string): ChildProcess {
  const p = spawn(
    'openssl',
    [
      'ocsp',
      '-index',
      index,
      '-port',
      String(port),
      '-rsigner',
      join(root, 'ca.crt'),
      '-rkey',
      join(root, 'ca.key'),
      '-CA',
      join(root, 'ca.crt'),
      '-nmin',
      '10',
      '-ignore_err',
    ],
    { stdio: 'ignore' },
  );
  after(() => p.kill());
  return p;
}

test('a certificate naming an OCSP responder is served with a stapled good response; a stopped or absent responder fails no handshake', async () => {
  const root = join(dir, 'root');
  const made = await cli([
    'ca',
    'create',
    '--subject',
    'CN=OCSP Root',
    '--days',
    '100',
    '--out',
    root,
    '--no-encrypt',
  ]);
  assert.equal(made.code, 0, made.stderr);
  const port = await freePort();
  const leaf = await issue('leaf', root, `http://127.0.0.1:${port}/`);
  const serial = openssl(['x509', '-in', join(leaf, 'tls.crt'), '-noout', '-serial'])
    .trim()
    .split('=')[1]!;
  const index = join(dir, 'index.txt');
  writeFileSync(index, `V\t361231235959Z\t\t${serial}\tunknown\t/CN=lb.test\n`);
  const responder = startResponder(port, root, index);
  await sleep(300);

  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 'state'), credential: leaf, backends: [backend.url] }),
  );
  const lb = portOf(node);
  // Fetched ahead of time: wait for the first staple (the first handshakes may have none).
  let out = '';
  for (let i = 0; i < 50; i++) {
    out = await sClientStatus(lb);
    if (/OCSP Response Status: successful/.test(out)) break;
    await sleep(200);
  }
  assert.match(out, /OCSP Response Status: successful/, out);
  assert.match(out, /Cert Status: good/, out);
  assert.match(out, new RegExp(`Serial Number: ${serial}`, 'i'));
  const viaNode = await nodeStatus(lb);
  assert.equal(viaNode.ok, true);
  assert.ok(viaNode.ocsp && viaNode.ocsp.length > 0, 'a Node client asking for status gets the staple');
  // The HTTP path works as before.
  const ctx = createSecureContext({ ca: readFileSync(join(root, 'ca.crt')) });
  assert.equal((await get(lb, { ctx, servername: 'lb.test' })).status, 200);

  // The responder stops: handshakes never wait for it; the cached, still valid response is stapled.
  responder.kill();
  await once(responder, 'exit');
  const t0 = Date.now();
  const after1 = await sClientStatus(lb);
  assert.match(after1, /Cert Status: good/);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal((await get(lb, { ctx, servername: 'lb.test' })).status, 200);
});

test('a responder that never answers: no staple, and every handshake succeeds', async () => {
  const root = join(dir, 'root2');
  const made = await cli([
    'ca',
    'create',
    '--subject',
    'CN=OCSP Root 2',
    '--days',
    '100',
    '--out',
    root,
    '--no-encrypt',
  ]);
  assert.equal(made.code, 0, made.stderr);
  const dead = await freePort();
  const leaf = await issue('leaf2', root, `http://127.0.0.1:${dead}/`);
  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 'state2'), credential: leaf, backends: [backend.url] }),
  );
  const lb = portOf(node);
  await sleep(500);
  const out = await sClientStatus(lb);
  assert.match(out, /OCSP response: no response sent/, out);
  assert.match(out, /Verify return code|Server certificate/);
  const viaNode = await nodeStatus(lb);
  assert.equal(viaNode.ok, true);
  assert.equal(viaNode.ocsp, null);
  const ctx = createSecureContext({ ca: readFileSync(join(root, 'ca.crt')) });
  assert.equal((await get(lb, { ctx, servername: 'lb.test' })).status, 200);
});
