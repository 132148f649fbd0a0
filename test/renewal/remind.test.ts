/**
 * "Remind" (tenant inbox, `rollover renewal remind`, POST /renewals/{id}/remind), on SQLite and
 * PostgreSQL with a real SMTP conversation: a tenant admin reminds its senders whose admin has the
 * next move; the mail reaches their contacts; a second press within 15 minutes sends nothing and says
 * until when; a sender whose tenant has not forwarded the renewal is not reminded (its tenant admin
 * has the move); another tenant's senders are not found; the steps say who reminded whom, each
 * sender's step visible only to its own tenant.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);

// biome-ignore lint/suspicious/noExplicitAny: API answers
type Any = any;

for (const backend of BACKENDS) {
  test(`a tenant admin reminds the senders that have something to do (${backend.name})`, {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir('rollover-remind-');
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const w = await buildLandscape(co, dir, oldCred, newCred, 2, 2);
      const [t0, t1] = [w.tenants[0]!, w.tenants[1]!];
      const [a, b, c] = [w.senders[0]!, w.senders[1]!, w.senders[2]!];
      const planned = await co.call('POST', '/api/v1/renewals', {
        virtualServerIds: [w.vsId],
        credentialId: w.newCredId,
        exchangeAt: new Date(Date.now() + 3_600_000).toISOString(),
        gate: 'warn',
      });
      const id = planned.id as string;
      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      await co.call('POST', `/api/v1/renewals/${id}/forward`, { tenantId: t0.id }, t0.adminToken);
      await until('forward mails', async () => smtp.mails.some((m) => m.to.includes('ops@s0-1.test')));
      const before = smtp.mails.length;

      // tenant0's admin reminds its tenant: both senders (told, not proven) are reminded, by mail.
      const first = await cli([
        'renewal',
        'remind',
        id,
        '--tenant',
        t0.id,
        '--server',
        co.url,
        '--token',
        t0.adminToken,
      ]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /reminded 2 sender\(s\)/);
      const reminders = await until('reminder mails', async () => {
        const m = smtp.mails.slice(before).filter((x) => /\[reminder\]/.test(x.flat));
        return m.length >= 2 ? m : undefined;
      });
      assert.deepEqual(reminders.flatMap((m) => m.to).sort(), ['ops@s0-0.test', 'ops@s0-1.test']);
      // The subject gives T for a person to read, not a raw ISO string.
      assert.match(
        reminders[0]!.flat.replace(/\r\n[ \t]+/g, ' '),
        /Subject: \[reminder\] \[action needed\] Add the new root for \S+ before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{3})? UTC\r\n/,
      );

      // Pressed again: nothing is sent, and the answer says from when it may go again.
      const again = await co.call(
        'POST',
        `/api/v1/renewals/${id}/remind`,
        { senderIds: [a.id] },
        t0.adminToken,
        409,
      );
      assert.equal(again.code, 'NOTHING_TO_REMIND');
      assert.match(again.detail, /reminded at .*again from/);

      // tenant1 has not forwarded: its senders' next move is their tenant admin's, not theirs.
      const untold = await co.call(
        'POST',
        `/api/v1/renewals/${id}/remind`,
        { tenantId: t1.id },
        undefined,
        409,
      );
      assert.match(untold.detail, /next: tenant-admin/);
      // Another tenant's sender is not found for tenant0's admin (nothing leaks); a sender admin may not remind.
      await co.call('POST', `/api/v1/renewals/${id}/remind`, { senderIds: [c.id] }, t0.adminToken, 404);
      await co.call('POST', `/api/v1/renewals/${id}/remind`, { senderIds: [b.id] }, b.adminToken, 404);

      // The steps say who reminded whom; tenant1's admin sees none of tenant0's.
      const steps = (tok: string): Promise<Any[]> =>
        co.call('GET', `/api/v1/renewals/${id}`, undefined, tok).then((d: Any) => d.steps);
      const mine = (await steps(t0.adminToken)).filter((s) => s.kind === 'remind');
      assert.deepEqual(mine.map((s) => s.detail.sender).sort(), [a.id, b.id].sort());
      assert.equal(mine[0].step, 4);
      assert.deepEqual(
        (await steps(t1.adminToken)).filter((s) => s.kind === 'remind'),
        [],
      );
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
