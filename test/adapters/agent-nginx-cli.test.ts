/**
 * `rollover lb agent` beside a real nginx in time mode as an operator runs it: `lb stage`, `lb early`
 * and `lb grace --auto` through the agent process; nginx serves each client address its credential by
 * its own clock, and a client refusing the new certificate (nginx's error log) is put into grace.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { formatInstant } from '../../src/shared/time.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { onFileEnd } from '../kit/cleanup.js';
import { cli } from '../kit/cli.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { startNginx } from '../kit/nginx.js';
import { handshakeFrom } from '../kit/observer.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const bin = join(process.cwd(), 'bin', 'rollover.js');
const stateDir = join(dir, 'state');
let port = 0;
let oldSha = '';
let newSha = '';
let roots: string[] = [];

describe('rollover lb agent beside nginx in time mode', () => {
  before(async () => {
    const oldCred = await mintCredential(await mintRoot('Nginx Agent Old Root'), ['lb.test']);
    const newCred = await mintCredential(await mintRoot('Nginx Agent New Root'), ['lb.test']);
    oldSha = oldCred.chain[0]!.sha256;
    newSha = newCred.chain[0]!.sha256;
    roots = [oldCred, newCred].map((c) => recordFromCredential(c).rootPem);
    await saveCredential(join(dir, 'old'), oldCred);
    await saveCredential(join(dir, 'new'), newCred);
    chmodSync(dir, 0o755);
    const ndir = join(dir, 'nginx');
    mkdirSync(ndir);
    const errorLog = join(ndir, 'vs1-error.log');
    port = await freePort();
    const backend = await startBackend();
    const n = await startNginx({
      dir: ndir,
      port,
      backendPort: backend.port,
      serverName: 'lb.test',
      timeSwitch: { name: 'vs1', initial: recordFromCredential(oldCred) },
      serverErrorLog: errorLog,
    });
    writeFileSync(
      join(dir, 'agent.json'),
      JSON.stringify({
        kind: 'nginx',
        nginxMode: 'time',
        reloadBatchMs: 500,
        stateDir,
        pidFile: n.pidFile,
        virtualServers: [
          {
            name: 'vs1',
            hosts: ['lb.test'],
            listen: `127.0.0.1:${port}`,
            credential: join(dir, 'old'),
            dir: ndir,
            fileOwner: '65534:65534',
            errorLog,
          },
        ],
      }),
    );
    const agent: ChildProcess = spawn(
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

  test('stage, early and automatic fallback through the agent process', async () => {
    const from = (a: string, ca = roots) =>
      handshakeFrom({ localAddress: a, port, servername: 'lb.test', ca });
    const T = Date.now() + 5000;
    const staged = await cli([
      'lb',
      'stage',
      '--state-dir',
      stateDir,
      '--credential',
      join(dir, 'new'),
      '--at',
      formatInstant(new Date(T)),
    ]);
    assert.equal(staged.code, 0, staged.stderr + staged.stdout);
    const early = await cli(['lb', 'early', '--state-dir', stateDir, '--add', '127.0.0.4']);
    assert.equal(early.code, 0, early.stderr + early.stdout);
    const auto = await cli([
      'lb',
      'grace',
      '--state-dir',
      stateDir,
      '--auto',
      formatInstant(new Date(T + 60_000)),
    ]);
    assert.equal(auto.code, 0, auto.stderr + auto.stdout);
    await waitFor(async () => {
      for (let i = 0; i < 5; i++) if ((await from('127.0.0.4', [roots[1]!])).sha256 !== newSha) return false;
      return true;
    }, 'the early entry (a batched reload)');
    assert.ok(Date.now() < T - 300, 'checked before T');
    assert.equal((await from('127.0.0.2')).sha256, oldSha, 'others old before T');
    await new Promise((r) => setTimeout(r, T + 200 - Date.now()));
    assert.equal((await from('127.0.0.2')).sha256, newSha, 'new after T, with no reload at T');
    const oldRoot = join(dir, 'old-root.pem');
    writeFileSync(oldRoot, roots[0]!);
    const curl = () =>
      new Promise<number>((resolve) => {
        execFile(
          'curl',
          [
            '-s',
            '-o',
            '/dev/null',
            '--interface',
            '127.0.0.6',
            '--cacert',
            oldRoot,
            '--resolve',
            `lb.test:${port}:127.0.0.1`,
            `https://lb.test:${port}/`,
          ],
          (e) => resolve(e ? Number((e as { code?: number }).code ?? -1) : 0),
        );
      });
    assert.equal(await curl(), 60, 'a straggler refuses the new certificate');
    await waitFor(async () => (await curl()) === 0, 'the agent to grace it (error log, then a reload)');
    const st = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
    const entry = st
      .json()
      .virtualServers[0].exceptions.find((e: { cidr: string }) => e.cidr === '127.0.0.6/32');
    assert.equal(entry?.auto, true);
  });
});
