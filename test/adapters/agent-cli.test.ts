/**
 * `rollover lb agent` as an operator runs it: a real HAProxy, the agent as its own process, and the
 * same `rollover lb stage|status --state-dir` commands as for the built-in node.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { haproxyPem } from '../../src/adapters/haproxy/driver.js';
import { observeLeaf } from '../../src/adapters/observe.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { formatInstant } from '../../src/shared/time.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { onFileEnd } from '../kit/cleanup.js';
import { cli } from '../kit/cli.js';
import { type HaproxyProcess, startHaproxy } from '../kit/haproxy.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const bin = join(process.cwd(), 'bin', 'rollover.js');
const stateDir = join(dir, 'state');
let haproxy: HaproxyProcess;
let agent: ChildProcess;
let oldSha = '';
let newSha = '';

describe('rollover lb agent beside a real HAProxy', () => {
  before(async () => {
    const oldCred = await mintCredential(await mintRoot('Agent Old Root'), ['lb.test']);
    const newCred = await mintCredential(await mintRoot('Agent New Root'), ['lb.test']);
    oldSha = oldCred.chain[0]!.sha256;
    newSha = newCred.chain[0]!.sha256;
    await saveCredential(join(dir, 'old'), oldCred);
    await saveCredential(join(dir, 'new'), newCred);
    const crt = join(dir, 'vs1.pem');
    writeFileSync(crt, haproxyPem(recordFromCredential(oldCred)), { mode: 0o600 });
    const backend = await startBackend();
    haproxy = await startHaproxy({ dir, port: await freePort(), crtPath: crt, backendPort: backend.port });
    writeFileSync(
      join(dir, 'agent.json'),
      JSON.stringify({
        kind: 'haproxy',
        stateDir,
        socket: haproxy.socketPath,
        prepareLeadMs: 300,
        virtualServers: [
          {
            name: 'vs1',
            hosts: ['lb.test'],
            listen: `127.0.0.1:${haproxy.port}`,
            credential: join(dir, 'old'),
            crt,
          },
        ],
      }),
    );
    agent = spawn(
      process.execPath,
      [bin, 'lb', 'agent', '--config', join(dir, 'agent.json'), '--log-level', 'warn'],
      { stdio: 'ignore' },
    );
    onFileEnd(async () => {
      if (agent.exitCode === null) {
        agent.kill('SIGTERM');
        await new Promise((r) => agent.once('exit', r));
      }
    });
    await waitFor(async () => existsSync(join(stateDir, 'control.json')), 'the agent to write control.json');
  });

  test('lb stage through the agent swaps HAProxy at T, and lb status reports it', async () => {
    const before = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
    assert.equal(before.code, 0, before.stderr);
    assert.equal(before.json().virtualServers[0].active.sha256, oldSha);
    const at = new Date(Date.now() + 1200);
    const staged = await cli([
      'lb',
      'stage',
      '--state-dir',
      stateDir,
      '--credential',
      join(dir, 'new'),
      '--at',
      formatInstant(at),
    ]);
    assert.equal(staged.code, 0, staged.stderr + staged.stdout);
    assert.equal(
      await observeLeaf({ host: '127.0.0.1', port: haproxy.port, servername: 'lb.test' }),
      oldSha,
      'old before T',
    );
    await waitFor(
      async () =>
        (await observeLeaf({ host: '127.0.0.1', port: haproxy.port, servername: 'lb.test' })) === newSha,
      'new after T',
    );
    assert.ok(Date.now() >= at.getTime());
    const after = await waitFor(async () => {
      const r = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
      const vs = r.json().virtualServers[0];
      return vs.staged === null && vs.active.sha256 === newSha ? vs : undefined;
    }, 'the slot to settle');
    assert.equal(after.kind, 'haproxy');
    assert.equal(after.observedSha256, newSha);
  });

  test('grace entries need route mode: the commit-mode agent answers NOT_YET and changes nothing', async () => {
    const until = formatInstant(new Date(Date.now() + 3_600_000));
    const r = await cli(['lb', 'grace', '--state-dir', stateDir, '--add', '127.0.0.3', '--until', until]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /NOT_YET/);
    const st = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
    assert.equal(st.json().virtualServers[0].exceptions, undefined);
  });

  test('a bad configuration is refused with a message that names the field', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ kind: 'haproxy', stateDir, virtualServers: [] }));
    const r = await cli(['lb', 'agent', '--config', join(dir, 'bad.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[BAD_ARGUMENT\]: .*bad\.json: (socket|virtualServers)/);
  });
});
