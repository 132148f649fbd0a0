/**
 * The renewal page shows the bridge and its deadline, in a real browser against a real `rollover
 * server`: a renewal planned with bridges both ways says so, with the bridge deadline.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossSignRoot } from '../../src/pki/cross-sign.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { ensureWebBuilt, launchBrowser, newPage, pageErrors, signInAs, startCoordinator } from './browser.js';
import { PASSWORD, seed } from './seed.js';

test('the renewal page shows the bridge, both directions, and its deadline', async () => {
  ensureWebBuilt();
  const co = await startCoordinator({ ROLLOVER_MIN_LEAD: '5s' });
  const world = await seed(co, ['ledger.shop.test'], { nodes: false });
  const now = new Date();
  const pem = (c: { der: Uint8Array }) => encodeCertificatesPem([c.der]);
  const forward = await crossSignRoot({ issuer: world.oldRoot, subject: world.newRoot.cert, now });
  const reverse = await crossSignRoot({ issuer: world.newRoot, subject: world.oldRoot.cert, now });
  const exchangeAt = new Date(Math.ceil((Date.now() + 3_600_000) / 1000) * 1000);
  const until = new Date(exchangeAt.getTime() + 14 * 86_400_000);
  const planned = await co.api('POST', '/renewals', {
    virtualServerIds: [world.vsId],
    credentialId: world.newCredentialId,
    exchangeAt: exchangeAt.toISOString(),
    bridge: 'both',
    bridgeUntil: until.toISOString(),
    bridgeForwardPem: pem(forward),
    bridgeReversePem: pem(reverse),
  });
  const browser = await launchBrowser();
  const { page } = await newPage(browser);
  page.setDefaultTimeout(45_000);
  await signInAs(page, co.url, world.users.lb, PASSWORD);
  await page.goto(`${co.url}/renewals/${planned.id}`);
  const line = page.locator('[data-testid="bridge"]');
  await line.waitFor();
  const text = (await line.textContent()) ?? '';
  assert.match(text, /reverse bridge on the old certificate until T; forward bridge from T until/);
  assert.match(text, /bridge deadline: clients that trust only the old root keep working until then/);
  // The deadline is shown as a time element carrying the exact instant.
  const when = await line.locator('time').getAttribute('datetime');
  assert.equal(when && new Date(when).toISOString(), until.toISOString());
  assert.deepEqual(pageErrors(page), []);
});
