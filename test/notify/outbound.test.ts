/**
 * Outbound requests to stored URLs (webhooks), against real local HTTP servers: refused schemes and
 * addresses when stored (URL_REFUSED, nothing stored) and again at delivery; no redirect followed;
 * the answer bounded in size and time. Loopback is allow-listed only where the happy path needs it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import {
  addressRefusal,
  checkOutboundUrl,
  type OutboundPolicy,
  outboundPolicyFromEnv,
  postOutbound,
} from '../../src/notify/outbound.js';
import { postWebhook } from '../../src/notify/webhook.js';
import { isRolloverError } from '../../src/shared/errors.js';
import { rawDb } from '../../src/store/raw.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { Coordinator } from '../renewal/harness.js';

const LOOPBACK: OutboundPolicy = { allowHttp: true, allow: ['127.0.0.0/8'], timeoutMs: 1500 };
const STRICT_HTTP: OutboundPolicy = { allowHttp: true, allow: [], timeoutMs: 1500 };

/** A real HTTP server on loopback counting requests; `answer` decides each response. */
async function target(answer: (res: import('node:http').ServerResponse) => void) {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => answer(res));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits: () => hits };
}

const refused = (e: unknown) => isRolloverError(e, 'URL_REFUSED');

test('a URL with a refused scheme or a special address is refused when checked, naming it', () => {
  for (const url of [
    'http://169.254.169.254/latest/meta-data/',
    'javascript:alert(1)',
    'file:///etc/passwd',
    'ftp://example.com/x',
    'gopher://example.com/',
    'https://127.0.0.1/hook',
    'https://[::1]/hook',
    'https://[::ffff:169.254.169.254]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://10.1.2.3/',
    'https://172.16.0.1/',
    'https://192.168.1.1/',
    'https://100.64.0.1/',
    'https://0.0.0.0/',
    'https://[fe80::1]/',
    'https://[fd00::1]/',
    'https://localhost/',
    'https://LOCALHOST./',
    'https://user:pw@example.com/',
    'not a url',
  ]) {
    assert.throws(
      () => checkOutboundUrl(url, STRICT_HTTP),
      (e) => refused(e) && (e as Error).message.includes(JSON.stringify(url)),
      url,
    );
  }
  assert.throws(() => checkOutboundUrl('http://example.com/', { allowHttp: false, allow: [] }), refused);
  assert.equal(checkOutboundUrl('https://hooks.example.com/x', STRICT_HTTP).host, 'hooks.example.com');
  assert.equal(checkOutboundUrl('http://127.0.0.1:9/x', LOOPBACK).port, '9');
});

test('ROLLOVER_OUTBOUND_ALLOW: IPv4, IPv6 and IPv4-mapped entries in any spelling; a bad entry is BAD_ARGUMENT with the reason', () => {
  const policy = outboundPolicyFromEnv({
    ROLLOVER_OUTBOUND_ALLOW: '::ffff:10.20.0.0/112, FD00:0:0:0::/64, 127.0.0.1',
  });
  assert.equal(addressRefusal('10.20.3.4', policy), undefined);
  assert.equal(addressRefusal('::ffff:10.20.3.4', policy), undefined);
  assert.equal(addressRefusal('fd00::7', policy), undefined);
  assert.equal(addressRefusal('::ffff:127.0.0.1', policy), undefined);
  assert.match(addressRefusal('10.21.0.1', policy)!, /private or reserved/);
  assert.match(addressRefusal('fd00:0:0:1::7', policy)!, /private or reserved/);
  assert.match(addressRefusal('169.254.169.254', policy)!, /link-local/);
  // Each of these was a bare RangeError (INTERNAL) at start, or silently read as something else.
  const bad: Array<[string, RegExp]> = [
    ['10.0.0.0/abc', /"\/abc" is not a prefix length of 0-32 for IPv4/],
    ['10.0.0.0/33', /"\/33" is not a prefix length/],
    ['fd00::/129', /0-128 for IPv6/],
    ['10.0.0.0/8/1', /more than one "\/"/],
    ['fe80::1%eth0', /zone id/],
    ['metadata.internal', /host names are not resolved/],
  ];
  for (const [entry, why] of bad) {
    assert.throws(
      () => outboundPolicyFromEnv({ ROLLOVER_OUTBOUND_ALLOW: `127.0.0.0/8,${entry}` }),
      (e) =>
        isRolloverError(e) &&
        e.code === 'BAD_ARGUMENT' &&
        e.message.includes(`ROLLOVER_OUTBOUND_ALLOW: "${entry}"`) &&
        why.test(e.message),
      entry,
    );
  }
});

test('a webhook URL is checked when stored: refused with URL_REFUSED and nothing stored', async () => {
  const co = new Coordinator({ kind: 'sqlite', file: ':memory:' }, generateMasterKey(), () => 1);
  await co.start();
  try {
    // This operator allows HTTP to loopback only (the harness's policy): metadata, private and
    // other schemes stay refused.
    const t = await co.call('POST', '/api/v1/tenants', {
      name: 'acme',
      operatingModel: 'customer-managed',
      customerOrganisation: 'Acme',
    });
    const secret = 'whsec-0123456789abcdef';
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'https://10.0.0.5/hook',
      'http://[::ffff:169.254.169.254]/',
    ]) {
      const r = await co.call(
        'POST',
        `/api/v1/tenants/${t.id}/notify`,
        { webhookUrl: url, webhookSecret: secret },
        undefined,
        422,
      );
      assert.equal(r.code, 'URL_REFUSED', url);
      assert.match(r.detail, /refused/);
    }
    const rows = await rawDb(co.store).selectFrom('tenant_settings').selectAll().execute();
    assert.deepEqual(rows, [], 'nothing was stored');
    const ok = await co.call('POST', `/api/v1/tenants/${t.id}/notify`, {
      webhookUrl: 'http://127.0.0.1:9/hook',
      webhookSecret: secret,
    });
    assert.equal(ok.webhookUrl, 'http://127.0.0.1:9/hook');
  } finally {
    await co.stop();
  }
});

test('delivery checks again: a stored loopback URL is refused when the operator no longer allows it', async () => {
  const t = await target((res) => res.writeHead(204).end());
  await assert.rejects(
    postWebhook({
      url: t.url,
      secret: 's',
      event: {},
      idempotencyKey: 'k',
      nowSeconds: 1,
      policy: STRICT_HTTP,
    }),
    refused,
  );
  await assert.rejects(
    postWebhook({
      url: t.url,
      secret: 's',
      event: {},
      idempotencyKey: 'k',
      nowSeconds: 1,
      policy: { ...LOOPBACK, allowHttp: false },
    }),
    refused,
  );
  assert.equal(t.hits(), 0, 'no request left the coordinator');
  await postWebhook({
    url: t.url,
    secret: 's',
    event: {},
    idempotencyKey: 'k',
    nowSeconds: 1,
    policy: LOOPBACK,
  });
  assert.equal(t.hits(), 1, 'the allow-listed happy path delivers');
});

test('a host name is resolved once and must resolve to an allowed address', async () => {
  const t = await target((res) => res.writeHead(204).end());
  const byName = t.url.replace('127.0.0.1', 'localhost');
  await assert.rejects(postOutbound(byName, '{}', {}, STRICT_HTTP), refused);
  assert.equal(t.hits(), 0);
  const r = await postOutbound(byName, '{}', {}, { ...LOOPBACK, allow: ['127.0.0.0/8', '::1'] });
  assert.equal(r.status, 204);
  assert.equal(t.hits(), 1);
});

test('a redirect is not followed: the delivery fails and the redirect target gets nothing', async () => {
  const inner = await target((res) => res.writeHead(204).end());
  const outer = await target((res) => res.writeHead(307, { location: inner.url }).end());
  await assert.rejects(
    postWebhook({
      url: outer.url,
      secret: 's',
      event: {},
      idempotencyKey: 'k',
      nowSeconds: 1,
      policy: LOOPBACK,
    }),
    /redirect/,
  );
  assert.equal(outer.hits(), 1);
  assert.equal(inner.hits(), 0, 'the redirect was not followed');
});

test('an answer too large or too late fails the delivery, within the bound', async () => {
  const big = await target((res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(Buffer.alloc(4 * 1024 * 1024, 'x'));
  });
  await assert.rejects(
    postWebhook({
      url: big.url,
      secret: 's',
      event: {},
      idempotencyKey: 'k',
      nowSeconds: 1,
      policy: LOOPBACK,
    }),
    /more than 65536 bytes/,
  );
  const slow = await target(() => {
    // never answers
  });
  const t0 = Date.now();
  await assert.rejects(
    postWebhook({
      url: slow.url,
      secret: 's',
      event: {},
      idempotencyKey: 'k',
      nowSeconds: 1,
      policy: { ...LOOPBACK, timeoutMs: 500 },
    }),
    /did not answer within 500 ms/,
  );
  assert.ok(Date.now() - t0 < 3000, `gave up after ${Date.now() - t0} ms`);
});

test('the coordinator never follows a redirect from a node control interface (it would carry the token)', async () => {
  const { controlClient } = await import('../../src/lb/control-client.js');
  const elsewhere = await target((res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
  );
  const control = await target((res) => res.writeHead(307, { location: elsewhere.url }).end());
  await assert.rejects(
    controlClient({ url: control.url.replace('/hook', ''), token: 'rlc_x' }).status(),
    (e) => isRolloverError(e, 'CONNECT_FAILED') && /redirect/.test((e as Error).message),
  );
  assert.equal(elsewhere.hits(), 0);
});
