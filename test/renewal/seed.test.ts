/**
 * The whole seed (steps 1–6) end to end, on SQLite and on PostgreSQL: a coordinator (killed and
 * started again between steps), a built-in LB node, a tenant back-end, three senders with JKS,
 * PKCS#12 and PEM truststores as real HTTPS clients from 127.0.0.2/.3/.4 (the third never adds the
 * new root), a real SMTP sink that goes down for a while, and a webhook target.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { readControlEndpoint } from '../../src/lb/control-client.js';
import { verifyWebhook } from '../../src/notify/webhook.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { oneServerConfig, startBackend, startNode } from '../lb/kit.js';
import { Coordinator, SmtpSink, startWebhookTarget, until } from './harness.js';

const oldRoot = await mintRoot('Old Root');
const newRoot = await mintRoot('New Root');
const hosts = ['lb.test', '127.0.0.1'];
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const pem = (c: { der: Uint8Array }[]) => encodeCertificatesPem(c.map((x) => x.der));

/** One HTTPS request from `localAddress` trusting `ca`; resolves to the status or the error code. */
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

for (const backend of BACKENDS) {
  test(`the seed runs end to end on ${backend.name}: every step recorded, nothing lost or sent twice across restarts`, {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir('rollover-seed-');
    const config = backend.config();
    const storeConfig =
      config.kind === 'sqlite' ? { kind: 'sqlite' as const, file: join(dir, 'store.db') } : config;
    const smtp = new SmtpSink();
    await smtp.start();
    const hook = await startWebhookTarget();
    const tenantBackend = await startBackend();
    const node = await startNode(
      oneServerConfig({
        stateDir: join(dir, 'lb'),
        credential: await saveCredential(join(dir, 'old'), oldCred),
        backends: [tenantBackend.url],
        hosts,
        preview: true,
      }),
    );
    const rt = node.runtimes.get('web')!;
    const listenPort = rt.listenAddress!.port;
    const previewPort = rt.previewAddress!.port;
    const control = await readControlEndpoint(join(dir, 'lb'));
    const co = new Coordinator(storeConfig, generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      // Inventory: a load balancer with its node, the virtual server, one tenant, three senders.
      const lb = await co.call('POST', '/api/v1/lbs', {
        name: 'edge',
        kind: 'builtin',
        nodes: [{ name: 'n1', address: '127.0.0.1:1' }],
      });
      await co.call('POST', `/api/v1/lbs/${lb.id}/nodes/n1/control`, {
        url: control.url,
        token: control.token,
      });
      const vs = await co.call('POST', '/api/v1/virtual-servers', {
        name: 'web',
        lb: lb.id,
        hosts,
        listen: `127.0.0.1:${listenPort}`,
        backends: [tenantBackend.url.replace('http://', '')],
      });
      const imp = async (name: string, c: typeof oldCred) =>
        co.call('POST', '/api/v1/credentials', {
          name,
          chainPem: pem(c.chain),
          rootPem: pem([c.root]),
          keyPem: (await import('../../src/pki/keys.js')).privateKeyToPem(c.key.keyObject),
        });
      const oldRow = await imp('old', oldCred);
      const newRow = await imp('new', newCred);
      await co.store.update('virtual_servers', vs.id, {
        active_credential_id: oldRow.id,
        preview_listen: `127.0.0.1:${previewPort}`,
      });
      const tenant = await co.call('POST', '/api/v1/tenants', {
        name: 'acme',
        virtualServer: vs.id,
        operatingModel: 'customer-managed',
        customerOrganisation: 'Acme',
      });
      const tara = await co.call('POST', '/api/v1/users', {
        name: 'tara',
        email: 'tara@acme.test',
        organisation: 'Acme',
        roles: [{ role: 'tenant-admin', scope: tenant.id }],
      });
      const taraToken = (
        await co.call('POST', '/api/v1/tokens', { name: 't', user: tara.id, expiresIn: '1d' })
      ).token;
      // biome-ignore lint/suspicious/noExplicitAny: API answers
      const senders: any[] = [];
      for (const [i, kind] of (['jks', 'pkcs12', 'pem'] as const).entries()) {
        senders.push(
          await co.call('POST', '/api/v1/senders', {
            tenant: tenant.id,
            name: `s${i + 1}`,
            contacts: [`ops@s${i + 1}.test`],
            truststoreKind: kind,
            sourceAddresses: [`127.0.0.${i + 2}`],
          }),
        );
      }
      await co.call('POST', `/api/v1/tenants/${tenant.id}/notify`, {
        webhookUrl: hook.url,
        webhookSecret: 'a-webhook-secret-of-16+',
      });

      // Step 1: plan; T a few seconds ahead. A T inside the minimum lead is refused first.
      const early = await co.call(
        'POST',
        '/api/v1/renewals',
        {
          virtualServerIds: [vs.id],
          credentialId: newRow.id,
          exchangeAt: new Date(Date.now() + 1000).toISOString(),
        },
        undefined,
        400,
      );
      assert.equal(early.code, 'BAD_TIME');
      const T = Date.now() + 14_000;
      const planned = await co.call('POST', '/api/v1/renewals', {
        virtualServerIds: [vs.id],
        credentialId: newRow.id,
        exchangeAt: new Date(T).toISOString(),
        rollbackWindow: '4s',
        gate: 'block',
        // The seed's process: one T for everybody, a straggler fails (per-sender grace: grace.test.ts).
        grace: 'off',
      });
      const id = planned.id as string;
      assert.equal(planned.state, 'planned');
      await co.restart();

      // Step 2: announce → staged on the node; the tenant admin's mail carries the root and its fingerprint.
      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      await co.restart();
      await until('staged', async () => (await co.call('GET', `/api/v1/renewals/${id}`)).state === 'staged');
      assert.equal(
        (await node.dataPlane.status()).virtualServers[0]!.staged?.sha256,
        newCred.chain[0]!.sha256,
      );
      const annMail = await until('announcement mail', async () => smtp.to('tara@acme.test')[0]);
      assert.match(annMail.flat, /filename="?new-root\.pem/);
      assert.ok(annMail.flat.includes(newCred.root.sha256));
      const hit = await until('webhook', async () => hook.hits[0]);
      assert.ok(
        verifyWebhook(hit.body, hit.signature, 'a-webhook-secret-of-16+', Math.floor(Date.now() / 1000)),
      );
      assert.equal(JSON.parse(hit.body).newRootSha256, newCred.root.sha256);

      // The signed announcement verifies; a tampered copy does not.
      const jwsUrl = `${co.url}/api/v1/renewals/${id}/announcement.jws`;
      assert.equal((await cli(['notice', 'verify', jwsUrl])).code, 0);
      const jws = await (await fetch(jwsUrl)).text();
      const [h, p, s] = jws.split('.');
      const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
      payload.exchangeAt = new Date(T + 3_600_000).toISOString();
      await fs.writeFile(
        join(dir, 'tampered.jws'),
        `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`,
      );
      const tampered = await cli([
        'notice',
        'verify',
        join(dir, 'tampered.jws'),
        '--key',
        `${co.url}/.well-known/rollover-jwks.json`,
      ]);
      assert.notEqual(tampered.code, 0);

      // Step 3 while the SMTP server is down, with a restart in between: nothing lost.
      await smtp.stop();
      await co.call(
        'POST',
        `/api/v1/renewals/${id}/forward`,
        { tenantId: tenant.id, message: 'Please act before T' },
        taraToken,
      );
      await co.restart();
      await new Promise((r) => setTimeout(r, 500));
      await smtp.start();
      const notices = await until('sender notices', async () =>
        senders.every((x) => smtp.to(x.contacts[0]).length > 0)
          ? senders.map((x) => smtp.to(x.contacts[0])[0]!)
          : undefined,
      );
      const links = notices.map((m) => /rlk_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(m.flat)![0]);
      // The mail sends people to their personal page in the web UI, not to the JSON behind it.
      for (const m of notices) assert.match(m.flat, /\/s\/rlk_[A-Za-z0-9_-]+\./);

      // Step 4: s1 (JKS) and s2 (PKCS#12) from the kit prove readiness against the preview listener; s3 keeps only the old root.
      const stores = [join(dir, 's1.jks'), join(dir, 's2.p12'), join(dir, 's3.pem')];
      await fs.writeFile(
        stores[0]!,
        Buffer.from(
          await (await fetch(`${co.url}/api/v1/links/${links[0]}/kit/truststore.jks`)).arrayBuffer(),
        ),
      );
      await fs.writeFile(
        stores[1]!,
        Buffer.from(
          await (await fetch(`${co.url}/api/v1/links/${links[1]}/kit/truststore.p12`)).arrayBuffer(),
        ),
      );
      await fs.writeFile(stores[2]!, pem([oldCred.root]));
      await co.call('POST', `/api/v1/links/${links[2]}/ack`, undefined, '');
      for (const [i, st] of stores.entries()) {
        const r = await cli([
          'sender',
          'verify',
          '--truststore',
          st,
          ...(i < 2 ? ['--password', 'changeit'] : []),
          '--url',
          `https://127.0.0.1:${previewPort}`,
          '--servername',
          'lb.test',
          '--report',
          `${co.url}/api/v1/renewals/${id}/evidence`,
          '--token',
          links[i]!,
          '--sender',
          senders[i].id,
        ]);
        assert.equal(r.code, i < 2 ? 0 : 1, r.stderr);
      }
      // (Evidence for another sender through a personal link is refused, and changes nothing: that is
      // test/renewal/bad-input.test.ts, "evidence for another sender through a personal link".)
      await co.restart();
      let d = await co.call('GET', `/api/v1/renewals/${id}`);
      // biome-ignore lint/suspicious/noExplicitAny: API answers
      const bySender = (x: any, f: (s: any) => any) =>
        senders.map((s) => f(x.senders.find((y: { id: string }) => y.id === s.id)));
      assert.deepEqual(
        bySender(d, (x) => x.state),
        ['verified', 'verified', 'failing'],
      );

      // Gate: blocked under block (s3 not verified), then an lb-admin override lets it through.
      await until('gate', async () =>
        (await co.call('GET', `/api/v1/renewals/${id}`)).steps.some(
          (x: { kind: string }) => x.kind === 'gate',
        ),
      );
      d = await co.call('GET', `/api/v1/renewals/${id}`);
      assert.equal(d.gate.decision, 'blocked');
      assert.deepEqual(d.gate.notReady, [senders[2].id]);
      await co.call('POST', `/api/v1/renewals/${id}/gate/override`, { reason: 's3 confirmed by phone' });
      await co.restart();

      // Step 5: the exchange at T, verified on the node by a real handshake.
      await until(
        'verified',
        async () => (await co.call('GET', `/api/v1/renewals/${id}`)).state === 'verified',
        30_000,
      ).catch(async (e) => {
        const x = await co.call('GET', `/api/v1/renewals/${id}`);
        const jobs = (await co.store.list('jobs')).map((j) => ({
          kind: j.kind,
          state: j.state,
          run_at: j.run_at,
          attempts: j.attempts,
          last_error: j.last_error,
        }));
        const rn = await co.store.renewalNodes.list(id);
        // What a failure needs to be understood, in the failure itself.
        throw new Error(
          `${e.message}: ${x.state} nodes ${JSON.stringify(x.nodes)} renewal_nodes ${JSON.stringify(rn)} steps ${JSON.stringify(x.steps.map((y: { kind: string; at: string }) => [y.kind, y.at]))} jobs ${JSON.stringify(jobs)}`,
        );
      });
      d = await co.call('GET', `/api/v1/renewals/${id}`);
      assert.equal(d.nodes[0].servedSha256, newCred.chain[0]!.sha256);
      // After T: s1 and s2 get through from their addresses; s3 fails, and only s3 is blamed.
      const both = pem([oldCred.root, newCred.root]);
      assert.equal(await callFrom('127.0.0.2', listenPort, both), '200');
      assert.equal(await callFrom('127.0.0.3', listenPort, both), '200');
      assert.notEqual(await callFrom('127.0.0.4', listenPort, pem([oldCred.root])), '200');
      d = await until('attribution', async () => {
        const x = await co.call('GET', `/api/v1/renewals/${id}`);
        return bySender(x, (y) => y.failuresAfterT)[2] > 0 ? x : undefined;
      });
      assert.deepEqual(
        bySender(d, (y) => y.failuresAfterT > 0),
        [false, false, true],
      );

      // Step 6: an early removal is refused by the truststore CLI; after the window the senders are told.
      const early6 = await cli([
        'truststore',
        'remove',
        stores[0]!,
        '--password',
        'changeit',
        '--fingerprint',
        oldCred.root.sha256,
        '--renewal-status',
        `${co.url}/api/v1/renewals/${id}/status.json`,
      ]);
      assert.notEqual(early6.code, 0);
      assert.match(early6.stderr, /REMOVAL_UNSAFE|still needed/);
      await co.restart();
      await until(
        'retiring',
        async () => (await co.call('GET', `/api/v1/renewals/${id}`)).state === 'retiring',
        20_000,
      );
      // s1 and s2 proved the new root and may remove the old one; s3 never added it and is told it fails.
      await until('safe-removal mails', async () =>
        senders.slice(0, 2).every((x) => smtp.to(x.contacts[0]).some((m) => /may now remove/i.test(m.flat))),
      );
      const s3mail = await until('s3 is told what is true', async () =>
        smtp.to(senders[2].contacts[0]).find((m) => /failing since/i.test(m.flat)),
      );
      assert.doesNotMatch(s3mail.flat, /may now remove/i);
      // s3 still fails: completing needs a confirmation with a reason, which is recorded.
      const open = await co.call('POST', `/api/v1/renewals/${id}/complete`, undefined, undefined, 409);
      assert.equal(open.code, 'OPEN_ITEMS');
      await co.call('POST', `/api/v1/renewals/${id}/complete`, {
        force: true,
        reason: 's3 is handled by phone',
      });

      // Every step in order with actor and time; the audit chain verifies.
      d = await co.call('GET', `/api/v1/renewals/${id}`);
      assert.equal(d.state, 'completed');
      const kinds = d.steps.map((x: { kind: string }) => x.kind);
      for (const [a, b] of [
        ['plan', 'announce'],
        ['announce', 'staged'],
        ['staged', 'forward'],
        ['forward', 'evidence'],
        ['gate', 'gate-override'],
        ['gate-override', 'exchange'],
        ['exchange', 'verify'],
        ['verify', 'retire'],
        ['retire', 'complete'],
      ] as const) {
        assert.ok(
          kinds.indexOf(a) < kinds.indexOf(b) && kinds.indexOf(a) >= 0,
          `${a} before ${b}: ${kinds.join(', ')}`,
        );
      }
      assert.ok(
        d.steps.every((x: { actor: string; at: string }) => x.actor && !Number.isNaN(Date.parse(x.at))),
      );
      assert.equal((await co.call('GET', '/api/v1/audit/verify')).ok, true);
      // Nobody got the same step's message twice.
      const ids = smtp.mails.map((m) => `${m.messageId}|${m.to.join(',')}`);
      assert.equal(new Set(ids).size, ids.length, 'a message was delivered twice');
    } finally {
      await co.stop();
      await smtp.stop();
      hook.close();
    }
  });
}
