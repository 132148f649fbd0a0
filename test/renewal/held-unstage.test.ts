/**
 * A gate that holds the exchange while a node's control interface does not answer: the node still
 * holds the staged credential (and would switch at T by its own clock), so the coordinator says so on
 * the node ("not unstaged yet") and retries the unstage until the node answers — after T the node
 * still serves the old certificate. On SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { readControlEndpoint } from '../../src/lb/control-client.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);

/** The SHA-256 of the leaf the listener serves now. */
function servedLeaf(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, servername: 'lb.test', rejectUnauthorized: false }, () => {
      const der = s.getPeerCertificate().raw;
      s.end();
      resolve(new X509Certificate(der).fingerprint256.replace(/:/g, '').toLowerCase());
    });
    s.on('error', reject);
  });
}

// biome-ignore lint/suspicious/noExplicitAny: API answers
type Any = any;

for (const backend of BACKENDS) {
  test(`a held exchange stays held on a node that did not answer the unstage at first (${backend.name})`, {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir('rollover-held-');
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const w = await buildLandscape(co, dir, oldCred, newCred, 1, 1);
      const lbs = await co.call('GET', '/api/v1/lbs');
      const lbId = lbs[0].id as string;
      const T = new Date(Date.now() + 9000);
      const planned = await co.call('POST', '/api/v1/renewals', {
        virtualServerIds: [w.vsId],
        credentialId: w.newCredId,
        exchangeAt: T.toISOString(),
        rollbackWindow: '3s',
        gate: 'block',
      });
      const id = planned.id as string;
      const get = (): Promise<Any> => co.call('GET', `/api/v1/renewals/${id}`);
      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      await until('staged', async () => (await get()).state === 'staged');

      // The node's control interface stops answering before the gate (a dead address is registered).
      const control = await readControlEndpoint(join(dir, 'lb'));
      await co.call('POST', `/api/v1/lbs/${lbId}/nodes/n1/control`, {
        url: 'http://127.0.0.1:1',
        token: control.token,
      });
      const held = await until('held', async () => {
        const d = await get();
        return d.status.phase === 'held-at-gate' && d.nodes[0].lastError ? d : undefined;
      });
      assert.match(held.nodes[0].lastError, /not unstaged yet/);
      assert.ok(held.nodes[0].stagedAckAt, 'the node still holds the staged credential');
      assert.equal(held.nodes[0].staging.state, 'unstaging');

      // It answers again: the retried unstage reaches it before T.
      await co.call('POST', `/api/v1/lbs/${lbId}/nodes/n1/control`, {
        url: control.url,
        token: control.token,
      });
      const unstaged = await until('unstaged', async () => {
        const d = await get();
        return !d.nodes[0].stagedAckAt && !d.nodes[0].lastError ? d : undefined;
      });
      assert.match(unstaged.nodes[0].staging.text, /^unstaged: the exchange is held at the gate/);
      assert.ok(Date.now() < T.getTime(), 'unstaged before T');
      await until('T passed', async () => Date.now() > T.getTime() + 800);
      assert.equal(await servedLeaf(w.listenPort), oldCred.chain[0]!.sha256, 'after T the old leaf');
      assert.equal((await get()).status.phase, 'held-at-gate');
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
