/**
 * The grace policy of a renewal plan through the CLI, on SQLite and PostgreSQL: defaults (unready,
 * T + 7 days, early off, automatic fallback on), the flags, a deadline after the old certificate's
 * notAfter minus one hour refused with GRACE_AFTER_EXPIRY and nothing stored, the policy shown in the
 * status and audited with the plan step, and a postpone moving the deadline with T.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readCertificates } from '../../src/pki/certificate.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test'], { days: 30 });
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);
const oldNotAfter = readCertificates(encodeCertificatesPem([oldCred.chain[0]!.der]))[0]!.notAfter;
const DAY = 86_400_000;

for (const backend of BACKENDS) {
  test(`a plan's grace policy: defaults, flags, refused deadline after the old expiry, shown and audited (${backend.name})`, {
    timeout: 90_000,
  }, async () => {
    const dir = tempDir('rollover-grace-plan-');
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const w = await buildLandscape(co, dir, oldCred, newCred, 1, 1);
      const flags = ['--server', co.url, '--token', co.adminToken];
      const credDir = await saveCredential(join(dir, 'new'), newCred);
      const T = new Date(Date.now() + 60_000);
      const plan = (...extra: string[]) =>
        cli([
          'renewal',
          'plan',
          '--vs',
          'web',
          '--credential',
          credDir,
          '--exchange-at',
          T.toISOString(),
          '--gate',
          'warn',
          '--json',
          ...extra,
          ...flags,
        ]);

      // A deadline past the old certificate's notAfter minus one hour: refused, nothing stored.
      const late = new Date(oldNotAfter.getTime() - 3_600_000 + 1000).toISOString();
      const refused = await plan('--grace-until', late);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stdout + refused.stderr, /GRACE_AFTER_EXPIRY/);
      assert.match(refused.stdout + refused.stderr, /one hour before the old certificate expires/);
      const before = await plan('--grace-until', new Date(T.getTime() - 1000).toISOString());
      assert.notEqual(before.code, 0);
      assert.match(before.stdout + before.stderr, /must lie after T/);
      assert.equal((await co.call('GET', '/api/v1/renewals')).length, 0, 'nothing stored');
      assert.equal((await co.call('GET', '/api/v1/credentials')).length, 2, 'nothing imported');

      // Defaults.
      const r = await plan();
      assert.equal(r.code, 0, r.stderr);
      const d = r.json();
      assert.equal(d.status.grace.policy, 'unready');
      assert.equal(d.status.grace.graceUntil, new Date(T.getTime() + 7 * DAY).toISOString());
      assert.equal(d.status.grace.early, 'off');
      assert.equal(d.status.grace.autoGrace, true);
      const step = d.steps.find((s: { kind: string }) => s.kind === 'plan');
      assert.equal(step.detail.grace, 'unready');
      assert.equal(step.detail.graceUntil, d.status.grace.graceUntil);
      const audit = await fetch(`${co.url}/api/v1/audit/events`, {
        headers: { authorization: `Bearer ${co.adminToken}` },
      }).then((x) => x.text());
      const planEvent = audit
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .find((e) => e.action === 'renewal.plan' && e.targetId === d.id);
      assert.match(
        JSON.stringify(planEvent?.change),
        /"graceUntil"/,
        'the plan step is audited with its grace policy',
      );
      // The human status shows it.
      const shown = await cli(['renewal', 'status', d.id, ...flags]);
      assert.equal(shown.code, 0, shown.stdout + shown.stderr);
      assert.match(shown.stdout, /grace \(unready\)/);
      assert.match(shown.stdout, /early off, automatic fallback on/);
      await co.call('POST', `/api/v1/renewals/${d.id}/cancel`, { reason: 'next plan' });
      // Cancelled: the status names no instant for removing the old root, and no exchange to come.
      const cancelled = (await cli(['renewal', 'status', d.id, ...flags])).stdout;
      assert.match(cancelled, /exchanged at\s+never \(cancelled\)/);
      assert.match(cancelled, /old root may go\s+never: the renewal was cancelled; keep the old root/);

      // The same through the API (the credential is imported now): grace off (a key compromise), early proven.
      const api = (extra: Record<string, string>) =>
        co.call('POST', '/api/v1/renewals', {
          virtualServerIds: [w.vsId],
          credentialId: w.newCredId,
          exchangeAt: T.toISOString(),
          gate: 'warn',
          ...extra,
        });
      const off = await api({ grace: 'off', early: 'proven' });
      assert.equal(off.status.grace.policy, 'off');
      assert.equal(off.status.grace.graceUntil, null);
      assert.equal(off.status.grace.early, 'proven');
      await co.call('POST', `/api/v1/renewals/${off.id}/cancel`, { reason: 'next plan' });

      // An explicit deadline, automatic fallback off; a postpone moves the deadline with T.
      const until = new Date(T.getTime() + 2 * DAY).toISOString();
      const own = await api({ graceUntil: until, autoGrace: 'off' });
      const id = own.id as string;
      assert.equal(own.status.grace.graceUntil, until);
      assert.equal(own.status.grace.autoGrace, false);
      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      const T2 = new Date(T.getTime() + 3_600_000);
      await co.call('POST', `/api/v1/renewals/${id}/postpone`, { exchangeAt: T2.toISOString() });
      const moved = await co.call('GET', `/api/v1/renewals/${id}`);
      assert.equal(moved.status.grace.graceUntil, new Date(Date.parse(until) + 3_600_000).toISOString());
      // A bad value is a usage error from the API schema.
      const bad = await plan('--grace', 'sometimes');
      assert.notEqual(bad.code, 0);
      assert.match(bad.stdout + bad.stderr, /grace/);
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
