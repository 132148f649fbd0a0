/**
 * The LB admin's actions on a renewal page, in a real browser against a real `rollover server` and a
 * real built-in node: postpone T (the new T shown in local time and UTC, re-staged on the node),
 * exchange now (only after the confirmation dialog: dismissed, nothing happens), and roll back inside
 * the window — after which the node serves the old leaf again to a real handshake and the path
 * drawing shows the load balancer serving the old certificate; and a blocked readiness gate
 * overridden with a recorded reason.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { observeLeaf } from '../../src/adapters/observe.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import type { LbNode } from '../../src/lb/node.js';
import { waitFor } from '../kit/net.js';
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
let node: LbNode;

before(async () => {
  ensureWebBuilt();
  co = await startCoordinator({
    ROLLOVER_MIN_LEAD: '5s',
    ROLLOVER_POSTPONE_CUTOFF: '1s',
    ROLLOVER_SCHEDULER_TICK: '250ms',
    ROLLOVER_RETRY_BASE: '250ms',
  });
  world = await seed(co, ['pay.shop.test']);
  node = await startRegisteredNode(co, {
    lbId: world.lbId,
    nodeName: 'edge-1',
    vsName: 'shop-api',
    hosts: ['pay.shop.test'],
    credential: world.oldCredential,
  });
  browser = await launchBrowser();
});

test('the LB admin postpones T, exchanges now and rolls back from the renewal page', async () => {
  // Planned and announced through the API: this test is about the page's actions.
  const t0 = new Date(Math.ceil((Date.now() + 120_000) / 1000) * 1000);
  const planned = await co.api('POST', '/renewals', {
    virtualServerIds: [world.vsId],
    credentialId: world.newCredentialId,
    exchangeAt: t0.toISOString(),
    rollbackWindow: '1h',
    gate: 'warn',
  });
  await co.api('POST', `/renewals/${planned.id}/announce`);
  const { ctx, page } = await newPage(browser);
  // These steps wait on the scheduler and the node (re-staging after a postpone): on a busy two-core
  // CI machine that can take longer than the kit's default.
  page.setDefaultTimeout(45_000);
  // Every dialog is recorded; the answer is chosen per step.
  const dialogs: string[] = [];
  let answer: 'accept' | 'dismiss' = 'accept';
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void (answer === 'accept' ? d.accept() : d.dismiss());
  });
  const listen = node.runtimes.get('shop-api')!.listenAddress!;
  const served = () => observeLeaf({ host: '127.0.0.1', port: listen.port, servername: 'pay.shop.test' });
  const oldSha = recordFromCredential(world.oldCredential).sha256;
  assert.equal(await served(), oldSha, 'the node serves the old leaf before the exchange');
  await signInAs(page, co.url, world.users.lb, PASSWORD);
  await page.goto(`${co.url}/renewals/${planned.id}`);
  const pill = (state: string) => page.locator('.summary .pill', { hasText: new RegExp(`^${state}$`) });
  await pill('staged').waitFor();

  // Postpone by an hour: the picker shows the new T in local time and UTC.
  const t1 = new Date(t0.getTime() + 3_600_000);
  const local = (await page.getByLabel(/Postpone T to/).inputValue()) || '';
  assert.ok(local, 'the postpone picker starts from a value');
  await page.getByLabel(/Postpone T to/).fill(
    new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Berlin',
      dateStyle: 'short',
      timeStyle: 'medium',
    })
      .format(t1)
      .replace(' ', 'T'),
  );
  assert.match((await page.locator('#postpone-utc').textContent()) ?? '', /CET.*UTC/);
  await page.getByRole('button', { name: 'Postpone' }).click();
  await page
    .locator('.history li[data-kind="postpone"]', { hasText: /postponed T from/ })
    .waitFor({ state: 'attached' });
  await pill('staged').waitFor({ timeout: 15_000 });
  assert.equal(Date.parse((await co.api('GET', `/renewals/${planned.id}`)).exchangeAt), t1.getTime());

  // Exchange now asks first: dismissed, nothing happens; confirmed, the node serves the new leaf.
  answer = 'dismiss';
  await page.getByRole('button', { name: 'Exchange now' }).click();
  await waitFor(async () => dialogs.length === 1, 'a confirmation dialog');
  assert.equal(dialogs.length, 1);
  assert.match(
    dialogs[0]!,
    /^Exchange the credential now, before T\? Senders that have not added the new root fail/,
  );
  assert.equal((await co.api('GET', `/renewals/${planned.id}`)).state, 'staged', 'dismissed: no exchange');
  answer = 'accept';
  await page.getByRole('button', { name: 'Exchange now' }).click();
  await waitFor(async () => dialogs.length === 2, 'the confirmation dialog again');
  await page.locator('.summary .pill', { hasText: /^(exchanged|verified)$/ }).waitFor({ timeout: 15_000 });
  await waitFor(
    async () => (await served()) === world.newCredentialSha256,
    'the node to serve the new leaf',
    15_000,
  );
  await page.getByRole('button', { name: 'Roll back' }).click();
  await waitFor(async () => dialogs.length === 3, 'a confirmation dialog for the rollback');
  assert.equal(dialogs[2], 'Roll back to the old credential?');
  await pill('rolled-back').waitFor({ timeout: 15_000 });
  await page.getByText('Nothing left to do: this renewal is rolled-back.').waitFor();
  // The drawing: after T the LB serves the old certificate again, so no sender breaks.
  assert.match(
    (await page.locator('.path-svg').textContent()) ?? '',
    /serves old cert[\s\S]*serves old cert/,
  );
  assert.doesNotMatch((await page.locator('.path-words').textContent()) ?? '', /breaks/);
  // The node serves the old leaf again, to a new handshake from outside.
  await waitFor(async () => (await served()) === oldSha, 'the node to serve the old leaf again', 15_000);
  const r = await co.api('GET', `/renewals/${planned.id}`);
  assert.equal(r.state, 'rolled-back');
  assert.deepEqual(pageErrors(page), []);
  await ctx.close();
});

test('a blocked gate shows why and lets the LB admin override it with a reason, which is recorded', async () => {
  const planned = await co.api('POST', '/renewals', {
    virtualServerIds: [world.vsId],
    credentialId: world.newCredentialId,
    exchangeAt: new Date(Math.ceil((Date.now() + 120_000) / 1000) * 1000).toISOString(),
    gate: 'block',
  });
  await co.api('POST', `/renewals/${planned.id}/announce`);
  // At phone width: the whole renewal page fits, wide tables scroll inside their own box.
  const { ctx, page } = await newPage(browser, 390);
  page.setDefaultTimeout(45_000);
  await signInAs(page, co.url, world.users.lb, PASSWORD);
  await page.goto(`${co.url}/renewals/${planned.id}`);
  const gate = page.locator('[class*="gate-"]');
  await gate.filter({ hasText: /^blocked/ }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `the renewal page overflows by ${overflow}px at 390px`);
  await screenshot(page, 'lb-admin-renewal-phone');
  assert.match((await gate.textContent()) ?? '', /2 of 2 sender\(s\) not verified/);
  await page.getByLabel(/Override the gate/).fill('change window agreed with both tenants');
  await page.getByRole('button', { name: 'Override' }).click();
  await gate.filter({ hasText: /^overridden/ }).waitFor();
  const r = await co.api('GET', `/renewals/${planned.id}`);
  assert.equal(r.gate.decision, 'overridden');
  assert.equal(r.gate.override.reason, 'change window agreed with both tenants');
  assert.equal(await page.getByRole('button', { name: 'Override' }).count(), 0);
  assert.deepEqual(pageErrors(page), []);
  await ctx.close();
});
