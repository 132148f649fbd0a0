/**
 * Webhooks on sender status changes, on SQLite and PostgreSQL: a tenant with a webhook hears one
 * signed `sender.status` event each time one of its senders' derived status enters a new state (told
 * when forwarded, acknowledged when its admin acknowledges) — never twice for one state, whatever else
 * changes in the renewal — and a tenant without a webhook gets none.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { verifyWebhook } from '../../src/notify/webhook.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);
const SECRET = 'sixteen-chars-secret';

for (const backend of BACKENDS) {
  test(`a tenant's webhook hears each sender status change once (${backend.name})`, {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir('rollover-status-hook-');
    const smtp = new SmtpSink();
    await smtp.start();
    const hits: Array<{ body: string; signature: string }> = [];
    const hook = createServer(async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      hits.push({ body, signature: String(req.headers['x-rollover-signature']) });
      res.writeHead(204).end();
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const w = await buildLandscape(co, dir, oldCred, newCred, 2, 2);
      const [t0, t1] = [w.tenants[0]!, w.tenants[1]!];
      const a = w.senders[0]!;
      await co.call(
        'POST',
        `/api/v1/tenants/${t0.id}/notify`,
        { webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`, webhookSecret: SECRET },
        t0.adminToken,
      );
      const planned = await co.call('POST', '/api/v1/renewals', {
        virtualServerIds: [w.vsId],
        credentialId: w.newCredId,
        exchangeAt: new Date(Date.now() + 3_600_000).toISOString(),
        gate: 'warn',
      });
      const id = planned.id as string;
      const statuses = () =>
        hits
          .map((h) => JSON.parse(h.body))
          .filter((e) => e.type === 'sender.status')
          .map((e) => `${e.sender}:${e.state}`);

      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      await until('not told', async () => statuses().length >= 2);
      await co.call('POST', `/api/v1/renewals/${id}/forward`, { tenantId: t0.id }, t0.adminToken);
      await until('told', async () => statuses().filter((s) => s.endsWith(':told')).length >= 2);
      await co.call('POST', `/api/v1/renewals/${id}/ack`, { senderId: a.id }, a.adminToken);
      await until('acknowledged', async () => statuses().includes('s0-0:acknowledged'));
      // Other changes of the renewal (tenant1 forwarded) move no status of tenant0's senders.
      await co.call('POST', `/api/v1/renewals/${id}/forward`, { tenantId: t1.id }, t1.adminToken);
      await co.call('POST', `/api/v1/renewals/${id}/ack`, { senderId: a.id }, a.adminToken);
      await new Promise((r) => setTimeout(r, 2500));

      assert.deepEqual(statuses().sort(), [
        's0-0:acknowledged',
        's0-0:not-told',
        's0-0:told',
        's0-1:not-told',
        's0-1:told',
      ]);
      const ev = hits.map((h) => JSON.parse(h.body)).find((e) => e.state === 'acknowledged');
      assert.equal(ev.senderId, a.id);
      assert.equal(ev.tenantId, t0.id);
      assert.equal(ev.next.who, 'sender-admin');
      assert.equal(typeof ev.headline, 'string');
      const now = Math.floor(Date.now() / 1000);
      assert.ok(hits.every((h) => verifyWebhook(h.body, h.signature, SECRET, now)));
    } finally {
      await co.stop();
      await smtp.stop();
      hook.close();
    }
  });
}
