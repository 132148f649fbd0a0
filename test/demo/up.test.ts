/**
 * `rollover up` on an empty data directory: the coordinator, the LB node and the tenant back-end
 * listen; the landscape is in the store (two tenants with different operating models, five senders
 * with the four truststore formats); traffic flows through the LB to the back-end; the next start reuses it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { makeClient } from '../../src/cli/client.js';
import { startUp, type UpOptions } from '../../src/main/up.js';
import { systemClock } from '../../src/shared/time.js';
import { listTruststore } from '../../src/truststore/operations.js';
import { freePort } from '../kit/net.js';
import { tempDir } from '../kit/tmp.js';

const dataDir = join(tempDir(), 'rollover-data');

async function options(): Promise<UpOptions> {
  return {
    dataDir,
    listen: `127.0.0.1:${await freePort()}`,
    lbListen: `127.0.0.1:${await freePort()}`,
    previewListen: `127.0.0.1:${await freePort()}`,
    backendListen: `127.0.0.1:${await freePort()}`,
    env: { ROLLOVER_MIN_LEAD: '2s' },
    cwd: process.cwd(),
    clock: systemClock,
    log: () => {},
  };
}

function get(url: string, ca: string, localAddress: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, localAddress, servername: 'shop.rollover.test' }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('rollover up', () => {
  let first: { lb: string; senders: string[] } | undefined;
  let firstLinks: Record<string, string> = {};

  test('an empty data directory gets the demo landscape and traffic flows through the LB', async () => {
    const up = await startUp(await options());
    try {
      const token = readFileSync(up.landscape.users.find((u) => u.name === 'lb-admin')!.tokenFile, 'utf8');
      const api = await makeClient(up.coordinator.url, token, 'flags');
      const tenants = await api.request<Array<{ name: string; operatingModel: string }>>(
        'GET',
        '/api/v1/tenants',
      );
      assert.deepEqual(
        new Set(tenants.map((t) => t.operatingModel)),
        new Set(['customer-managed', 'provider-managed']),
      );
      const senders = await api.request<Array<{ name: string; truststoreKind: string }>>(
        'GET',
        '/api/v1/senders',
      );
      assert.deepEqual(senders.map((s) => s.truststoreKind).sort(), ['dir', 'jks', 'pem', 'pem', 'pkcs12']);
      for (const s of up.landscape.senders) {
        const list = await listTruststore({
          path: s.truststore,
          type: s.kind as never,
          ...(s.kind === 'pkcs12' || s.kind === 'jks' ? { password: 'changeit' } : {}),
        });
        assert.deepEqual(
          list.entries.map((e) => e.sha256),
          [up.landscape.oldRoot.sha256],
          `${s.name} trusts the old root only`,
        );
      }
      const pem = up.landscape.senders.find((s) => s.kind === 'pem')!;
      const r = await get(
        `https://${up.landscape.virtualServer.listen}/acme/orders`,
        readFileSync(pem.truststore, 'utf8'),
        pem.sourceAddress,
      );
      assert.equal(r.status, 200);
      assert.deepEqual(JSON.parse(r.body), { tenant: 'acme', path: '/acme/orders', from: pem.sourceAddress });
      const acme = up.landscape.users.find((u) => u.name === 'acme-admin')!;
      const asTenant = await makeClient(up.coordinator.url, readFileSync(acme.tokenFile, 'utf8'), 'flags');
      const seen = await asTenant.request<Array<{ name: string }>>('GET', '/api/v1/tenants');
      assert.deepEqual(
        seen.map((t) => t.name),
        ['acme'],
        'the tenant admin sees only its tenant',
      );
      // The printed sign-in link works once, as the user it names, and never again.
      const link = up.signInLinks['acme-admin']!;
      assert.match(link, /#signin=/);
      const secret = link.split('#signin=')[1]!;
      const redeem = () =>
        fetch(`${up.coordinator.url}/api/v1/sessions/link`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: secret }),
        });
      const once = await redeem();
      assert.equal(once.status, 201);
      const session = (await once.json()) as { token: string };
      const me = await (await makeClient(up.coordinator.url, session.token, 'flags')).request<{
        name: string;
      }>('GET', '/api/v1/me');
      assert.equal(me.name, 'acme-admin');
      const twice = await redeem();
      assert.equal(twice.status, 410);
      assert.equal(((await twice.json()) as { code: string }).code, 'SIGN_IN_LINK_INVALID');
      first = { lb: up.landscape.lb.id, senders: up.landscape.senders.map((s) => s.id) };
      firstLinks = up.signInLinks;
    } finally {
      await up.close();
    }
  });

  test('the next start reuses the data directory: same landscape, nothing created twice', async () => {
    const up = await startUp(await options());
    try {
      assert.deepEqual({ lb: up.landscape.lb.id, senders: up.landscape.senders.map((s) => s.id) }, first);
      const token = readFileSync(up.landscape.users[0]!.tokenFile, 'utf8');
      const api = await makeClient(up.coordinator.url, token, 'flags');
      assert.equal((await api.request<unknown[]>('GET', '/api/v1/senders')).length, 5);
      // The links the first start printed (and nobody used) are revoked; the new ones work.
      const redeem = (link: string) =>
        fetch(`${up.coordinator.url}/api/v1/sessions/link`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token: link.split('#signin=')[1] }),
        }).then((r) => r.status);
      const others = Object.keys(firstLinks).filter((u) => u !== 'acme-admin');
      assert.ok(others.length > 0);
      for (const u of others) {
        assert.equal(await redeem(firstLinks[u]!), 410, `${u}'s link from the first start`);
        assert.equal(await redeem(up.signInLinks[u]!), 201, `${u}'s link from this start`);
      }
    } finally {
      await up.close();
    }
  });
});
