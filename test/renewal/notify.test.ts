/**
 * Notifications around a renewal, on SQLite and PostgreSQL: live events, reminders to senders not
 * ready with escalation to the tenant and lb admins, the warn gate's escalation, the in-app inbox,
 * a webhook retried while its target is down (same idempotency key, valid signature), and the
 * expiry watch in the API and as Prometheus metrics.
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

for (const backend of BACKENDS) {
  test(`reminders escalate, the warn gate escalates, webhooks are retried, events stream, expiry is watched (${backend.name})`, {
    timeout: 60_000,
  }, async () => {
    const dir = tempDir('rollover-notify-');
    const smtp = new SmtpSink();
    await smtp.start();
    // A webhook target that is down (503) for the first two calls of the announcement.
    const hits: Array<{ body: string; signature: string; key: string; status: number }> = [];
    let refused = 0;
    const hook = createServer(async (req, res) => {
      let body = '';
      for await (const c of req) body += c;
      const status = JSON.parse(body).type === 'renewal.announced' && refused++ < 2 ? 503 : 204;
      hits.push({
        body,
        signature: String(req.headers['x-rollover-signature']),
        key: String(req.headers['idempotency-key']),
        status,
      });
      res.writeHead(status).end();
    });
    hook.listen(0, '127.0.0.1');
    await once(hook, 'listening');
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port, {
      minLeadMs: 3000,
      gateLeadMs: 2000,
      postponeCutoffMs: 500,
      reminderOffsetsMs: [3500],
    });
    await co.start();
    const abort = new AbortController();
    try {
      const w = await buildLandscape(co, dir, oldCred, newCred, 1, 2);
      await co.call('POST', '/api/v1/users', {
        name: 'lb2',
        email: 'lb@provider.test',
        organisation: 'Provider',
        roles: [{ role: 'lb-admin' }],
      });
      await co.call(
        'POST',
        `/api/v1/tenants/${w.tenants[0]!.id}/notify`,
        {
          webhookUrl: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`,
          webhookSecret: 'sixteen-chars-secret',
        },
        w.tenants[0]!.adminToken,
      );
      // Live events.
      const events: string[] = [];
      const res = await fetch(`${co.url}/api/v1/events`, {
        headers: { authorization: `Bearer ${co.adminToken}` },
        signal: abort.signal,
      });
      void (async () => {
        try {
          for await (const chunk of res.body!) events.push(Buffer.from(chunk).toString());
        } catch {
          // aborted at the end
        }
      })();
      const T = Date.now() + 5500;
      const id = (
        await co.call('POST', '/api/v1/renewals', {
          virtualServerIds: [w.vsId],
          credentialId: w.newCredId,
          exchangeAt: new Date(T).toISOString(),
          gate: 'warn',
        })
      ).id as string;
      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      await until('an announced event', async () =>
        events.join('').includes(`"id":"${id}","state":"announced"`),
      );
      await co.call(
        'POST',
        `/api/v1/renewals/${id}/forward`,
        { tenantId: w.tenants[0]!.id },
        w.tenants[0]!.adminToken,
      );
      await co.call(
        'POST',
        `/api/v1/renewals/${id}/ack`,
        { senderId: w.senders[0]!.id },
        w.senders[0]!.adminToken,
      );
      // The reminder (T − 3.5 s) reaches both senders (neither is verified) and escalates.
      await until('reminders', async () =>
        w.senders.every((s) =>
          smtp.to(`ops@s0-${w.senders.indexOf(s)}.test`).some((m) => m.flat.includes('[reminder]')),
        ),
      );
      await until('escalation to the tenant admin and the lb admin', async () =>
        ['admin@t0.test', 'lb@provider.test'].every((a) => smtp.to(a).some((m) => /not ready/.test(m.flat))),
      );
      // The warn gate goes on and escalates.
      const d = await until('gate', async () => {
        const x = await co.call('GET', `/api/v1/renewals/${id}`);
        return x.steps.some((s: { kind: string }) => s.kind === 'gate') ? x : undefined;
      });
      assert.equal(d.gate.decision, 'go-with-warning');
      await until('gate escalation', async () =>
        smtp.to('admin@t0.test').some((m) => /gate go-with-warning/.test(m.flat)),
      );
      // The tenant admin's inbox holds the announcement and the escalations.
      const inbox = await co.call('GET', '/api/v1/inbox', undefined, w.tenants[0]!.adminToken);
      assert.ok(inbox.length >= 3, JSON.stringify(inbox));
      assert.ok(inbox.every((n: { renewalId: string }) => n.renewalId === id));
      // The webhook: refused twice, then delivered; one idempotency key; the signature verifies.
      // (Other events are not refused: wait for the announcement's own delivery.)
      await until('webhook delivered', async () =>
        hits.some((h) => h.status === 204 && JSON.parse(h.body).type === 'renewal.announced'),
      );
      const ann = hits.filter((h) => JSON.parse(h.body).type === 'renewal.announced');
      assert.ok(ann.length >= 3);
      assert.equal(new Set(ann.map((h) => h.key)).size, 1);
      assert.ok(
        ann.every((h) =>
          verifyWebhook(h.body, h.signature, 'sixteen-chars-secret', Math.floor(Date.now() / 1000)),
        ),
      );
      // Expiry watch and metrics.
      const expiry = await co.call('GET', '/api/v1/expiry');
      assert.equal(expiry[0].credential.notAfter, oldCred.chain[0]!.notAfter.toISOString());
      assert.ok(Date.parse(expiry[0].latestSafeExchange) < Date.parse(expiry[0].credential.notAfter));
      assert.equal(typeof expiry[0].proposal.due, 'boolean');
      const metrics = await (await fetch(`${co.url}/metrics`)).text();
      assert.match(
        metrics,
        /rollover_certificate_expiration_timestamp_seconds\{virtual_server="web",fingerprint="[0-9a-f]{64}",kind="leaf"\} \d+/,
      );
      // Unauthenticated: counts per virtual server, never a renewal id.
      assert.match(metrics, /rollover_renewal_senders\{virtual_server="web",state="acknowledged"\} 1/);
      assert.ok(!metrics.includes(id), 'no renewal id on /metrics');
    } finally {
      abort.abort();
      hook.close();
      await co.stop();
      await smtp.stop();
    }
  });
}
