/**
 * The coordinator's own verification handshake after T (the verify job's probe of every node) is not a
 * client: a sender whose claimed addresses include the coordinator's address (here 127.0.0.1, where
 * the probe comes from) is neither failed nor proven by it. Before, the probe closed the connection
 * right after the handshake, the node counted a failed handshake ("closed") from 127.0.0.1, and a
 * sender proven there showed as failing after T. Real node, real TLS, SQLite, grace off (so the probe
 * gets the new certificate).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);
const NEW = newCred.chain[0]!.sha256;

// biome-ignore lint/suspicious/noExplicitAny: API answers
type Any = any;

test('the verify probe from the coordinator neither fails nor proves the sender at its address', {
  timeout: 90_000,
}, async () => {
  const backend = BACKENDS[0]!;
  const dir = tempDir('rollover-probe-');
  const smtp = new SmtpSink();
  await smtp.start();
  const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
  await co.start();
  try {
    const w = await buildLandscape(co, dir, oldCred, newCred, 1, 1);
    const sender = async (name: string, address: string) =>
      (
        await co.call('POST', '/api/v1/senders', {
          tenant: w.tenants[0]!.id,
          name,
          contacts: [`ops@${name}.test`],
          truststoreKind: 'pem',
          sourceAddresses: [address],
        })
      ).id as string;
    // Proven before T, at the coordinator's own address; and one never proven there.
    const colocated = await sender('colocated', '127.0.0.1');
    const bystander = await sender('bystander', '127.0.0.0/30');
    const T = new Date(Date.now() + 7000);
    const planned = await co.call('POST', '/api/v1/renewals', {
      virtualServerIds: [w.vsId],
      credentialId: w.newCredId,
      exchangeAt: T.toISOString(),
      rollbackWindow: '2s',
      gate: 'warn',
      grace: 'off',
    });
    const id = planned.id as string;
    const get = (): Promise<Any> => co.call('GET', `/api/v1/renewals/${id}`);
    const status = (d: Any, sid: string): Any => d.senders.find((s: Any) => s.id === sid);
    await co.call('POST', `/api/v1/renewals/${id}/announce`);
    await co.call('POST', `/api/v1/renewals/${id}/forward`, { tenantId: w.tenants[0]!.id });
    await co.call('POST', `/api/v1/renewals/${id}/evidence`, {
      kind: 'readiness',
      sender: colocated,
      url: 'https://127.0.0.1/',
      servername: 'lb.test',
      truststore: { type: 'pem', anchors: [oldCred.root.sha256, newCred.root.sha256] },
      servedSha256: NEW,
      servedChain: [NEW],
      anchorSha256: newCred.root.sha256,
      result: 'trusted',
      checkedAt: new Date().toISOString(),
    });
    // The verify job probes the node after T; the traffic job reads the node's table a few times after.
    await until('verified', async () => (await get()).nodes[0]?.verifiedAt, 30_000);
    await new Promise((r) => setTimeout(r, 3000));
    const d = await get();
    const s = status(d, colocated);
    assert.equal(s.status.proven, true, JSON.stringify(s.status));
    assert.equal(s.failuresAfterT ?? 0, 0, 'the probe counted as a failed handshake of the sender');
    assert.notEqual(s.status.state, 'failing');
    assert.equal(s.status.traffic.failuresAfterExchange, 0);
    // Nor does the probe prove a sender that never proved (its range holds the coordinator's address).
    const b = status(d, bystander);
    assert.equal(b.status.proven, false, JSON.stringify(b.status));
    assert.equal(b.status.traffic.successesOnNewAfterExchange, 0);
    // The node saw the probe as one completed handshake on the new certificate (graceful close), and
    // the coordinator kept where it came from.
    const rows = w.node.telemetry.clientFailures().filter((c) => c.client.endsWith('127.0.0.1'));
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.reasons, {}, 'the probe counted as a failed handshake');
    assert.equal(rows[0]!.ok?.[NEW], 1);
    const probes = await co.store.renewalNodes.list(id);
    assert.deepEqual(probes[0]!.probes, { '127.0.0.1': 1 });
  } finally {
    await co.stop();
    await smtp.stop();
  }
});
