/**
 * OCSP stapling on the built-in LB against a real responder (`openssl ocsp`): a certificate that
 * names a responder is served with a stapled, checked response that `openssl s_client -status` reads
 * as successful and good; the response is fetched ahead of time, so stopping the responder changes no
 * handshake; a responder that never answers means no staple and handshakes that still succeed.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSecureContext } from 'node:tls';
import { cli } from '../kit/cli.js';
import { freePort } from '../kit/net.js';
import {
  caSigner,
  nodeStatus,
  sClientStatus,
  serialOf,
  startResponder,
  waitForStaple,
  writeIndex,
} from '../kit/ocsp.js';
import { tempDir } from '../kit/tmp.js';
import { get, oneServerConfig, portOf, sleep, startBackend, startNode } from './kit.js';

const dir = tempDir();

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
  const serial = serialOf(join(leaf, 'tls.crt'));
  const index = writeIndex(join(dir, 'index.txt'), [serial]);
  const responder = await startResponder(port, root, caSigner(root), index);

  const backend = await startBackend();
  const node = await startNode(
    oneServerConfig({ stateDir: join(dir, 'state'), credential: leaf, backends: [backend.url] }),
  );
  const lb = portOf(node);
  // Fetched ahead of time: wait for the first staple (the first handshakes may have none).
  const out = await waitForStaple(lb);
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
