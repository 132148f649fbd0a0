/**
 * Bridges in the web UI, in a real browser against a real `rollover server`: the LB admin plans a
 * renewal with bridges both ways through the form (mode, deadline, the two bridge files), and the
 * renewal page shows the bridge and its deadline. A deadline before T is refused with its code.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { crossSignRoot } from '../../src/pki/cross-sign.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { tempDir } from '../kit/tmp.js';
import { ensureWebBuilt, launchBrowser, newPage, pageErrors, signInAs, startCoordinator } from './browser.js';
import { PASSWORD, seed } from './seed.js';

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

test('the LB admin plans bridges both ways through the form; the renewal page shows the bridge and its deadline', async () => {
  ensureWebBuilt();
  const co = await startCoordinator({ ROLLOVER_MIN_LEAD: '5s' });
  const world = await seed(co, ['ledger.shop.test'], { nodes: false });
  const now = new Date();
  const dir = tempDir('rollover-web-bridge-');
  const pem = (c: { der: Uint8Array }) => encodeCertificatesPem([c.der]);
  writeFileSync(
    join(dir, 'forward.pem'),
    pem(await crossSignRoot({ issuer: world.oldRoot, subject: world.newRoot.cert, now })),
  );
  writeFileSync(
    join(dir, 'reverse.pem'),
    pem(await crossSignRoot({ issuer: world.newRoot, subject: world.oldRoot.cert, now })),
  );
  const exchangeAt = Math.ceil((Date.now() + 3_600_000) / 1000) * 1000;
  const until = exchangeAt + 14 * 86_400_000;
  const browser = await launchBrowser();
  const { page } = await newPage(browser);
  page.setDefaultTimeout(45_000);
  await signInAs(page, co.url, world.users.lb, PASSWORD);
  await page.goto(`${co.url}/lb`);
  await page.locator('tr[data-vs="shop-api"]').getByRole('link', { name: 'Renew' }).click();
  await page.getByRole('heading', { name: 'Start a renewal' }).waitFor();
  await page.getByLabel(/^Credential/).selectOption(world.newCredentialId);
  await page.getByLabel(/Exchange time T/).fill(berlinLocal(exchangeAt));
  await page.locator('select[name="bridge"]').selectOption('both');
  await page.getByLabel(/Forward bridge/).setInputFiles(join(dir, 'forward.pem'));
  await page.getByLabel(/Reverse bridge/).setInputFiles(join(dir, 'reverse.pem'));
  // A deadline before T is refused with its code, and nothing is planned.
  await page.getByLabel(/Bridge deadline/).fill(berlinLocal(exchangeAt - 60_000));
  await page.getByRole('button', { name: 'Plan the renewal' }).click();
  await page
    .getByText(/BRIDGE_UNTIL_OUT_OF_RANGE|must lie after T/)
    .first()
    .waitFor();
  assert.equal((await co.api('GET', '/renewals')).length, 0);
  await page.getByLabel(/Bridge deadline/).fill(berlinLocal(until));
  await page.getByRole('button', { name: 'Plan the renewal' }).click();
  await page.waitForURL(/\/renewals\/[^/]+$/);
  const line = page.locator('[data-testid="bridge"]');
  await line.waitFor();
  const text = (await line.textContent()) ?? '';
  assert.match(text, /reverse bridge on the old certificate until T; forward bridge from T until/);
  assert.match(text, /bridge deadline: clients that trust only the old root keep working until then/);
  const when = await line.locator('time').getAttribute('datetime');
  assert.equal(when && new Date(when).toISOString(), new Date(until).toISOString());
  const id = decodeURIComponent(page.url().split('/').pop()!);
  const d = await co.api('GET', `/renewals/${id}`);
  assert.equal(d.bridge.mode, 'both');
  assert.equal(d.bridge.until, new Date(until).toISOString());
  // The one refused plan is the only error the page saw.
  assert.deepEqual(
    pageErrors(page).filter((e) => !/status of 422/.test(e)),
    [],
  );
});
