/**
 * A whole renewal through the web UI, across the roles, in a real browser against a real
 * `rollover server` with seconds-scale timing: the LB admin plans (T in local time and UTC) and
 * announces; the tenant admin forwards with a message; the sender admin opens the personal link,
 * compares the fingerprint, downloads the kit and confirms; another sender uploads the proof a real
 * `sender verify --json` printed; the LB admin watches readiness, the
 * exchange at T, verification and the retirement, then completes; the sender admin is told the old
 * root may go now. The load balancer has one real built-in node: the coordinator stages the new
 * credential on it, it swaps at T by itself, and the coordinator's handshake verifies it.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { currentLinkId, linkToken } from '../../src/coordinator/renewal/links.js';
import type { LbNode } from '../../src/lb/node.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
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
    ROLLOVER_GATE_LEAD: '2s',
    ROLLOVER_POSTPONE_CUTOFF: '1s',
    ROLLOVER_SCHEDULER_TICK: '250ms',
    ROLLOVER_RETRY_BASE: '250ms',
  });
  world = await seed(co, ['api.shop.test']);
  node = await startRegisteredNode(co, {
    lbId: world.lbId,
    nodeName: 'edge-1',
    vsName: 'shop-api',
    hosts: ['api.shop.test'],
    credential: world.oldCredential,
  });
  browser = await launchBrowser();
});

/** The wall time `ms` shows in Europe/Berlin, as a datetime-local value. */
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

async function stateOf(page: Page): Promise<string> {
  return ((await page.locator('.summary .pill').first().textContent()) ?? '').trim();
}

async function waitForState(page: Page, state: string, timeoutMs: number): Promise<void> {
  await page.locator('.summary .pill', { hasText: new RegExp(`^${state}$`) }).waitFor({ timeout: timeoutMs });
}

test('a renewal runs end to end through the UI: plan, announce, forward, kit and confirm, exchange, retire', async () => {
  // --- LB admin plans and announces -----------------------------------------------------------
  const lb = await newPage(browser);
  await signInAs(lb.page, co.url, world.users.lb, PASSWORD);
  await lb.page.locator('tr[data-vs="shop-api"]').getByRole('link', { name: 'Renew' }).click();
  await lb.page.getByRole('heading', { name: 'Start a renewal' }).waitFor();
  assert.ok(await lb.page.getByRole('checkbox', { name: /shop-api/ }).isChecked());
  await lb.page.getByLabel(/^Credential/).selectOption(world.newCredentialId);
  // Room for the steps before T even on a busy machine; the exchange itself is waited for.
  const t = Math.ceil((Date.now() + 75_000) / 1000) * 1000;
  await lb.page.getByLabel(/Exchange time T/).fill(berlinLocal(t));
  assert.match(
    (await lb.page.locator('#t-utc').textContent()) ?? '',
    new RegExp(`${new Date(t).toISOString().slice(11, 19)} UTC`),
  );
  await lb.page.getByLabel(/Rollback window/).fill('4s');
  await lb.page.getByLabel('Readiness gate').selectOption('warn');
  await lb.page.getByRole('button', { name: 'Plan the renewal' }).click();
  await lb.page.waitForURL(/\/renewals\/[^/]+$/);
  const renewalId = decodeURIComponent(lb.page.url().split('/').pop()!);
  await waitForState(lb.page, 'planned', 10_000);
  // T is stored as picked (to the second), and shown with its zone.
  const stored = await co.api('GET', `/renewals/${renewalId}`);
  assert.equal(Date.parse(stored.exchangeAt), t);
  assert.match((await lb.page.locator('.facts').textContent()) ?? '', /CET|CEST/);
  await lb.page.getByRole('button', { name: 'Announce to tenant admins' }).click();
  await lb.page.locator('.summary .pill', { hasText: /^(announced|staged)$/ }).waitFor({ timeout: 10_000 });
  await lb.page.locator('.timeline li.done', { hasText: 'Announce' }).waitFor();

  // --- Tenant admin forwards with a message -----------------------------------------------------
  const ten = await newPage(browser);
  await signInAs(ten.page, co.url, world.users.tenant, PASSWORD);
  const item = ten.page.locator('article[data-tenant="Shop"]');
  await item.waitFor({ timeout: 10_000 });
  await item.getByLabel(/Message to your sender admins/).fill('Please add the new root this week.');
  await item.getByRole('button', { name: /Forward to 2 sender/ }).click();
  await item.getByRole('status').filter({ hasText: 'Forwarded to 2 sender(s)' }).waitFor({ timeout: 10_000 });
  // The tenant admin reminds one sender now; its line says who reminded it, and the button stays
  // (the server refuses a second reminder within 15 minutes and says until when).
  const line = item.locator('li[data-sender="billing"]');
  await line.getByRole('button', { name: 'Remind billing' }).click();
  await line.getByText(/reminded by /).waitFor({ timeout: 10_000 });
  await screenshot(ten.page, 'tenant-admin-inbox');

  // --- A signed-in sender admin sees the same to-do for the sender in its scope only ------------
  const sam = await newPage(browser);
  await signInAs(sam.page, co.url, world.users.sender, PASSWORD);
  const samTodo = sam.page.locator('article[data-sender="billing"]');
  await samTodo.locator('.pill', { hasText: /^told$/ }).waitFor({ timeout: 10_000 });
  assert.equal(await sam.page.locator('article[data-sender="warehouse"]').count(), 0);
  assert.match((await samTodo.locator('.command code').textContent()) ?? '', /--truststore truststore\.jks/);
  // The signed-in sender admin downloads the kit too (with its token), and its root is the new root.
  const [samDownload] = await Promise.all([
    sam.page.waitForEvent('download'),
    samTodo.getByRole('button', { name: 'Download root.pem' }).click(),
  ]);
  const samSaved = `${tempDir('rollover-kit-')}/${samDownload.suggestedFilename()}`;
  await samDownload.saveAs(samSaved);
  const { readCertificates } = await import('../../src/pki/certificate.js');
  assert.equal(readCertificates(await fs.readFile(samSaved))[0]!.sha256, world.newRoot.root.sha256);
  await sam.ctx.close();

  // --- Sender admin: the personal link, the kit, the confirmation -------------------------------
  const billing = world.senderIds[0]!;
  const linkId = await currentLinkId(co.server.store, renewalId, billing);
  assert.ok(linkId, 'forwarding issued a personal link for the sender');
  const snd = await newPage(browser, 390);
  await snd.page.goto(`${co.url}/s/${linkToken(co.server.store, linkId)}`);
  const todo = snd.page.locator('article[data-sender="billing"]');
  await todo.waitFor({ timeout: 10_000 });
  // The fingerprint to compare is the new root's.
  const shown = ((await todo.locator('.fingerprint code').first().textContent()) ?? '').replace(/\s/g, '');
  assert.equal(shown, world.newRoot.root.sha256);
  assert.match((await todo.locator('.command code').textContent()) ?? '', /^rollover sender verify /);
  // A kit file downloads through the link, and it is the new root.
  const [download] = await Promise.all([
    snd.page.waitForEvent('download'),
    todo
      .getByRole('link', { name: /Download .*\.pem$/ })
      .first()
      .click(),
  ]);
  const saved = `${tempDir('rollover-kit-')}/${download.suggestedFilename()}`;
  await download.saveAs(saved);
  assert.match(await fs.readFile(saved, 'utf8'), /BEGIN CERTIFICATE/);
  await todo.getByRole('button', { name: 'I have added the new root' }).click();
  await todo.getByRole('button', { name: 'Confirmed' }).waitFor({ timeout: 10_000 });
  await screenshot(snd.page, 'sender-admin-link');

  // --- The warehouse sender proves it: a real `sender verify --json` against the preview listener
  // (which serves the staged credential), uploaded through its personal link.
  for (let i = 0; !(await co.api('GET', `/renewals/${renewalId}`)).nodes[0]?.stagedAckAt; i++) {
    assert.ok(i < 100, 'the node never acknowledged the staging');
    await new Promise((r) => setTimeout(r, 100));
  }
  const dir = tempDir('rollover-sender-');
  const bundle = join(dir, 'ca-bundle.pem');
  await fs.writeFile(bundle, encodeCertificatesPem([world.oldRoot.cert.der, world.newRoot.cert.der]));
  const preview = node.runtimes.get('shop-api')!.previewAddress!.port;
  const verify = await cli([
    'sender',
    'verify',
    '--truststore',
    bundle,
    '--url',
    `https://127.0.0.1:${preview}`,
    '--servername',
    'api.shop.test',
    '--json',
  ]);
  assert.equal(verify.code, 0, verify.stderr);
  const evidence = join(dir, 'verify.json');
  await fs.writeFile(evidence, verify.stdout);
  const warehouse = world.senderIds[1]!;
  const whLink = await currentLinkId(co.server.store, renewalId, warehouse);
  assert.ok(whLink);
  const wh = await newPage(browser, 390);
  await wh.page.goto(`${co.url}/s/${linkToken(co.server.store, whLink)}`);
  const whTodo = wh.page.locator('article[data-sender="warehouse"]');
  await whTodo.locator('input[type="file"]').setInputFiles(evidence);
  await whTodo.locator('.pill', { hasText: /^proven ready$/ }).waitFor({ timeout: 10_000 });
  assert.deepEqual(pageErrors(wh.page), []);
  await wh.ctx.close();

  // --- LB admin watches readiness, the exchange at T and the retirement ------------------------
  const billingCell = lb.page.locator('.matrix li[data-sender="billing"]');
  await billingCell.locator('.pill', { hasText: 'acknowledged' }).waitFor({ timeout: 10_000 });
  await lb.page.locator('.matrix li[data-sender="warehouse"] .pill', { hasText: 'proven ready' }).waitFor();
  // (Checked only with time to spare: on a very busy machine T may already have come.)
  if (Date.now() < t - 3000)
    assert.match((await lb.page.locator('.countdown').textContent()) ?? '', /^T in /);
  await screenshot(lb.page, 'lb-admin-renewal-before-t');
  await waitForState(lb.page, 'exchanged|verified|retiring', Math.max(5_000, t - Date.now() + 20_000));
  // The exchange step's own recorded instant (the coordinator's clock), not this test's: at T, not before.
  const steps = (await co.api('GET', `/renewals/${renewalId}`)).steps as Array<{
    kind: string;
    at: string;
    detail: { at: string; immediate: boolean };
  }>;
  const exchange = steps.find((x) => x.kind === 'exchange');
  assert.ok(exchange, 'the exchange step is recorded');
  assert.equal(exchange.detail.immediate, false, 'the scheduled exchange, not "exchange now"');
  assert.ok(
    Date.parse(exchange.detail.at) >= t,
    `the exchange was recorded at ${exchange.detail.at}, before T ${new Date(t).toISOString()}`,
  );
  await lb.page.locator('.countdown', { hasText: /^T was / }).waitFor();
  await lb.page.locator('.timeline li.done', { hasText: 'Exchange the credential at T' }).waitFor();
  // The gate warned (one sender not verified) and let the exchange go.
  assert.match(
    (await lb.page.locator('[class*="gate-"]').textContent()) ?? '',
    /^go-with-warning — [12] of 2 sender\(s\) not verified/,
  );
  const gate = (await co.api('GET', `/renewals/${renewalId}`)).gate;
  assert.equal(gate.decision, 'go-with-warning');
  assert.ok(gate.notReady.includes(world.senderIds[0]), 'billing (acknowledged, never proven) was not ready');
  // The node acknowledged the staging before T and was verified after T, serving the new leaf.
  const nodeRow = lb.page.locator('tr[data-node="edge-1"]');
  await nodeRow.locator('td').nth(0).locator('time').waitFor();
  await nodeRow.locator('td').nth(1).locator('time').waitFor({ timeout: 20_000 });
  const served = (await co.api('GET', `/renewals/${renewalId}`)).nodes[0].servedSha256 as string;
  assert.equal(served, world.newCredentialSha256);
  assert.match(
    (await nodeRow.locator('td').nth(2).textContent()) ?? '',
    new RegExp(`^${served.slice(0, 16)}`),
  );
  // The TLS profile the node reported when it acknowledged staging (the built-in node's default).
  assert.equal(((await nodeRow.locator('td').nth(3).textContent()) ?? '').trim(), 'intermediate');
  await waitForState(lb.page, 'retiring', 30_000);
  // billing only acknowledged: completing asks first, naming what is open, and records the reason.
  lb.page.once('dialog', (d) => void d.accept('billing confirmed by phone; proof follows'));
  await lb.page.getByRole('button', { name: 'Complete' }).click();
  await waitForState(lb.page, 'completed', 10_000);
  await screenshot(lb.page, 'lb-admin-renewal');

  // --- Only the proven sender may remove the old root; the one that only acknowledged may not ---
  await snd.page.reload();
  await snd.page.getByText(/Not yet: keep the old root/).waitFor({ timeout: 10_000 });
  assert.equal(await snd.page.getByText('You may now remove the old root').count(), 0);
  const wh2 = await newPage(browser, 390);
  await wh2.page.goto(`${co.url}/s/${linkToken(co.server.store, whLink)}`);
  await wh2.page.getByText('You may now remove the old root').waitFor({ timeout: 10_000 });
  await screenshot(wh2.page, 'sender-admin-removal');
  await wh2.ctx.close();

  for (const p of [lb.page, ten.page, snd.page]) assert.deepEqual(pageErrors(p), []);
  assert.equal(await stateOf(lb.page), 'completed');
  for (const x of [lb, ten, snd]) await x.ctx.close();
});
