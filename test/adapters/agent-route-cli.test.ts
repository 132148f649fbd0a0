/**
 * `rollover lb agent` in HAProxy route mode as an operator runs it: a real HAProxy routing by source
 * address, the agent as its own process, and `rollover lb stage|grace|early|status --state-dir` as for
 * the built-in node. Real TLS clients from 127.0.0.2/.3/.4 see the table applied across T; curl that
 * refuses the new certificate is put into grace by the agent from HAProxy's error log.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { haproxyPem } from '../../src/adapters/haproxy/driver.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { formatInstant } from '../../src/shared/time.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { onFileEnd } from '../kit/cleanup.js';
import { cli } from '../kit/cli.js';
import { startHaproxyRoute } from '../kit/haproxy.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { handshakeFrom } from '../kit/observer.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const bin = join(process.cwd(), 'bin', 'rollover.js');
const stateDir = join(dir, 'state');
let port = 0;
let oldSha = '';
let newSha = '';
let roots: string[] = [];

describe('rollover lb agent in HAProxy route mode', () => {
  before(async () => {
    const oldCred = await mintCredential(await mintRoot('Route Old Root'), ['lb.test']);
    const newCred = await mintCredential(await mintRoot('Route New Root'), ['lb.test']);
    oldSha = oldCred.chain[0]!.sha256;
    newSha = newCred.chain[0]!.sha256;
    roots = [oldCred, newCred].map((c) => recordFromCredential(c).rootPem);
    await saveCredential(join(dir, 'old'), oldCred);
    await saveCredential(join(dir, 'new'), newCred);
    const hdir = join(dir, 'haproxy');
    mkdirSync(hdir);
    const oldCrt = join(hdir, 'vs1-old.pem');
    const newCrt = join(hdir, 'vs1-new.pem');
    const map = join(hdir, 'vs1.map');
    for (const f of [oldCrt, newCrt])
      writeFileSync(f, haproxyPem(recordFromCredential(oldCred)), { mode: 0o600 });
    writeFileSync(map, '0.0.0.0/0 0\n::/0 0\n');
    port = await freePort();
    // A free UDP port for HAProxy's error log to the agent (automatic fallback).
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const failureLog = udp.address().port;
    await new Promise<void>((r) => udp.close(() => r()));
    const backend = await startBackend();
    const h = await startHaproxyRoute({
      dir: hdir,
      port,
      oldCrt,
      newCrt,
      map,
      backendPort: backend.port,
      failureLog,
    });
    const vs = { name: 'vs1', hosts: ['lb.test'], listen: `127.0.0.1:${port}`, credential: join(dir, 'old') };
    writeFileSync(
      join(dir, 'agent.json'),
      JSON.stringify({
        kind: 'haproxy',
        haproxyMode: 'route',
        stateDir,
        socket: h.socketPath,
        failureLog: `127.0.0.1:${failureLog}`,
        virtualServers: [{ ...vs, crt: newCrt, oldCrt, map }],
      }),
    );
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({
        kind: 'haproxy',
        haproxyMode: 'route',
        stateDir: join(dir, 'bad-state'),
        socket: h.socketPath,
        virtualServers: [{ ...vs, crt: newCrt }],
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

  test('lb stage, lb grace and lb early through the agent: each address gets its credential across T', async () => {
    const from = (a: string, ca = roots) =>
      handshakeFrom({ localAddress: a, port, servername: 'lb.test', ca });
    const T = Date.now() + 4000;
    const until = new Date(T + 60_000);
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
    const grace = await cli([
      'lb',
      'grace',
      '--state-dir',
      stateDir,
      '--add',
      '127.0.0.3',
      '--until',
      formatInstant(until),
    ]);
    assert.equal(grace.code, 0, grace.stderr + grace.stdout);
    const early = await cli(['lb', 'early', '--state-dir', stateDir, '--add', '127.0.0.4']);
    assert.equal(early.code, 0, early.stderr + early.stdout);
    assert.ok(Date.now() < T - 500, 'checked before T');
    assert.equal((await from('127.0.0.2')).sha256, oldSha, 'ready, before T');
    assert.equal((await from('127.0.0.4', [roots[1]!])).sha256, newSha, 'early, before T');
    const status = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
    const vs = status.json().virtualServers[0];
    assert.deepEqual(
      vs.exceptions.map((e: { cidr: string; serve: string; live: boolean }) => [e.cidr, e.serve, e.live]),
      [
        ['127.0.0.3/32', 'old', true],
        ['127.0.0.4/32', 'new', true],
      ],
    );
    assert.equal(vs.exceptionsPendingUntil, null);
    const human = await cli(['lb', 'status', '--state-dir', stateDir]);
    assert.match(human.stdout, /grace {5}127\.0\.0\.3\/32 {2}until /);
    assert.match(human.stdout, /early {5}127\.0\.0\.4\/32\n/);
    assert.doesNotMatch(human.stdout, /handshake\(s\)/, 'an agent does not count handshakes per entry');
    await new Promise((r) => setTimeout(r, T + 200 - Date.now()));
    assert.equal((await from('127.0.0.2')).sha256, newSha, 'ready, after T');
    assert.equal((await from('127.0.0.3', [roots[0]!])).sha256, oldSha, 'straggler in grace, after T');
    // Automatic fallback from HAProxy's error log: curl trusting only the old root fails once, then
    // the agent has put its address into grace.
    const auto = await cli(['lb', 'grace', '--state-dir', stateDir, '--auto', formatInstant(until)]);
    assert.equal(auto.code, 0, auto.stderr + auto.stdout);
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
    assert.equal(await curl(), 60, 'refused once');
    const graced = await waitFor(async () => {
      const r = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
      return r.json().virtualServers[0].exceptions.find((e: { cidr: string }) => e.cidr === '127.0.0.6/32');
    }, 'the agent to grace 127.0.0.6');
    assert.equal(graced.auto, true);
    assert.equal(await curl(), 0, 'then served the old certificate');
  });

  test('route mode without oldCrt and map is refused, naming the field', async () => {
    const r = await cli(['lb', 'agent', '--config', join(dir, 'bad.json')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[BAD_ARGUMENT\]: .*bad\.json: virtualServers\.vs1\.oldCrt/);
  });
});
