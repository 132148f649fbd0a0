/**
 * The renewal page shows grace, in a real browser against a real `rollover server` and a real built-in
 * node: after T a sender that is not proven is listed in grace with the deadline and its address, the
 * countdown line comes from the coordinator's derived status, the node's column says the source
 * exceptions were applied, and the path drawing's LB box says who is still served the old certificate;
 * the sender admin of the sender in grace is told to prove against the preview listener (the virtual
 * server still serves its addresses the old certificate).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Browser } from 'playwright-core';
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
  await startRegisteredNode(co, {
    lbId: world.lbId,
    nodeName: 'edge-1',
    vsName: 'shop-api',
    hosts: ['ledger.shop.test'],
    credential: world.oldCredential,
  });
  browser = await launchBrowser();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('the renewal page lists the senders in grace with their deadline and the countdown', async () => {
  // billing is known by its address and never proves anything: it gets grace.
  await co.api('PATCH', `/senders/${world.senderIds[0]}`, { sourceAddresses: ['127.0.0.31'] });
  const T = new Date(Math.ceil((Date.now() + 9_000) / 1000) * 1000);
  const graceUntil = new Date(T.getTime() + 3_600_000);
  const planned = await co.api('POST', '/renewals', {
    virtualServerIds: [world.vsId],
    credentialId: world.newCredentialId,
    exchangeAt: T.toISOString(),
    gate: 'warn',
    graceUntil: graceUntil.toISOString(),
  });
  const id = planned.id as string;
  await co.api('POST', `/renewals/${id}/announce`);
  await co.api('POST', `/renewals/${id}/forward`, { tenantId: world.tenantId });
  const d = await until('billing in grace after T', async () => {
    const x = await co.api('GET', `/renewals/${id}`);
    const billing = x.senders.find((s: { id: string }) => s.id === world.senderIds[0]);
    return x.exchangedAt && billing?.status?.state === 'in-grace' ? x : undefined;
  });
  assert.match(d.status.grace.text, /1 sender in grace until/);

  const { page } = await newPage(browser);
  page.setDefaultTimeout(45_000);
  await signInAs(page, co.url, world.users.lb, PASSWORD);
  await page.goto(`${co.url}/renewals/${id}`);
  const row = page.locator('[data-grace-sender="billing"]');
  await row.waitFor();
  const text = (await row.innerText()).replace(/\s+/g, ' ');
  assert.match(text, /127\.0\.0\.31\/32/);
  const banner = await page.locator('[data-grace-over="false"]').innerText();
  assert.match(banner, /1 sender in grace until .* left/);
  // The deadline as every other instant on the page: local time with its zone and UTC, not raw ISO.
  assert.match(banner, /until \d{2} \w{3} \d{4}, \d{2}:\d{2}:\d{2} \S+ \(\d{2}:\d{2}:\d{2} UTC\)/);
  assert.doesNotMatch(banner, /\d{4}-\d{2}-\d{2}T/);
  assert.equal(await page.locator('[data-exceptions="applied"]').count(), 1);
  // The path drawing's LB box says the truth after T: the new certificate, the old one to billing in grace.
  const svg = ((await page.locator('.path-svg').textContent()) ?? '').replace(/\s+/g, ' ');
  assert.match(svg, /serves old cert.*serves new cert;.*old to 1 in grace.*until \d{2} \w{3}, \d{2}:\d{2}/);
  assert.match(
    (await page.locator('.path-words').textContent()) ?? '',
    /After T the LB serves the new certificate; the old one to 1 sender in grace until /,
  );
  // After the exchange the facts speak in the past: the gate decided, postponing is over (from the
  // renewal's derived actions, not the clock).
  const facts = ((await page.locator('dl').first().textContent()) ?? '').replace(/\s+/g, ' ');
  assert.match(facts, /Gate decided at/);
  assert.equal(d.gate.decided, true);
  assert.doesNotMatch(facts, /Gate decides at/);
  assert.match(
    (await page.getByTestId('postpone').textContent()) ?? '',
    /the exchange has happened: roll back instead/,
  );
  await screenshot(page, 'grace-renewal-page');
  assert.deepEqual(pageErrors(page), []);
  await page.context().close();

  // billing's sender admin: its addresses still get the old certificate from the virtual server, so
  // the proof runs against the preview listener (as the coordinator's next step says), and no step
  // offers an upload or a confirmation this page does not have.
  const { page: sam } = await newPage(browser);
  sam.setDefaultTimeout(45_000);
  await signInAs(sam, co.url, world.users.sender, PASSWORD);
  await sam.goto(`${co.url}/sender`);
  const card = sam.locator('article[data-sender="billing"][data-status="in-grace"]').first();
  await card.waitFor();
  const todo = (await card.innerText()).replace(/\s+/g, ' ');
  assert.match(todo, /against the preview listener with --report/, 'the next step, from the coordinator');
  assert.match(todo, /Prove it: run on the sender's host \(against the preview listener/);
  assert.doesNotMatch(todo, /against the virtual server itself/);
  assert.match(await card.locator('.command code').innerText(), /--url https:\/\/127\.0\.0\.1:9443 /);
  assert.doesNotMatch(todo, /Or upload the proof:/, 'nothing to upload with on this page');
  assert.match(todo, /Not yet: keep the old root/);
  await screenshot(sam, 'grace-sender-admin-todo');
  assert.deepEqual(pageErrors(sam), []);
  await sam.context().close();
});
