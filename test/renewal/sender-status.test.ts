/**
 * What is true for each sender, driven by real handshakes against a built-in LB node, on SQLite and
 * PostgreSQL: a held renewal says held (and offers no postpone after the cut-off); an override after
 * T records the real exchange instant and moves the safe-removal instant; a sender that never added
 * the new root fails from its address and is never told it may remove the old root — before or after
 * completion, nor is a sender never told; completing with open items needs a confirmation and keeps
 * them; a cancel before the exchange unstages the node.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);
const pem = (c: { der: Uint8Array }[]) => encodeCertificatesPem(c.map((x) => x.der));

/** One HTTPS request from `localAddress` trusting `ca`: the status, or the error code. */
function callFrom(localAddress: string, port: number, ca: string): Promise<string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, servername: 'lb.test', path: '/', ca, localAddress, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.statusCode)));
      },
    );
    req.on('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message));
    req.end();
  });
}

// biome-ignore lint/suspicious/noExplicitAny: API answers
type Any = any;

for (const backend of BACKENDS) {
  test(`each sender is told what is true, from held to completed (${backend.name})`, {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir('rollover-truth-');
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      // tenant0: s0-0 (proves), s0-1 (only acknowledges, keeps the old root), s0-2 (silent);
      // tenant1's senders are never told.
      const w = await buildLandscape(co, dir, oldCred, newCred, 2, 3);
      const [ready, stale] = [w.senders[0]!, w.senders[1]!];
      const silent = w.senders[2]!;
      const untold = w.senders[3]!;
      const T = new Date(Date.now() + 7000);
      const planned = await co.call('POST', '/api/v1/renewals', {
        virtualServerIds: [w.vsId],
        credentialId: w.newCredId,
        exchangeAt: T.toISOString(),
        rollbackWindow: '3s',
        gate: 'block',
        // Without grace: a sender that never added the new root fails from T (test/renewal/grace.test.ts has grace).
        grace: 'off',
      });
      const id = planned.id as string;
      const get = (): Promise<Any> => co.call('GET', `/api/v1/renewals/${id}`);
      const sender = (d: Any, sid: string): Any => d.senders.find((s: Any) => s.id === sid).status;
      const verdict = async (sid: string): Promise<Any> =>
        (await co.call('GET', `/api/v1/renewals/${id}/status.json?sender=${sid}`, undefined, '')).sender;

      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      await co.call('POST', `/api/v1/renewals/${id}/forward`, { tenantId: w.tenants[0]!.id });
      await until('staged', async () => (await get()).state === 'staged');
      let d = await get();
      assert.equal(sender(d, ready.id).state, 'told');
      assert.equal(sender(d, untold.id).state, 'not-told');
      assert.equal(sender(d, untold.id).next.who, 'tenant-admin');

      // s0-0 proves the new root with a real handshake against the preview listener; s0-1 acknowledges.
      const ts = join(dir, 'ready.pem');
      await fs.writeFile(ts, pem([oldCred.root, newCred.root]));
      const previewPort = Number(
        (await co.store.get('virtual_servers', w.vsId))!.preview_listen!.split(':').at(-1),
      );
      const proof = await cli([
        'sender',
        'verify',
        '--truststore',
        ts,
        '--url',
        `https://127.0.0.1:${previewPort}`,
        '--servername',
        'lb.test',
        '--report',
        `${co.url}/api/v1/renewals/${id}/evidence`,
        '--token',
        ready.adminToken,
        '--sender',
        ready.id,
      ]);
      assert.equal(proof.code, 0, proof.stderr);
      await co.call('POST', `/api/v1/renewals/${id}/ack`, { senderId: stale.id }, stale.adminToken);
      d = await get();
      assert.equal(sender(d, ready.id).state, 'proven-ready');
      assert.equal(sender(d, ready.id).removal.allowed, false);
      assert.equal(sender(d, stale.id).state, 'acknowledged');
      assert.match(sender(d, stale.id).reason, /not a proof/);
      assert.equal(d.status.steps.find((s: Any) => s.step === 4).text, '1 of 6 senders proven');

      // The gate holds the exchange: held, with who releases it and how; after T still held, no postpone.
      await until('held', async () => (await get()).status.phase === 'held-at-gate');
      await until('T passed', async () => Date.now() > T.getTime() + 300);
      d = await get();
      assert.equal(d.status.phase, 'held-at-gate');
      assert.match(d.status.headline, /^held at the gate since/);
      assert.match(d.status.reason, /T .* has passed/);
      assert.equal(d.status.held.release.who, 'lb-admin');
      assert.equal(d.status.actions.postpone.available, false);
      assert.match(d.status.actions.postpone.reason, /cut-off/);
      assert.equal(d.status.actions.cancel.available, true);
      assert.equal(sender(d, stale.id).next.by, null, 'held past T: act now');
      assert.equal(d.exchangedAt, null);

      // Override after T: the exchange happens now, and the safe-removal instant runs from it.
      await co.call('POST', `/api/v1/renewals/${id}/gate/override`, {
        reason: 'the rest confirmed by phone',
      });
      d = await until('verified', async () => {
        const x = await get();
        return x.state === 'verified' ? x : undefined;
      });
      assert.equal(d.exchangeAt, T.toISOString(), 'T is never rewritten');
      const E = Date.parse(d.exchangedAt);
      assert.ok(E > T.getTime(), `the real exchange instant ${d.exchangedAt} is after T`);
      assert.equal(Date.parse(d.safeRemovalAt), E + 3000);
      assert.equal(sender(d, ready.id).removal.from, d.safeRemovalAt);

      // Real traffic: s0-0 works on the new credential, s0-1 and the untold sender fail (old root only).
      const both = pem([oldCred.root, newCred.root]);
      const oldOnly = pem([oldCred.root]);
      assert.equal(await callFrom('127.0.0.10', w.listenPort, both), '200');
      assert.notEqual(await callFrom('127.0.0.11', w.listenPort, oldOnly), '200');
      assert.notEqual(await callFrom('127.0.1.10', w.listenPort, oldOnly), '200');
      d = await until('attributed', async () => {
        const x = await get();
        return sender(x, stale.id).state === 'failing' && sender(x, ready.id).traffic.lastServed === 'new'
          ? x
          : undefined;
      });
      assert.equal(sender(d, stale.id).tone, 'bad');
      assert.match(sender(d, stale.id).headline, /^failing since /);
      assert.equal(sender(d, stale.id).traffic.failuresAfterExchange >= 1, true);
      assert.equal(sender(d, ready.id).traffic.successesOnNewAfterExchange >= 1, true);
      assert.equal(sender(d, untold.id).state, 'not-told');
      for (const s of [ready, stale, untold]) assert.equal((await verdict(s.id)).removal.allowed, false);
      // A told sender that sends nothing and proved nothing is "no traffic", not "no failures".
      assert.equal(sender(d, silent.id).state, 'no-traffic');
      assert.equal(sender(d, silent.id).tone, 'bad');

      // After the window: only the proven sender may remove the old root.
      d = await until('retiring', async () => {
        const x = await get();
        return x.state === 'retiring' ? x : undefined;
      });
      assert.equal(sender(d, ready.id).state, 'safe-to-remove');
      assert.equal((await verdict(ready.id)).removal.allowed, true);
      assert.equal((await verdict(stale.id)).removal.allowed, false);
      assert.equal((await verdict(untold.id)).removal.allowed, false);
      assert.equal(d.status.actions.complete.needsConfirmation, true);

      // truststore remove checks the sender's verdict: refused for s0-1, allowed for s0-0.
      const staleStore = join(dir, 'stale.pem');
      await fs.writeFile(staleStore, both);
      const statusUrl = `${co.url}/api/v1/renewals/${id}/status.json`;
      const refused = await cli([
        'truststore',
        'remove',
        staleStore,
        '--fingerprint',
        oldCred.root.sha256,
        '--renewal-status',
        statusUrl,
        '--sender',
        stale.id,
      ]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /REMOVAL_UNSAFE/);
      const noSender = await cli([
        'truststore',
        'remove',
        staleStore,
        '--fingerprint',
        oldCred.root.sha256,
        '--renewal-status',
        statusUrl,
      ]);
      assert.notEqual(noSender.code, 0, 'a status naming no sender allows nothing');
      const allowed = await cli([
        'truststore',
        'remove',
        ts,
        '--fingerprint',
        oldCred.root.sha256,
        '--renewal-status',
        statusUrl,
        '--sender',
        ready.id,
        '--dry-run',
      ]);
      assert.equal(allowed.code, 0, allowed.stderr);

      // Completing with open items needs a confirmation with a reason, and keeps what was open.
      const refusedComplete = await co.call(
        'POST',
        `/api/v1/renewals/${id}/complete`,
        undefined,
        undefined,
        409,
      );
      assert.equal(refusedComplete.code, 'OPEN_ITEMS');
      assert.equal((await get()).state, 'retiring', 'a refused completion changes nothing');
      await co.call('POST', `/api/v1/renewals/${id}/complete`, { force: true, reason: 'tenant1 is leaving' });
      d = await get();
      assert.equal(d.state, 'completed');
      assert.equal(d.status.phase, 'completed-with-open-items');
      assert.match(d.status.headline, /^completed with 1 sender failing/);
      assert.equal(d.completion.forced, true);
      assert.equal(d.completion.reason, 'tenant1 is leaving');
      const list: Any[] = await co.call('GET', '/api/v1/renewals');
      assert.match(list.find((r) => r.id === id).headline, /^completed with 1 sender failing/);
      // After completion the sender that never added the root is still failing and still kept.
      assert.equal(sender(d, stale.id).state, 'failing');
      assert.equal((await verdict(stale.id)).removal.allowed, false);
      assert.equal((await verdict(untold.id)).removal.allowed, false);
      const human = await cli(['renewal', 'status', id, '--server', co.url, '--token', co.adminToken]);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /completed with 1 sender failing/);
      assert.match(human.stdout, /s0-1\s+failing/);
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });

  test(`a cancel before the exchange unstages every node and tells the senders (${backend.name})`, {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir('rollover-cancel-');
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const w = await buildLandscape(co, dir, oldCred, newCred, 1, 1);
      const planned = await co.call('POST', '/api/v1/renewals', {
        virtualServerIds: [w.vsId],
        credentialId: w.newCredId,
        exchangeAt: new Date(Date.now() + 60_000).toISOString(),
        gate: 'warn',
      });
      const id = planned.id as string;
      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      await co.call('POST', `/api/v1/renewals/${id}/forward`, { tenantId: w.tenants[0]!.id });
      await until('staged', async () => (await co.call('GET', `/api/v1/renewals/${id}`)).state === 'staged');
      assert.ok(
        (await w.node.dataPlane.status()).virtualServers[0]!.staged,
        'the node holds the staged credential',
      );
      const noReason = await co.call('POST', `/api/v1/renewals/${id}/cancel`, { reason: '' }, undefined, 400);
      assert.ok(noReason);
      const d = await co.call('POST', `/api/v1/renewals/${id}/cancel`, { reason: 'wrong key type' });
      assert.equal(d.state, 'cancelled');
      assert.equal(d.status.phase, 'cancelled');
      assert.equal(d.senders[0].status.state, 'cancelled');
      await until(
        'unstaged',
        async () => (await w.node.dataPlane.status()).virtualServers[0]!.staged === null,
      );
      await until('the sender is told', async () =>
        smtp.to('ops@s0-0.test').some((m) => /cancelled/i.test(m.flat)),
      );
      const again = await co.call('POST', `/api/v1/renewals/${id}/cancel`, { reason: 'again' });
      assert.equal(again.state, 'cancelled', 'repeating changes nothing');
      const kinds = (await co.call('GET', `/api/v1/renewals/${id}`)).steps.map((s: Any) => s.kind);
      assert.equal(kinds.filter((k: string) => k === 'cancel').length, 1);
      assert.ok(kinds.includes('unstaged'));
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
