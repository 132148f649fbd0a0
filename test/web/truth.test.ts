/**
 * Every role's page says what is true for its senders at the moments that matter, in a real browser
 * against a real `rollover server` and a real built-in node: a renewal held at the gate says so on
 * the LB admin's, the tenant admin's and the sender admin's page; a sender that never adds the new
 * root is never told it may remove the old root, before or after completion; completing with open
 * items asks first, names them, and records them; a tenant's page counts its own senders in a hold
 * and never shows the provider's completion reason; a cancelled renewal offers no countdown and no
 * instant for removing the old root.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
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

const REMOVE = /You may now remove the old root/;

async function pageAs(user: string, path: string): Promise<Page> {
  const { page } = await newPage(browser);
  page.setDefaultTimeout(45_000);
  await signInAs(page, co.url, user, PASSWORD);
  await page.goto(`${co.url}${path}`);
  return page;
}

test('a renewal held at the gate says held, why and who can release it, on every role page', async () => {
  const planned = await co.api('POST', '/renewals', {
    virtualServerIds: [world.vsId],
    credentialId: world.newCredentialId,
    exchangeAt: new Date(Math.ceil((Date.now() + 8_000) / 1000) * 1000).toISOString(),
    gate: 'block',
  });
  await co.api('POST', `/renewals/${planned.id}/announce`);
  await co.api('POST', `/renewals/${planned.id}/forward`, { tenantId: world.tenantId });
  // Nobody proves anything: at the gate the exchange is held.
  await until('the hold', async () => {
    const d = await co.api('GET', `/renewals/${planned.id}`);
    return d.status?.held ? d : undefined;
  });
  const lb = await pageAs(world.users.lb, `/renewals/${planned.id}`);
  await lb.locator('[data-held="true"]').waitFor();
  assert.match((await lb.locator('[data-held="true"]').textContent()) ?? '', /Held at the gate.*LB admin/s);
  assert.match((await lb.locator('.phase').textContent()) ?? '', /held at gate/);
  // While held no instant counted from T is offered for removing the old root.
  assert.match(await lb.locator('main').innerText(), /Old root may go from\s*not before the exchange/);
  await screenshot(lb, 'truth-held-lb-admin');
  const tenant = await pageAs(world.users.tenant, '/tenant');
  await tenant.locator(`[data-renewal="${planned.id}"] [data-held="true"]`).waitFor();
  await screenshot(tenant, 'truth-held-tenant-admin');
  const sender = await pageAs(world.users.sender, '/sender');
  await sender.locator('.sender-todo .note.held').first().waitFor();
  assert.doesNotMatch((await sender.locator('main').textContent()) ?? '', REMOVE);
  // sam sees billing only: the hold counts sam's senders, not every sender of the renewal.
  assert.match((await sender.locator('main').textContent()) ?? '', /1 of your sender\(s\) not verified/);
  assert.doesNotMatch((await sender.locator('main').textContent()) ?? '', /2 of 2 sender/);
  await screenshot(sender, 'truth-held-sender-admin');
  for (const p of [lb, tenant, sender]) assert.deepEqual(pageErrors(p), []);
  // Cancel it so the next test may plan on the same virtual server.
  await co.api('POST', `/renewals/${planned.id}/cancel`, { reason: 'held test done' });
  // Cancelled: no countdown to a T that will not come, and the old root never goes.
  await lb.reload();
  await lb.locator('.phase[data-phase="cancelled"]').waitFor();
  const facts = await lb.locator('dl.facts').innerText();
  assert.match(facts, /Old root may go from\s*never: the renewal was cancelled; keep the old root/);
  assert.match(facts, /Countdown\s*cancelled: there is no exchange/);
  assert.doesNotMatch(facts, /Postpone possible until|Gate decides at|T in /);
  await screenshot(lb, 'truth-cancelled-lb-admin');
  for (const p of [lb, tenant, sender]) await p.context().close();
});

test('a sender that never adds the new root is never told to remove the old one; completing asks, names the open items and records them', async () => {
  const planned = await co.api('POST', '/renewals', {
    virtualServerIds: [world.vsId],
    credentialId: world.newCredentialId,
    exchangeAt: new Date(Math.ceil((Date.now() + 20_000) / 1000) * 1000).toISOString(),
    rollbackWindow: '2s',
    gate: 'warn',
  });
  const id = planned.id as string;
  await co.api('POST', `/renewals/${id}/announce`);
  await co.api('POST', `/renewals/${id}/forward`, { tenantId: world.tenantId });
  // billing (sam's sender) only acknowledges: that is not a proof, and it never adds the root.
  await co.api('POST', `/renewals/${id}/ack`, { senderId: world.senderIds[0] });
  const sender = await pageAs(world.users.sender, '/sender');
  // The current renewal's card comes first; the cancelled one is folded below.
  await sender.locator('article[data-sender="billing"]').first().waitFor();
  const early = (await sender.locator('article[data-sender="billing"]').first().textContent()) ?? '';
  if (!(await co.api('GET', `/renewals/${id}`)).exchangedAt)
    assert.match(early, /Acknowledged, not proven/, 'an acknowledgement is shown as not a proof');
  assert.doesNotMatch(early, REMOVE);
  await until('retiring', async () => {
    const d = await co.api('GET', `/renewals/${id}`);
    return d.state === 'retiring' ? d : undefined;
  });
  // After the window, on a verified exchange: still not told to remove anything.
  await sender.reload();
  const card = sender.locator('article[data-sender="billing"]').first();
  await card.waitFor();
  await sender.waitForTimeout(1500);
  assert.doesNotMatch((await card.textContent()) ?? '', REMOVE);
  assert.match((await card.textContent()) ?? '', /Not yet: keep the old root/);
  await screenshot(sender, 'truth-sender-not-proven-after-exchange');

  // Complete asks first and names what is open; dismissing changes nothing.
  const lb = await pageAs(world.users.lb, `/renewals/${id}`);
  const asked: string[] = [];
  lb.once('dialog', (d) => {
    asked.push(d.message());
    void d.dismiss();
  });
  await lb.getByRole('button', { name: /^Complete/ }).click();
  await until('the question', async () => (asked.length ? true : undefined), 10_000);
  assert.match(asked[0]!, /Still open: .*not proven/);
  assert.equal((await co.api('GET', `/renewals/${id}`)).state, 'retiring', 'dismissing completes nothing');
  lb.once('dialog', (d) => void d.accept('billing and warehouse are decommissioned next week'));
  await lb.getByRole('button', { name: /^Complete/ }).click();
  const done = await until('completed', async () => {
    const d = await co.api('GET', `/renewals/${id}`);
    return d.state === 'completed' ? d : undefined;
  });
  assert.equal(done.phase, 'completed-with-open-items');
  assert.equal(done.completion.forced, true);
  assert.equal(done.completion.reason, 'billing and warehouse are decommissioned next week');
  assert.ok(done.completion.open.notProven + done.completion.open.failing >= 2);
  await lb.locator('.phase', { hasText: /completed with/ }).waitFor();
  await screenshot(lb, 'truth-completed-with-open-items');

  // The lb-admin's reason is free text for the provider: a tenant's page never shows it.
  const tenant = await pageAs(world.users.tenant, `/renewals/${id}`);
  await tenant.locator('.phase', { hasText: /completed with/ }).waitFor();
  assert.doesNotMatch(await tenant.locator('main').innerText(), /decommissioned next week/);
  assert.match(await tenant.locator('main').innerText(), /withheld: only the provider sees the reason/);
  await tenant.context().close();

  // After completion the sender is still not told to remove the old root.
  await sender.reload();
  await sender.locator('details.older').waitFor();
  await sender.locator('details.older summary').click();
  await sender.locator('article[data-sender="billing"]').first().waitFor();
  assert.doesNotMatch((await sender.locator('main').textContent()) ?? '', REMOVE);
  for (const p of [lb, sender]) assert.deepEqual(pageErrors(p), []);
  for (const p of [lb, sender]) await p.context().close();
});
