/**
 * `rollover demo --bridge` against a running `rollover up`: bridges both ways, and `globex-ledger`
 * (which never adds the new root) fails nothing between T and the bridge deadline and fails after it;
 * the senders that added the new root fail nothing at all.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startUp } from '../../src/main/up.js';
import { systemClock } from '../../src/shared/time.js';
import { cli } from '../kit/cli.js';
import { freePort } from '../kit/net.js';
import { tempDir } from '../kit/tmp.js';

test('demo --bridge: the straggler fails nothing until the bridge deadline and fails after it; ready senders never fail', async () => {
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
    const r = await cli(['demo', '--data-dir', dataDir, '--speed', 'fast', '--bridge', '--json'], {
      cwd: dir,
    });
    assert.equal(r.code, 0, `${r.stderr}${r.stdout}`);
    assert.match(
      r.stderr,
      /rollover ca cross-sign --ca .* --subject-ca .*new-root --out .*bridge-forward\.pem/,
    );
    assert.match(
      r.stderr,
      /rollover ca cross-sign --ca .*new-root --subject-ca .* --out .*bridge-reverse\.pem/,
    );
    const report = r.json();
    assert.equal(report.finalState, 'completed');
    assert.equal(report.bridge.mode, 'both');
    assert.equal(Date.parse(report.bridge.until) - Date.parse(report.exchangeAt), 6000);
    const ledger = report.senders.find((s: { name: string }) => s.name === 'globex-ledger');
    assert.equal(ledger.ready, false, 'handshakes through the bridge do not make it ready');
    assert.equal(ledger.failuresBeforeT, 0);
    assert.equal(ledger.failuresDuringBridge, 0, 'nothing fails between T and the bridge deadline');
    assert.ok(ledger.requestsAfterT > ledger.failuresAfterBridge, 'it worked after T, through the bridge');
    assert.ok(ledger.failuresAfterBridge > 0, 'it fails after the bridge deadline');
    assert.ok(ledger.attributedFailuresAfterT > 0, 'the coordinator attributed them');
    // The late sender proves after T (as a rule inside the bridge period): the bridge carried it until then.
    const late = report.senders.find((s: { name: string }) => s.name === 'acme-invoices');
    assert.ok(Date.parse(late.provedAfterT.at) > Date.parse(report.exchangeAt));
    assert.equal(late.ready, true);
    assert.equal(late.failuresBeforeT + late.failuresDuringBridge, 0, 'the bridge carried the late sender');
    for (const s of report.senders.filter(
      (x: { name: string }) => !['globex-ledger', 'acme-invoices'].includes(x.name),
    )) {
      assert.equal(s.ready, true, s.name);
      assert.equal(s.failuresBeforeT + s.failuresAfterT, 0, `${s.name} saw no failure`);
    }
    const human = await cli(['demo', '--data-dir', dataDir, '--speed', 'fast', '--bridge'], { cwd: dir });
    assert.equal(human.code, 0, `${human.stderr}${human.stdout}`);
    assert.match(human.stdout, /globex-ledger\s+failed between T and the bridge deadline 0, after it [1-9]/);
  } finally {
    await up.close();
  }
});
