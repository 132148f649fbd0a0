import assert from 'node:assert/strict';
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
