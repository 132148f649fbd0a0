/**
 * The control face through the CLI: status, stage, unstage, activate, rollback against a running
 * node found by --state-dir; staging a credential that fails the checks is refused and changes
 * nothing (neither the served state nor the state file).
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { STATE_FILE } from '../../src/lb/state-store.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { oneServerConfig, startBackend, startNode } from './kit.js';

const dir = tempDir();
const oldRoot = await mintRoot('Old Root');
const newRoot = await mintRoot('New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const stateDir = join(dir, 'state');
const backend = await startBackend();
await startNode(
  oneServerConfig({
    stateDir,
    credential: await saveCredential(join(dir, 'old'), oldCred),
    backends: [backend.url],
  }),
);
const T = new Date(Date.now() + 3_600_000).toISOString();
const status = async () => (await cli(['lb', 'status', '--state-dir', stateDir, '--json'])).json();

test('the control token and the state file are readable by the owner only', () => {
  assert.equal(statSync(join(stateDir, 'control.json')).mode & 0o777, 0o600);
  assert.equal(statSync(join(stateDir, STATE_FILE)).mode & 0o777, 0o600);
});

test('lb status reports the served certificate and the node clock', async () => {
  const s = await status();
  assert.equal(s.virtualServers[0].served.sha256, oldCred.chain[0]!.sha256);
  assert.equal(s.virtualServers[0].staged, null);
  assert.ok(Math.abs(Date.parse(s.clock) - Date.now()) < 5000);
  const text = await cli(['lb', 'status', '--state-dir', stateDir]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, new RegExp(`served +${oldCred.chain[0]!.sha256}`));
});

for (const [what, make, code] of [
  ['a credential for another host', () => mintCredential(newRoot, ['other.test']), 'HOST_NOT_COVERED'],
  [
    'an expired credential',
    () => mintCredential(newRoot, ['lb.test'], { now: new Date(Date.now() - 200 * 86_400_000), days: 30 }),
    'EXPIRED',
  ],
  [
    'a credential whose key does not match',
    async () => ({ ...(await mintCredential(newRoot, ['lb.test'])), key: oldCred.key }),
    'KEY_MISMATCH',
  ],
] as const) {
  test(`lb stage refuses ${what} and nothing changes`, async () => {
    const before = readFileSync(join(stateDir, STATE_FILE));
    const credDir = await saveCredential(join(dir, `bad-${code}`), await make());
    const r = await cli(['lb', 'stage', '--state-dir', stateDir, '--credential', credDir, '--at', T]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`error\\[${code}\\]`));
    assert.deepEqual(readFileSync(join(stateDir, STATE_FILE)), before);
    assert.equal((await status()).virtualServers[0].staged, null);
  });
}

test('lb stage refuses a credential that is no longer valid at T', async () => {
  const credDir = await saveCredential(
    join(dir, 'short'),
    await mintCredential(newRoot, ['lb.test'], { days: 1 }),
  );
  const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const r = await cli([
    'lb',
    'stage',
    '--state-dir',
    stateDir,
    '--credential',
    credDir,
    '--at',
    at,
    '--json',
  ]);
  assert.equal(r.code, 1);
  assert.equal(r.json().error.code, 'EXPIRED');
});

test('lb stage refuses an instant that is not on the calendar, naming it, and nothing changes', async () => {
  const before = readFileSync(join(stateDir, STATE_FILE));
  const credDir = await saveCredential(join(dir, 'calendar'), newCred);
  const r = await cli([
    'lb',
    'stage',
    '--state-dir',
    stateDir,
    '--credential',
    credDir,
    '--at',
    '2027-02-30T00:00:00Z',
  ]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /error\[BAD_TIME\].*"2027-02-30T00:00:00Z"/);
  assert.deepEqual(readFileSync(join(stateDir, STATE_FILE)), before);
});

test('lb stage, unstage, stage, activate and rollback drive the slot', async () => {
  const newDir = await saveCredential(join(dir, 'new'), newCred);
  const NEW = newCred.chain[0]!.sha256;
  const OLD = oldCred.chain[0]!.sha256;
  const staged = await cli([
    'lb',
    'stage',
    '--state-dir',
    stateDir,
    '--credential',
    newDir,
    '--at',
    T,
    '--json',
  ]);
  assert.equal(staged.code, 0, staged.stderr);
  assert.equal(staged.json().staged.sha256, NEW);
  assert.equal(staged.json().staged.activateAt, T);
  assert.equal(staged.json().served.sha256, OLD);
  const state = JSON.parse(readFileSync(join(stateDir, STATE_FILE), 'utf8'));
  assert.equal(state.virtualServers.web.staged.activateAt, Date.parse(T));

  assert.equal((await cli(['lb', 'unstage', '--state-dir', stateDir])).code, 0);
  assert.equal((await status()).virtualServers[0].staged, null);
  const again = await cli(['lb', 'unstage', '--state-dir', stateDir]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /nothing to do/);

  assert.equal(
    (await cli(['lb', 'stage', '--state-dir', stateDir, '--credential', newDir, '--at', T])).code,
    0,
  );
  const activated = await cli(['lb', 'activate', '--state-dir', stateDir, '--json']);
  assert.equal(activated.json().served.sha256, NEW);
  assert.equal(activated.json().previous.sha256, OLD);

  const rolled = await cli(['lb', 'rollback', '--state-dir', stateDir, '--json']);
  assert.equal(rolled.json().served.sha256, OLD);
  assert.equal(rolled.json().previous.sha256, NEW);
});

test('a control call without the token is refused', async () => {
  const { url } = JSON.parse(readFileSync(join(stateDir, 'control.json'), 'utf8'));
  const res = await fetch(`${url}/v1/status`);
  assert.equal(res.status, 401);
  const bad = await fetch(`${url}/v1/status`, { headers: { authorization: 'Bearer nope' } });
  assert.equal(bad.status, 401);
});

test('lb status names the state directory when no data plane runs there', async () => {
  const r = await cli(['lb', 'status', '--state-dir', join(dir, 'nothing')]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /error\[FILE_NOT_FOUND\][^\n]*\n {2}hint: is `rollover lb run --state-dir [^`]+` running\?/,
  );
});
