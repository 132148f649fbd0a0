/**
 * The renewal plan's bridge, on SQLite and PostgreSQL: `bridge: off | forward | both` with `bridgeUntil`
 * and the bridge certificates made by `ca cross-sign`. Bad input answers a stable code and plans
 * nothing (no renewal, no credential imported); an accepted plan shows the bridge in the renewal, in
 * its plan step and in the audit log; `rollover renewal plan --bridge … --bridge-until …` sends it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { crossSignRoot } from '../../src/pki/cross-sign.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until as waitUntil } from './harness.js';
import { buildLandscape } from './world.js';

const DAY = 86_400_000;
// The old root expires in 40 days: a bridge deadline past it is refused even when the bridge lasts.
const oldRoot = await mintRoot('Plan Old Root', 'ec-p256', 40);
const newRoot = await mintRoot('Plan New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test'], { days: 30 });
const newCred = await mintCredential(newRoot, ['lb.test']);
const now = new Date();
const forward = await crossSignRoot({ issuer: oldRoot, subject: newRoot.cert, now });
const shortForward = await crossSignRoot({ issuer: oldRoot, subject: newRoot.cert, now, days: 10 });
// The bridge the accepted plan serves: 20 days, so a postpone to day 25 outruns it (but not the grace).
const midForward = await crossSignRoot({ issuer: oldRoot, subject: newRoot.cert, now, days: 20 });
const reverse = await crossSignRoot({ issuer: newRoot, subject: oldRoot.cert, now });
const pem = (c: { der: Uint8Array }) => encodeCertificatesPem([c.der]);

for (const backend of BACKENDS) {
  test(`a renewal plan's bridge: refused bad input plans nothing; an accepted one is stored, shown and audited (${backend.name})`, {
    timeout: 90_000,
  }, async () => {
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const dir = tempDir('rollover-bridge-plan-');
      const w = await buildLandscape(co, dir, oldCred, newCred, 1, 1);
      const exchangeAt = new Date(Date.now() + 60_000).toISOString();
      const at = (days: number) => new Date(Date.now() + days * DAY).toISOString();
      const upload = {
        name: 'new-upload',
        chainPem: encodeCertificatesPem(newCred.chain.map((c) => c.der)),
        rootPem: pem(newCred.root),
        keyPem: privateKeyToPem(newCred.key.keyObject),
      };
      const base = { virtualServerIds: [w.vsId], credential: upload, exchangeAt };
      const credsBefore = (await co.call('GET', '/api/v1/credentials')).length;
      const audit = async () =>
        (
          await fetch(`${co.url}/api/v1/audit/events`, {
            headers: { authorization: `Bearer ${co.adminToken}` },
          })
        ).text();
      const auditBefore = await audit();
      for (const [why, body, status, code] of [
        ['an unknown mode', { bridge: 'sideways' }, 400, 'BAD_ARGUMENT'],
        ['a deadline with the bridge off', { bridgeUntil: at(5) }, 400, 'BAD_ARGUMENT'],
        [
          'forward without a deadline',
          { bridge: 'forward', bridgeForwardPem: pem(forward) },
          400,
          'BAD_ARGUMENT',
        ],
        [
          'forward without the bridge certificate',
          { bridge: 'forward', bridgeUntil: at(5) },
          400,
          'BAD_ARGUMENT',
        ],
        [
          'both without the reverse bridge',
          { bridge: 'both', bridgeUntil: at(5), bridgeForwardPem: pem(forward) },
          400,
          'BAD_ARGUMENT',
        ],
        [
          'a deadline that is not a time',
          { bridge: 'forward', bridgeUntil: 'next week', bridgeForwardPem: pem(forward) },
          400,
          'BAD_TIME',
        ],
        [
          'a deadline before T',
          {
            bridge: 'forward',
            bridgeUntil: new Date(Date.now() + 30_000).toISOString(),
            bridgeForwardPem: pem(forward),
          },
          422,
          'BRIDGE_UNTIL_OUT_OF_RANGE',
        ],
        [
          "a deadline after the bridge's expiry",
          { bridge: 'forward', bridgeUntil: at(20), bridgeForwardPem: pem(shortForward) },
          422,
          'BRIDGE_UNTIL_OUT_OF_RANGE',
        ],
        [
          "a deadline after the old root's expiry",
          { bridge: 'forward', bridgeUntil: at(45), bridgeForwardPem: pem(forward) },
          422,
          'BRIDGE_UNTIL_OUT_OF_RANGE',
        ],
        [
          'the reverse bridge given as the forward one',
          { bridge: 'forward', bridgeUntil: at(5), bridgeForwardPem: pem(reverse) },
          422,
          'BRIDGE_MISMATCH',
        ],
        [
          'the forward bridge given as the reverse one',
          {
            bridge: 'both',
            bridgeUntil: at(5),
            bridgeForwardPem: pem(forward),
            bridgeReversePem: pem(forward),
          },
          422,
          'BRIDGE_MISMATCH',
        ],
      ] as const) {
        const r = await co.call('POST', '/api/v1/renewals', { ...base, ...body }, undefined, status);
        assert.equal(r.code, code, `${why}: ${JSON.stringify(r)}`);
        assert.equal((await co.call('GET', '/api/v1/renewals')).length, 0, `${why}: nothing planned`);
        assert.equal(
          (await co.call('GET', '/api/v1/credentials')).length,
          credsBefore,
          `${why}: nothing imported`,
        );
      }
      assert.equal(await audit(), auditBefore, 'nothing audited for refused plans');

      // The CLI sends the mode, the deadline and the two files with the credential directory.
      writeFileSync(join(dir, 'forward.pem'), pem(midForward));
      writeFileSync(join(dir, 'reverse.pem'), pem(reverse));
      const until = at(14);
      const r = await cli([
        'renewal',
        'plan',
        '--vs',
        w.vsId,
        '--credential',
        await saveCredential(join(dir, 'new'), newCred),
        '--exchange-at',
        exchangeAt,
        '--bridge',
        'both',
        '--bridge-until',
        until,
        '--bridge-forward',
        join(dir, 'forward.pem'),
        '--bridge-reverse',
        join(dir, 'reverse.pem'),
        '--server',
        co.url,
        '--token',
        co.adminToken,
        '--json',
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const planned = r.json();
      assert.deepEqual(planned.bridge, {
        mode: 'both',
        until,
        forward: {
          sha256: midForward.sha256,
          notAfter: midForward.notAfter.toISOString(),
          issuer: midForward.x.issuer,
        },
        reverse: {
          sha256: reverse.sha256,
          notAfter: reverse.notAfter.toISOString(),
          issuer: reverse.x.issuer,
        },
      });
      const again = await co.call('GET', `/api/v1/renewals/${planned.id}`);
      assert.deepEqual(again.bridge, planned.bridge, 'read back from the store');
      const step = again.steps.find((s: { kind: string }) => s.kind === 'plan');
      assert.equal(step.detail.bridge, 'both');
      assert.equal(step.detail.bridgeUntil, until);
      assert.equal(step.detail.bridgeCertificates.forward.sha256, midForward.sha256);
      const planEvent = (await audit()).split('\n').find((l) => l.includes('"renewal.plan"'));
      assert.ok(planEvent?.includes(until), `the plan event names the bridge deadline: ${planEvent}`);
      const shown = await cli([
        'renewal',
        'status',
        planned.id,
        '--server',
        co.url,
        '--token',
        co.adminToken,
      ]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(
        shown.stdout,
        new RegExp(`bridge \\(both\\).*forward bridge until ${until.replace(/\./g, '\\.')}`),
      );

      // Announced, every node stages the bridges with the credential and acknowledges: the old
      // credential carries the reverse bridge until T, the new one the forward bridge until the deadline.
      await co.call('POST', `/api/v1/renewals/${planned.id}/announce`);
      await waitUntil(
        'staged',
        async () => (await co.call('GET', `/api/v1/renewals/${planned.id}`)).state === 'staged',
      );
      const slot = w.node.dataPlane.slot('web');
      assert.equal(slot.active.bridge?.sha256, reverse.sha256);
      assert.equal(slot.active.bridge?.until, Date.parse(exchangeAt));
      assert.equal(slot.staged?.credential.bridge?.sha256, midForward.sha256);
      assert.equal(slot.staged?.credential.bridge?.until, Date.parse(until));
      // A client that already replaced the old root with the new one accepts the old leaf now.
      const ok = await new Promise<boolean>((resolve) => {
        const s = connect({
          host: '127.0.0.1',
          port: w.listenPort,
          ca: pem(newRoot.cert),
          servername: 'lb.test',
        });
        s.once('secureConnect', () => {
          resolve(
            s.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase() ===
              oldCred.chain[0]!.sha256,
          );
          s.end();
        });
        s.once('error', () => resolve(false));
      });
      assert.ok(ok, 'the old leaf with the reverse bridge validates to the new root');
      // A postpone moves the bridge deadline with T; one past what the bridges and the old root allow is
      // refused and changes nothing.
      const later = new Date(Date.parse(exchangeAt) + 5000).toISOString();
      await co.call('POST', `/api/v1/renewals/${planned.id}/postpone`, { exchangeAt: later });
      const moved = await co.call('GET', `/api/v1/renewals/${planned.id}`);
      assert.equal(moved.bridge.until, new Date(Date.parse(until) + 5000).toISOString());
      const tooLate = await co.call(
        'POST',
        `/api/v1/renewals/${planned.id}/postpone`,
        { exchangeAt: at(25) },
        undefined,
        422,
      );
      assert.equal(tooLate.code, 'BRIDGE_UNTIL_OUT_OF_RANGE');
      const still = await co.call('GET', `/api/v1/renewals/${planned.id}`);
      assert.equal(still.exchangeAt, later);
      assert.deepEqual(still.bridge, moved.bridge);
      await waitUntil('staged again', async () => {
        const slot = w.node.dataPlane.slot('web');
        return (
          slot.staged?.activateAt === Date.parse(later) &&
          slot.staged.credential.bridge?.until === Date.parse(moved.bridge.until)
        );
      });
      assert.equal(
        w.node.dataPlane.slot('web').active.bridge?.until,
        Date.parse(later),
        'the reverse bridge until the new T',
      );
      // The sender kit explains the bridge: nothing to do, and the deadline that matters.
      const howto = await (
        await fetch(`${co.url}/api/v1/renewals/${planned.id}/kit/INSTRUCTIONS.md`, {
          headers: { authorization: `Bearer ${co.adminToken}` },
        })
      ).text();
      assert.match(
        howto,
        new RegExp(
          `Bridge until ${moved.bridge.until.replace(/\./g, '\\.')}:\\*\\* there is nothing extra to do`,
        ),
      );
      assert.match(howto, /That instant, not the exchange time, is\sthe deadline that matters/);
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
