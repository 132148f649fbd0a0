import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CredentialRecord } from '../../src/lb/credential-record.js';
import { stage } from '../../src/lb/slot.js';
import { slotStatus } from '../../src/lb/slot-status.js';
import { SlotTable } from '../../src/lb/slot-table.js';
import { readState, STATE_FILE } from '../../src/lb/state-store.js';
import { tempDir } from '../kit/tmp.js';

const record = (sha256: string): CredentialRecord => ({
  sha256,
  subject: `CN=${sha256}`,
  notAfter: '2027-01-01T00:00:00.000Z',
  rootSha256: 'root',
  keyAlgorithm: 'ec',
  keyPem: '',
  certPem: '',
  rootPem: '',
});
const T = Date.parse('2026-12-01T02:00:00Z');
const vss = [{ name: 'web', hosts: ['web.test'] }];

test('changes run one at a time, each persisted before it is published', async () => {
  const dir = tempDir();
  let now = T - 10_000;
  const table = new SlotTable({ virtualServers: vss, stateDir: dir, clock: { now: () => now } });
  await table.reset({ web: { active: record('old') } });
  const order: string[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const first = table.change(
    'web',
    (s, at) => stage(s, record('new'), T, at),
    async () => {
      order.push('publish 1');
      await gate;
    },
  );
  const second = table.change('web', async (s) => {
    order.push(`second sees ${s.staged?.credential.sha256}`);
    return s;
  });
  // The first change is published (and holds the chain); the second has not started.
  while (order.length === 0) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(order, ['publish 1']);
  assert.equal((await readState(dir))?.virtualServers.web?.staged?.credential.sha256, 'new');
  release();
  await Promise.all([first, second]);
  assert.deepEqual(order, ['publish 1', 'second sees new']);
  now = T + 1;
  assert.equal(slotStatus(table.slot('web'), now, undefined).served.sha256, 'new');
});

test('a change that cannot be persisted changes nothing, and an unknown name is NOT_FOUND', async () => {
  const dir = tempDir();
  const table = new SlotTable({ virtualServers: vss, stateDir: dir, clock: { now: () => T - 1000 } });
  await table.reset({ web: { active: record('old') } });
  // A directory where the state file goes: the atomic rename fails (even for root).
  rmSync(join(dir, STATE_FILE));
  mkdirSync(join(dir, STATE_FILE, 'blocked'), { recursive: true });
  await assert.rejects(table.change('web', (s, at) => stage(s, record('new'), T, at)));
  assert.equal(table.slot('web').staged, undefined);
  assert.throws(() => table.slot('api'), { code: 'NOT_FOUND', message: /this node has web/ });
});

test('the status shows the swap as measured, with its lateness', () => {
  const slot = { active: record('new'), previous: record('old'), lastSwapAt: T };
  const s = slotStatus(slot, T + 5000, { at: T, firstHandshakeAt: T + 3 });
  assert.equal(s.served.sha256, 'new');
  assert.equal(s.previous?.sha256, 'old');
  assert.deepEqual(s.lastSwap, {
    at: new Date(T).toISOString(),
    firstHandshakeAt: new Date(T + 3).toISOString(),
    latenessMs: 3,
  });
  assert.equal(slotStatus(slot, T, undefined).lastSwap, null);
});
