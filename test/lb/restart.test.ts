/**
 * State survives restarts: a node restarted before T keeps the staged credential and still swaps
 * at T; one restarted after T comes up serving the new credential.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { get, oneServerConfig, portOf, sleep, startBackend, startNode, trusting } from './kit.js';

const dir = tempDir();
const oldRoot = await mintRoot('Old Root');
const newRoot = await mintRoot('New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const OLD = oldCred.chain[0]!.sha256;
const NEW = newCred.chain[0]!.sha256;
const both = trusting(oldCred, newCred);
const backend = await startBackend();
const oldDir = await saveCredential(join(dir, 'old'), oldCred);

test('a node restarted before T keeps the staged credential and swaps at T', async () => {
  const config = oneServerConfig({
    stateDir: join(dir, 'before'),
    credential: oldDir,
    backends: [backend.url],
  });
  const first = await startNode(config);
  const T = Date.now() + 1500;
  await first.dataPlane.stage('web', { ...recordFromCredential(newCred), activateAt: new Date(T) });
  await first.stop();

  const second = await startNode(config);
  const s = (await second.dataPlane.status()).virtualServers[0]!;
  assert.equal(s.served.sha256, OLD);
  assert.equal(s.staged?.sha256, NEW);
  assert.equal(s.staged?.activateAt, new Date(T).toISOString());
  assert.equal((await get(portOf(second), { ctx: both, servername: 'lb.test' })).fingerprint, OLD);
  await sleep(T - Date.now() + 10);
  assert.equal((await get(portOf(second), { ctx: both, servername: 'lb.test' })).fingerprint, NEW);
  assert.equal((await get(portOf(second), { ctx: both })).fingerprint, NEW);
  await second.stop();
});

test('a node restarted after T comes up with the new credential and keeps the old one for rollback', async () => {
  const config = oneServerConfig({
    stateDir: join(dir, 'after'),
    credential: oldDir,
    backends: [backend.url],
  });
  const first = await startNode(config);
  const T = Date.now() + 300;
  await first.dataPlane.stage('web', { ...recordFromCredential(newCred), activateAt: new Date(T) });
  await first.stop();
  await sleep(T - Date.now() + 50);

  const second = await startNode(config);
  const s = (await second.dataPlane.status()).virtualServers[0]!;
  assert.equal(s.served.sha256, NEW);
  assert.equal(s.active.sha256, NEW);
  assert.equal(s.staged, null);
  assert.equal(s.previous?.sha256, OLD);
  assert.equal((await get(portOf(second), { ctx: both })).fingerprint, NEW);
  const rolled = await second.dataPlane.rollback('web');
  assert.equal(rolled.served.sha256, OLD);
  await second.stop();
});
