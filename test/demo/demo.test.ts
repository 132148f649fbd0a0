/**
 * `rollover demo --speed fast --json` against a running `rollover up`, held against what an
 * independent client observes on its own: its handshakes and the leaf served before and after T.
 * With grace the straggler and the late sender (which proves only after T) fail nothing, and the late
 * sender is served the new certificate within seconds of its proof; with `--grace off` both fail.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { startUp } from '../../src/main/up.js';
import { systemClock } from '../../src/shared/time.js';
import { cli } from '../kit/cli.js';
import { freePort } from '../kit/net.js';
import { observeHandshakes } from '../kit/observer.js';
import { tempDir } from '../kit/tmp.js';

test('the demo runs the six steps under live traffic twice on one data directory, an outside observer agrees with its report, and it prints no token', async () => {
  const dir = tempDir();
  const dataDir = join(dir, 'rollover-data');
  const up = await startUp({
    dataDir,
    listen: `127.0.0.1:${await freePort()}`,
    lbListen: `127.0.0.1:${await freePort()}`,
    previewListen: `127.0.0.1:${await freePort()}`,
    backendListen: `127.0.0.1:${await freePort()}`,
    env: {},
    cwd: dir,
    clock: systemClock,
    log: () => {},
  });
  try {
    const tokenDir = join(dataDir, 'demo', 'tokens');
    const tokens = readdirSync(tokenDir).map((f) => readFileSync(join(tokenDir, f), 'utf8').trim());
    assert.ok(tokens.length > 0);
    const renewals = new Set<string>();
    // The second run starts from what the first left: the new root served, one straggler behind.
    for (const run of [1, 2]) {
      const [host, port] = up.landscape.virtualServer.listen.split(':') as [string, string];
      let demoDone = false;
      const observer = (async () => {
        const all = [];
        while (!demoDone)
          all.push(
            ...(await observeHandshakes({
              host,
              port: Number(port),
              servername: 'shop.rollover.test',
              until: Date.now() + 1000,
              concurrency: 1,
            })),
          );
        return all;
      })();
      // The first run with grace (the default), the second as the seed's process: one T for everybody.
      const r = await cli(
        [
          'demo',
          '--data-dir',
          dataDir,
          '--speed',
          'fast',
          '--json',
          ...(run === 2 ? ['--grace', 'off'] : []),
        ],
        { cwd: dir },
      );
      assert.ok(
        tokens.every((t) => !r.stdout.includes(t) && !r.stderr.includes(t)),
        `run ${run}: no bearer token in the demo's output`,
      );
      demoDone = true;
      const seen = await observer;
      assert.equal(r.code, 0, `run ${run}: ${r.stderr}${r.stdout}`);
      const report = r.json();

      // Exactly one entry per seed step, in order, each by its role.
      assert.deepEqual(
        report.steps.map((s: { step: number; role: string }) => [s.step, s.role]),
        [
          [1, 'lb-admin'],
          [2, 'lb-admin'],
          [3, 'tenant-admin'],
          [4, 'sender-admin'],
          [5, 'lb-admin'],
          [6, 'sender-admin'],
        ],
      );
      assert.equal(report.finalState, 'completed');
      assert.equal(report.steps[2].tenants.length, 2, 'one hop per tenant');

      // What the observer saw on its own: the old leaf before T, the new one after, nothing else.
      const T = Date.parse(report.exchangeAt);
      const before = new Set(seen.filter((o) => o.doneAt < T).map((o) => o.sha256));
      const after = new Set(seen.filter((o) => o.startedAt > T + 100).map((o) => o.sha256));
      assert.deepEqual(
        seen.filter((o) => o.error).map((o) => o.error),
        [],
        `run ${run}: the observer's own handshakes all succeeded`,
      );
      assert.deepEqual([...before], [report.oldLeafSha256]);
      assert.deepEqual([...after], [report.newLeafSha256]);
      assert.deepEqual(
        seen.filter((o) => o.error),
        [],
      );

      // Every sender proven before T saw no failure; the straggler failed after T (without grace), and
      // that was attributed to it alone.
      assert.equal(report.senders.length, 5);
      const late = report.senders.find((s: { name: string }) => s.name === 'acme-invoices');
      const ready = report.senders.filter((s: { ready: boolean; name: string }) => s.ready && s !== late);
      const stragglers = report.senders.filter((s: { ready: boolean }) => !s.ready);
      assert.equal(ready.length, 3);
      for (const s of ready) assert.equal(s.graceUntil, null, `${s.name} was not in grace`);
      // The late sender: not ready at the gate, proven after T, ready at the end; it never failed before T.
      assert.equal(late.ready, true, 'the late sender is proven at the end');
      assert.equal(late.failuresBeforeT, 0);
      assert.ok(Date.parse(late.provedAfterT.at) > T, 'its proof was recorded after T');
      assert.ok(
        (late.servedBeforeAndAfter[report.newLeafSha256] ?? 0) > 0,
        'it was served the new certificate',
      );
      for (const s of ready) {
        assert.equal(s.failuresAfterT + s.failuresBeforeT, 0, `${s.name} saw no failure`);
        assert.ok(s.requestsBeforeT > 0 && s.requestsAfterT > 0, `${s.name} sent before and after T`);
        assert.equal(s.attributedFailuresAfterT, 0);
      }
      assert.equal(stragglers.length, 1);
      assert.equal(stragglers[0].failuresBeforeT, 0);
      if (run === 1) {
        // Grace: the straggler is served the old certificate after T and fails nothing.
        assert.equal(report.grace.policy, 'unready');
        assert.equal(stragglers[0].failuresAfterT, 0, 'the straggler in grace fails nothing');
        assert.ok(stragglers[0].servedOldAfterT > 0, 'the straggler was served the old certificate after T');
        assert.equal(stragglers[0].graceUntil, report.grace.until);
        assert.ok(Date.parse(report.grace.until) > T);
        for (const s of ready)
          assert.equal(s.servedOldAfterT, 0, `${s.name} got the new certificate after T`);
        // The late sender: in grace at T, the new certificate within seconds of its proof, no failure.
        assert.equal(late.graceUntil, report.grace.until, 'the late sender was in grace at T');
        assert.ok(late.servedOldAfterT > 0, 'the late sender was served the old certificate after T');
        assert.equal(late.failuresAfterT, 0, 'the late sender in grace fails nothing');
        assert.equal(late.provedAfterT.inGrace, true);
        assert.ok(
          Date.parse(late.provedAfterT.firstNewHandshakeAt) >= Date.parse(late.provedAfterT.at),
          'the new certificate only after the proof',
        );
        assert.equal(
          late.provedAfterT.delayMs,
          Date.parse(late.provedAfterT.firstNewHandshakeAt) - Date.parse(late.provedAfterT.at),
        );
        assert.ok(late.provedAfterT.delayMs < 5000, `moved ${late.provedAfterT.delayMs} ms after its proof`);
        const step5 = report.steps[4];
        assert.equal(step5.lateProof.sender, 'acme-invoices');
        assert.equal(step5.lateProof.delayMs, late.provedAfterT.delayMs);
      } else {
        assert.equal(report.grace.policy, 'off');
        assert.ok(stragglers[0].failuresAfterT > 0);
        assert.ok(
          stragglers[0].attributedFailuresAfterT > 0,
          'the coordinator attributed the failures to the straggler',
        );
        // Without grace the late sender is served the new certificate from T and fails until it adds the root.
        assert.equal(stragglers[0].graceUntil, null);
        assert.equal(late.graceUntil, null);
        assert.equal(late.servedOldAfterT, 0);
        assert.ok(late.failuresAfterT > 0, 'without grace the late sender fails after T');
        assert.equal(late.provedAfterT.inGrace, false);
        assert.equal(late.provedAfterT.delayMs, null);
      }
      assert.equal(typeof report.swap.latenessMs, 'number', 'the first new handshake after T was seen');
      assert.ok(report.swap.latenessMs >= 0);
      renewals.add(report.renewalId);
    }
    assert.equal(renewals.size, 2, 'each run is its own renewal');
  } finally {
    await up.close();
  }
});
