/**
 * Postpone, immediate exchange and rollback through the CLI against a coordinator and a built-in LB
 * node, on SQLite and PostgreSQL: a postpone re-stages on the node and re-announces with the next
 * calendar SEQUENCE; `exchange --now` switches the node and is verified by a handshake; `rollback`
 * brings the old certificate back.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { observeLeaf } from '../../src/adapters/observe.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);

for (const backend of BACKENDS) {
  test(`postpone re-stages and re-announces, exchange --now is verified, rollback restores the old certificate (${backend.name})`, {
    timeout: 90_000,
  }, async () => {
    const dir = tempDir('rollover-exchange-');
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const w = await buildLandscape(co, dir, oldCred, newCred, 1, 1);
      const flags = ['--server', co.url, '--token', co.adminToken];
      const rcli = async (...args: string[]) => {
        const r = await cli(['renewal', ...args, ...flags]);
        assert.equal(r.code, 0, r.stderr);
        return r;
      };
      const credDir = await saveCredential(join(dir, 'new'), newCred);
      const T = new Date(Date.now() + 30_000).toISOString();
      const planned = (
        await rcli(
          'plan',
          '--vs',
          'web',
          '--credential',
          credDir,
          '--exchange-at',
          T,
          '--rollback-window',
          '60s',
          '--gate',
          'warn',
          '--json',
        )
      ).json();
      assert.equal(planned.state, 'planned');
      const id = planned.id as string;
      await rcli('announce', id);
      await until('staged', async () => (await co.call('GET', `/api/v1/renewals/${id}`)).state === 'staged');
      const T2 = new Date(Date.now() + 40_000).toISOString();
      await rcli('postpone', id, '--exchange-at', T2);
      const afterPostpone = await co.call('GET', `/api/v1/renewals/${id}`);
      assert.equal(afterPostpone.sequence, 1);
      assert.equal(afterPostpone.gate.decided, false, 'the gate runs again before the new T');
      await until(
        're-staged',
        async () => (await co.call('GET', `/api/v1/renewals/${id}`)).state === 'staged',
      );
      const st = (await w.node.dataPlane.status()).virtualServers[0]!;
      assert.equal(st.staged?.activateAt, T2);
      // The virtual server's own record moved too (nodes that pull their state are staged from it).
      const vs = await co.store.inventory.virtualServerByRef('web');
      assert.equal(vs?.activateAt, T2);
      // The tenant admin is told twice: the announcement and the postponed one, whose .ics says SEQUENCE:1.
      const mails = await until('two announcements', async () =>
        smtp.to('admin@t0.test').length >= 2 ? smtp.to('admin@t0.test') : undefined,
      );
      assert.ok(
        mails.some((m) =>
          /SEQUENCE:1/.test(
            Buffer.from(
              (
                /Content-Type: text\/calendar[\s\S]*?\r?\n\r?\n([A-Za-z0-9+/=\r\n]+)/.exec(m.raw)?.[1] ?? ''
              ).replace(/\s/g, ''),
              'base64',
            ).toString() + m.flat,
          ),
        ),
      );
      // Exchange now: the node serves the new certificate, verified by a handshake.
      await rcli('exchange', id, '--now');
      await until(
        'verified',
        async () => (await co.call('GET', `/api/v1/renewals/${id}`)).state === 'verified',
      );
      assert.equal(
        await observeLeaf({ host: '127.0.0.1', port: w.listenPort, servername: 'lb.test' }),
        newCred.chain[0]!.sha256,
      );
      // Rollback within the window.
      await rcli('rollback', id);
      const status = (await rcli('status', id, '--json')).json();
      // The human form shows it per tenant and per sender.
      const human = (await rcli('status', id)).stdout;
      assert.match(human, /renewal .*: rolled-back/);
      assert.match(
        human,
        /tenant tenant0 \(ten_[^)]+\)\s+forwarded|tenant tenant0 \(ten_[^)]+\)\s+not forwarded yet/,
      );
      assert.match(human, /s0-0\s+rolled-back/);
      assert.equal(status.state, 'rolled-back');
      assert.equal(
        await observeLeaf({ host: '127.0.0.1', port: w.listenPort, servername: 'lb.test' }),
        oldCred.chain[0]!.sha256,
      );
      assert.deepEqual(
        status.steps
          .map((s: { kind: string }) => s.kind)
          .filter((k: string) =>
            ['plan', 'announce', 'postpone', 'exchange', 'verify', 'rollback'].includes(k),
          ),
        ['plan', 'announce', 'postpone', 'exchange', 'verify', 'rollback'],
      );
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
