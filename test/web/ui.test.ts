/**
 * The web UI in a real browser (Debian's chromium via playwright-core) against a real
 * `rollover server`: the server serves the app without shadowing the API, under a strict CSP; each
 * role signs in and lands on its own work, at laptop and phone widths; the auditor sees the chain
 * verdict; a route the coordinator lacks shows "not available yet", never made-up data.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { writeCredentialDir } from '../../src/files/credential-dir.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { DEFAULT_ROLLBACK_WINDOW } from '../../src/renewal/timing.js';
import { mintCredential } from '../kit/ca.js';
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
import { PASSWORD, type Seeded, seed } from './seed.js';

let co: Coordinator;
let browser: Browser;
let world: Seeded;

before(async () => {
  ensureWebBuilt();
  co = await startCoordinator();
  world = await seed(co);
  browser = await launchBrowser();
});

test('the server serves the app for client routes under a strict CSP and leaves the API alone', async () => {
  for (const path of ['/', '/lb', '/s/some-link-token', '/s/rlk_abc.Zm9v-_x', '/renewals/r1']) {
    const res = await fetch(co.url + path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    const html = await res.text();
    assert.match(html, /<div id="root">/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  }
  for (const path of ['/api/v1/no-such-thing', '/api/nothing']) {
    const res = await fetch(co.url + path);
    assert.ok(res.status >= 400, path);
    assert.match(res.headers.get('content-type') ?? '', /problem\+json/, path);
  }
  // /metrics belongs to the coordinator (Prometheus text, or a 404 problem where not wired): never the app.
  assert.doesNotMatch((await fetch(`${co.url}/metrics`)).headers.get('content-type') ?? '', /html/);
  assert.equal((await fetch(`${co.url}/healthz`)).status, 200);
  assert.equal((await fetch(`${co.url}/.well-known/rollover`)).headers.get('content-security-policy'), null);
  assert.equal((await fetch(`${co.url}/assets/missing.js`)).status, 404);
  assert.equal((await fetch(`${co.url}/assets/..%2f..%2f..%2fpackage.json`)).status, 404);
});

test('a wrong password is refused with a message, and nothing is kept in storage', async () => {
  const { ctx, page } = await newPage(browser);
  await page.goto(co.url);
  await page.getByLabel('Name').fill('alice');
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').getByText('do not match').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.deepEqual(await ctx.cookies(), []);
  await ctx.close();
});

test('the LB admin lands on the virtual servers with their credentials and the renewals', async () => {
  const { ctx, page } = await newPage(browser);
  await signInAs(page, co.url, world.users.lb, PASSWORD);
  await page.waitForURL(/\/lb$/);
  await page.getByRole('heading', { name: 'Load balancer' }).waitFor();
  const row = page.locator('tr[data-vs="shop-api"]');
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /api\.shop\.test/);
  await screenshot(page, 'lb-admin-inventory');
  // The token sits in sessionStorage, never in a cookie.
  assert.ok(await page.evaluate(() => sessionStorage.getItem('rollover.token')));
  assert.deepEqual(await ctx.cookies(), []);
  await page.getByRole('link', { name: 'Start a renewal' }).click();
  await page.getByRole('heading', { name: 'Start a renewal' }).waitFor();
  // The T picker shows the chosen time in the browser's zone and in UTC.
  await page.getByLabel(/Exchange time T/).fill('2027-03-01T10:00:00');
  const preview = (await page.locator('#t-utc').textContent()) ?? '';
  assert.match(preview, /CET/);
  assert.match(preview, /09:00:00 UTC/);
  assert.doesNotMatch(preview, /2027-03-01T/, 'no raw ISO string');
  assert.deepEqual(pageErrors(page), []);
  await ctx.close();
});

test('a route the coordinator lacks shows "not available yet", never made-up data', async () => {
  // What this coordinator really answers for a route it lacks, served in place of two routes the LB
  // admin's page reads (the page meets an older coordinator).
  const lacking = await fetch(`${co.url}/api/v1/no-such-route`, {
    headers: { authorization: `Bearer ${co.adminToken}` },
  });
  assert.equal(lacking.status, 404);
  const answer = {
    status: lacking.status,
    contentType: lacking.headers.get('content-type') ?? '',
    body: await lacking.text(),
  };
  const { ctx, page } = await newPage(browser);
  await page.route(/\/api\/v1\/(renewals|expiry)$/, (r) => r.fulfill(answer));
  await signInAs(page, co.url, world.users.lb, PASSWORD);
  await page.waitForURL(/\/lb$/);
  const note = page.locator('#ren-h ~ .note');
  await note.waitFor();
  assert.equal((await note.textContent())?.trim(), 'Renewals: not available yet on this coordinator.');
  assert.equal(await note.getAttribute('role'), 'status', 'a plain status, not an error alert');
  assert.equal(await page.locator('ul.renewals, #ren-h ~ p:not(.note)').count(), 0, 'no renewal list at all');
  // The virtual servers still show, with the expiry column saying so instead of a date.
  const row = page.locator('tr[data-vs="shop-api"]');
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /not available yet/);
  assert.equal(await page.getByRole('alert').count(), 0);
  assert.deepEqual(pageErrors(page), []);
  await ctx.close();
});

test('the auditor sees that the audit chain verifies and the newest events', async () => {
  const { ctx, page } = await newPage(browser);
  await signInAs(page, co.url, world.users.auditor, PASSWORD);
  await page.waitForURL(/\/audit$/);
  const verdict = page.getByRole('status').filter({ hasText: 'chain verifies' });
  await verdict.waitFor();
  const expected = (await co.api('GET', '/audit/verify')).events as number;
  assert.match((await verdict.textContent()) ?? '', new RegExp(`${expected} event`));
  // The seeding created users: the log shows it.
  await page.getByRole('cell', { name: /user/ }).first().waitFor();
  await screenshot(page, 'auditor');
  // The auditor exports what the page shows, as JSON lines, from the page itself.
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: /^Export these \d+ event/ }).click(),
  ]);
  const saved = join(tempDir('rollover-audit-'), file.suggestedFilename());
  await file.saveAs(saved);
  const lines = (await import('node:fs')).readFileSync(saved, 'utf8').trim().split('\n');
  assert.ok(lines.length > 0 && lines.every((l) => typeof JSON.parse(l).seq === 'number'));
  assert.match(file.suggestedFilename(), /^audit.*\.jsonl$/);
  assert.deepEqual(pageErrors(page), []);
  await ctx.close();
});

test('the tenant admin and the sender admin land on their own pages, also at phone width', async () => {
  for (const width of [1280, 390]) {
    const t = await newPage(browser, width);
    await signInAs(t.page, co.url, world.users.tenant, PASSWORD);
    await t.page.waitForURL(/\/tenant$/);
    await t.page.getByText('billing (jks)').waitFor();
    if (width === 390) await screenshot(t.page, 'tenant-admin-phone');
    // The page fits the width: nothing scrolls sideways.
    const overflow = await t.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `tenant page overflows by ${overflow}px at ${width}px`);
    assert.deepEqual(pageErrors(t.page), []);
    await t.ctx.close();

    const s = await newPage(browser, width);
    await signInAs(s.page, co.url, world.users.sender, PASSWORD);
    await s.page.waitForURL(/\/sender$/);
    await s.page.getByRole('heading', { name: 'My senders' }).waitFor();
    assert.deepEqual(pageErrors(s.page), []);
    await s.ctx.close();
  }
});

test('an unknown personal link says so without asking for an account', async () => {
  const { ctx, page } = await newPage(browser, 390);
  await page.goto(`${co.url}/s/not-a-real-token`);
  await page.getByRole('heading', { name: 'Your part in a certificate renewal' }).waitFor();
  const note = page.locator('.note');
  await note.waitFor();
  assert.match((await note.textContent()) ?? '', /This link/);
  assert.equal(await page.getByLabel('Password').count(), 0);
  await ctx.close();
});

test('signing in and moving between pages works with the keyboard alone, with labelled fields', async () => {
  const { ctx, page } = await newPage(browser);
  await page.goto(co.url);
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  // The first Tab reaches the skip link, then the labelled name and password fields.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('autocomplete')), 'username');
  await page.keyboard.type(world.users.lb);
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Load balancer' }).waitFor();
  // Every form control on the renewal form has a label.
  await page.getByRole('link', { name: 'Start a renewal' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Start a renewal' }).waitFor();
  const unlabelled = await page.evaluate(
    () =>
      [...document.querySelectorAll('input, select, textarea')].filter((el) => !el.closest('label')).length,
  );
  assert.equal(unlabelled, 0);
  assert.deepEqual(pageErrors(page), []);
  await ctx.close();
});

test('an invitation link opens a form that creates the account and signs it in; the secret leaves the address bar', async () => {
  const inv = await co.api('POST', '/invitations', {
    role: 'sender-admin',
    scope: world.senderIds[1],
    organisation: 'Acme',
  });
  assert.match(inv.url, /\/invite#/);
  const { ctx, page } = await newPage(browser, 390);
  await page.goto(inv.url);
  await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
  assert.equal(new URL(page.url()).hash, '');
  await page.getByLabel('Name').fill('wanda');
  await page.getByLabel(/^Password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Accept and sign in' }).click();
  await page.waitForURL(/\/sender$/);
  await page.getByText('wanda · sender-admin').waitFor();
  // The invitation was used up.
  assert.equal(
    (await co.raw('POST', '/invitations/accept', { token: inv.token, name: 'x2', password: PASSWORD }, ''))
      .status,
    410,
  );
  assert.deepEqual(pageErrors(page), []);
  await ctx.close();
});

test('a one-time sign-in link signs in once and is refused the second time', async () => {
  const link = await co.api('POST', '/sign-in-links', { user: world.users.auditor });
  const first = await newPage(browser);
  await first.page.goto(link.url);
  await first.page.waitForURL(/\/audit$/);
  assert.equal(new URL(first.page.url()).hash, '');
  await first.ctx.close();
  const again = await newPage(browser);
  await again.page.goto(link.url);
  await again.page
    .getByRole('alert')
    .filter({ hasText: /Sign-in link: .*used already/ })
    .waitFor();
  await again.page.getByRole('button', { name: 'Sign in' }).waitFor();
  await again.ctx.close();
});

test('a signed-in page listens to the server-sent event stream with its bearer token', async () => {
  const { ctx, page } = await newPage(browser);
  const events = page.waitForResponse((r) => r.url().endsWith('/api/v1/events'));
  await signInAs(page, co.url, world.users.lb, PASSWORD);
  const res = await events;
  assert.equal(res.status(), 200);
  assert.match((await res.request().allHeaders()).authorization ?? '', /^Bearer \S+/);
  assert.match(res.headers()['content-type'] ?? '', /text\/event-stream/);
  await ctx.close();
});

test('the LB admin plans renewals with an uploaded credential and by issuing from a CA the coordinator holds', async () => {
  // A credential for the virtual server's host under the new root, as files a CA gave the admin.
  const cred = await mintCredential(world.newRoot, ['api.shop.test']);
  const dir = tempDir('rollover-upload-');
  await writeCredentialDir(dir, cred);
  // A CA the coordinator holds with its key (for the issue-from choice).
  const ca = await co.api('POST', '/cas', {
    name: 'new-root',
    certificatePem: encodeCertificatesPem([world.newRoot.cert.der]),
    keyPem: privateKeyToPem(world.newRoot.key.keyObject),
  });
  const { ctx, page } = await newPage(browser);
  await signInAs(page, co.url, world.users.lb, PASSWORD);
  // "Renew" on the load balancer page opens the form with its virtual server already ticked.
  await page.goto(`${co.url}/lb`);
  await page.locator('tr[data-vs="shop-api"]').getByRole('link', { name: 'Renew' }).click();
  await page.getByRole('heading', { name: 'Start a renewal' }).waitFor();
  assert.ok(
    await page.getByRole('checkbox', { name: /shop-api/ }).isChecked(),
    'Renew preselects its server',
  );
  // The rollback window starts at the API's own default; the credential list says what each one is.
  assert.equal(await page.getByLabel(/Rollback window/).inputValue(), DEFAULT_ROLLBACK_WINDOW);
  await page
    .locator('option', { hasText: /active on shop-api/ })
    .first()
    .waitFor({ state: 'attached' });
  // A refused plan (T already past) imports nothing: the same files go through on the retry.
  await page.getByLabel(/Exchange time T/).fill('2020-01-15T10:00:00');
  assert.doesNotMatch(
    (await page.locator('.t-preview').textContent()) ?? '',
    /\d{4}-\d{2}-\d{2}T/,
    'T shows as dates people read, not a raw ISO string',
  );
  await page.getByLabel('Upload PEM files').check();
  await page.getByLabel('Name', { exact: true }).fill('shop-api-2027-uploaded');
  await page.getByLabel(/Certificate chain/).setInputFiles(join(dir, 'tls.crt'));
  await page.getByLabel(/Private key/).setInputFiles(join(dir, 'tls.key'));
  await page.getByLabel(/New root/).setInputFiles(join(dir, 'ca.crt'));
  await page.getByRole('button', { name: 'Plan the renewal' }).click();
  await page
    .getByRole('alert')
    .filter({ hasText: /Could not start the renewal/ })
    .waitFor();
  const afterRefusal = (await co.api('GET', '/credentials')) as Array<{ name: string }>;
  assert.ok(
    !afterRefusal.some((c) => c.name === 'shop-api-2027-uploaded'),
    'the refused plan imported nothing',
  );
  await page.getByLabel(/Exchange time T/).fill('2027-01-15T10:00:00');
  await page.getByRole('button', { name: 'Plan the renewal' }).click();
  await page.waitForURL(/\/renewals\/[^/]+$/);
  await page.locator('.summary .pill', { hasText: /^planned$/ }).waitFor();
  const id = decodeURIComponent(page.url().split('/').pop()!);
  const r = await co.api('GET', `/renewals/${id}`);
  assert.equal(r.exchangeAt, '2027-01-15T09:00:00.000Z');
  assert.equal(r.newRootSha256, world.newRoot.root.sha256);
  const creds = (await co.api('GET', '/credentials')) as Array<{ name: string; fingerprint: string }>;
  assert.equal(creds.find((c) => c.name === 'shop-api-2027-uploaded')?.fingerprint, cred.chain[0]!.sha256);
  // The key went in sealed: no credential view shows it.
  assert.doesNotMatch(JSON.stringify(creds), /PRIVATE KEY/);

  // Issuing from a CA held by the coordinator, for a second virtual server under the old root.
  const vs2 = await co.api('POST', '/virtual-servers', {
    name: 'shop-api-2',
    lb: world.lbId,
    hosts: ['api2.shop.test'],
    listen: '127.0.0.1:8444',
    backends: ['127.0.0.1:8080'],
  });
  const old2 = await mintCredential(world.oldRoot, ['api2.shop.test']);
  const oc2 = await co.api('POST', '/credentials', {
    name: 'shop-api-2-old',
    chainPem: encodeCertificatesPem(old2.chain.map((x) => x.der)),
    keyPem: privateKeyToPem(old2.key.keyObject),
    rootPem: encodeCertificatesPem([old2.root.der]),
  });
  await co.api('POST', `/virtual-servers/${vs2.id}/credential`, { credentialId: oc2.id });
  await page.goto(`${co.url}/lb/new?vs=${vs2.id}`);
  await page.getByRole('heading', { name: 'Start a renewal' }).waitFor();
  await page.getByLabel(/Exchange time T/).fill('2027-01-15T10:00:00');
  await page.getByLabel('Issue from a CA').check();
  await page.getByLabel(/^Issuing CA/).selectOption(ca.id);
  await page.getByRole('button', { name: 'Plan the renewal' }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/renewals/') && !u.pathname.endsWith(id));
  const issued = await co.api('GET', `/renewals/${decodeURIComponent(page.url().split('/').pop()!)}`);
  assert.equal(issued.state, 'planned');
  assert.equal(issued.newRootSha256, world.newRoot.root.sha256, 'issued under the CA the coordinator holds');
  // The one 400 is the refused plan above.
  assert.deepEqual(
    pageErrors(page).filter((e) => !/status of 400/.test(e)),
    [],
  );
  await ctx.close();
});
