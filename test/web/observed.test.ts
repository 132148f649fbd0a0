/**
 * What the nodes saw before T, on the renewal page in a real browser against a real `rollover server`
 * and a real built-in node: the plan form lets the gate count observed handshakes; a sender seen handshaking on the preview listener from its address shows
 * evidence "observed"; a client from an address no sender claims is listed as an unknown client that
 * will get the new certificate at T, and the LB admin's "Grace them too" puts it into the grace set;
 * the tenant admin's view of the same renewal lists no unknown clients.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { type ConnectionOptions, connect } from 'node:tls';
import type { Browser, Page } from 'playwright-core';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import {
  type Coordinator,
  ensureWebBuilt,
  launchBrowser,
  newPage,
  pageErrors,
  screenshot,
  signInAs,
  startCoordinator,
} from './browser.js';
import { startRegisteredNode } from './node.js';
import { PASSWORD, type Seeded, seed } from './seed.js';

let co: Coordinator;
let browser: Browser;
let world: Seeded;
let listenPort = 0;
let previewPort = 0;

before(async () => {
  ensureWebBuilt();
  co = await startCoordinator({
    ROLLOVER_MIN_LEAD: '5s',
    ROLLOVER_GATE_LEAD: '2s',
    ROLLOVER_POSTPONE_CUTOFF: '1s',
    ROLLOVER_SCHEDULER_TICK: '250ms',
    ROLLOVER_RETRY_BASE: '250ms',
  });
  world = await seed(co, ['ledger.shop.test']);
  const node = await startRegisteredNode(co, {
    lbId: world.lbId,
    nodeName: 'edge-1',
    vsName: 'shop-api',
    hosts: ['ledger.shop.test'],
    credential: world.oldCredential,
  });
  const rt = node.runtimes.get('shop-api')!;
  listenPort = rt.listenAddress!.port;
  previewPort = rt.previewAddress!.port;
  browser = await launchBrowser();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** One TLS handshake from `from` to `port`, trusting `roots`; resolves with whether it succeeded. */
function handshake(port: number, from: string, roots: Seeded['newRoot'][]): Promise<boolean> {
  return new Promise((resolve) => {
    // localAddress is a net.connect option tls.connect passes on (its type does not list it).
    const s = connect({
      host: '127.0.0.1',
      port,
      localAddress: from,
      servername: 'ledger.shop.test',
      ca: encodeCertificatesPem(roots.map((r) => r.root.der)),
    } as ConnectionOptions);
    s.once('secureConnect', () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** An instant as the datetime-local input of a Europe/Berlin browser takes it. */
function berlinLocal(ms: number): string {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Berlin',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
    .format(new Date(ms))
    .replace(' ', 'T');
}

async function pageAs(user: string, path: string): Promise<Page> {
  const { page } = await newPage(browser);
  await signInAs(page, co.url, user, PASSWORD);
  await page.goto(`${co.url}${path}`);
  return page;
}

test('the renewal page shows an observed sender and unknown clients; the LB admin graces them too', async () => {
  const sender = await co.api('POST', '/senders', {
    name: 'ledger',
    tenant: world.tenantId,
    contacts: ['ledger@acme.test'],
    truststoreKind: 'pem',
    sourceAddresses: ['127.0.0.21'],
  });
  // The LB admin plans through the form and lets the gate count observed handshakes.
  const lb = await pageAs(world.users.lb, '/lb');
  await lb.locator('tr[data-vs="shop-api"]').getByRole('link', { name: 'Renew' }).click();
  await lb.getByRole('heading', { name: 'Start a renewal' }).waitFor();
  await lb.getByLabel(/^Credential/).selectOption(world.newCredentialId);
  await lb.getByLabel(/Exchange time T/).fill(berlinLocal(Math.ceil((Date.now() + 120_000) / 1000) * 1000));
  await lb.getByLabel('Readiness gate').selectOption('warn');
  await lb.getByLabel(/Also count an observed handshake/).check();
  await lb.getByRole('button', { name: 'Plan the renewal' }).click();
  await lb.waitForURL(/\/renewals\/[^/]+$/);
  const id = decodeURIComponent(lb.url().split('/').pop()!);
  assert.equal((await co.api('GET', `/renewals/${id}`)).acceptObserved, true);
  await co.api('POST', `/renewals/${id}/announce`);
  await co.api('POST', `/renewals/${id}/forward`, { tenantId: world.tenantId });
  await until('staged', async () =>
    (await co.api('GET', `/renewals/${id}`)).state === 'staged' ? true : undefined,
  );
  assert.equal(await handshake(previewPort, '127.0.0.21', [world.newRoot]), true);
  assert.equal(await handshake(listenPort, '127.0.0.99', [world.oldRoot]), true);
  await until('observed and unknown', async () => {
    const d = await co.api('GET', `/renewals/${id}`);
    const s = d.senders.find((x: { id: string }) => x.id === sender.id);
    return s?.status.evidence?.kind === 'observed' && d.unknownClients?.clients.length ? d : undefined;
  });

  await lb.reload();
  const ledger = lb.locator('[data-evidence="observed"]').first();
  await ledger.waitFor();
  assert.match((await ledger.textContent()) ?? '', /^Evidence: observed \(weaker than verified\)$/);
  const section = lb.locator('[data-unknown-clients]');
  await section.waitFor();
  assert.match((await section.textContent()) ?? '', /unknown clients: will get the new certificate at T/);
  const row = section.locator('[data-client="127.0.0.99"]');
  assert.match((await row.textContent()) ?? '', /will get the new certificate at T/);
  await screenshot(lb, 'observed-unknown-clients');
  lb.once('dialog', (d) => void d.accept());
  await section.getByRole('button', { name: 'Grace them too' }).click();
  await section.locator('[data-client="127.0.0.99"][data-graced="true"]').waitFor();
  assert.match(
    (await section.locator('[data-client="127.0.0.99"]').textContent()) ?? '',
    /graced by alice .* keeps the old certificate after T/,
  );
  assert.match(
    (await section.textContent()) ?? '',
    /Grace them too is not possible: no unknown client is left/,
  );
  assert.deepEqual((await co.api('GET', `/renewals/${id}`)).unknownClients.clients[0].gracedBy, 'alice');
  await screenshot(lb, 'observed-unknown-clients-graced');

  const tenant = await pageAs(world.users.tenant, `/renewals/${id}`);
  await tenant.locator('[data-evidence="observed"]').first().waitFor();
  assert.equal(await tenant.locator('[data-unknown-clients]').count(), 0, 'no addresses of unknown clients');
  for (const p of [lb, tenant]) assert.deepEqual(pageErrors(p), []);
  await co.api('POST', `/renewals/${id}/cancel`, { reason: 'observed test done' });
  for (const p of [lb, tenant]) await p.context().close();
});
