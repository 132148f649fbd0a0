/**
 * `rollover lb run --config FILE` (YAML) as a real process: two virtual servers with their own
 * credentials and a preview listener, paths relative to the file, the control commands needing
 * --virtual-server when a node has several, and a bad configuration refused with its field named.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import type { DataPlaneStatus } from '../../src/lb/data-plane.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { get, sleep, startBackend, trusting } from './kit.js';

const run = promisify(execFile);
const dir = tempDir();
const root = await mintRoot('Root');
const newRoot = await mintRoot('New Root');
const api = await mintCredential(root, ['api.test']);
const web = await mintCredential(root, ['web.test']);
const webNext = await mintCredential(newRoot, ['web.test']);
await saveCredential(join(dir, 'creds/api'), api);
await saveCredential(join(dir, 'creds/web'), web);
await saveCredential(join(dir, 'creds/web-next'), webNext);
const backend = await startBackend();
const bin = resolve(import.meta.dirname, '../../../bin/rollover.js');
const stateDir = join(dir, 'state');

let child: ChildProcess | undefined;
after(() => child?.kill('SIGKILL'));

test('lb run --config serves two virtual servers from a YAML file', async () => {
  writeFileSync(
    join(dir, 'lb.yaml'),
    `stateDir: state
workers: 1
logLevel: warn
virtualServers:
  - name: api
    listen: 127.0.0.1:0
    hosts: [api.test]
    credential: creds/api
    backends: [${backend.url}]
  - name: web
    listen: 127.0.0.1:0
    preview: 127.0.0.1:0
    hosts: [web.test]
    credential: creds/web
    backends: [${backend.url}]
`,
  );
  child = spawn(process.execPath, [bin, 'lb', 'run', '--config', join(dir, 'lb.yaml')], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let status: DataPlaneStatus | undefined;
  for (let i = 0; i < 100 && !status; i++) {
    const r = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
    if (r.code === 0) status = r.json();
    else await sleep(100);
  }
  assert.ok(status, 'the data plane did not come up');
  assert.deepEqual(
    status.virtualServers.map((v) => v.name),
    ['api', 'web'],
  );
  const port = (name: string, which: 'listen' | 'preview' = 'listen') =>
    Number(
      status!.virtualServers
        .find((v) => v.name === name)!
        [which]!.split(':')
        .pop(),
    );
  const a = await get(port('api'), { ctx: trusting(api), servername: 'api.test' });
  assert.equal(a.fingerprint, api.chain[0]!.sha256);
  const w = await get(port('web'), { ctx: trusting(web), servername: 'web.test' });
  assert.equal(w.fingerprint, web.chain[0]!.sha256);

  const ambiguous = await cli(['lb', 'unstage', '--state-dir', stateDir]);
  assert.equal(ambiguous.code, 2);
  assert.match(ambiguous.stderr, /--virtual-server/);

  const T = new Date(Date.now() + 3_600_000).toISOString();
  const staged = await cli([
    'lb',
    'stage',
    '--state-dir',
    stateDir,
    '--virtual-server',
    'web',
    '--credential',
    join(dir, 'creds/web-next'),
    '--at',
    T,
  ]);
  assert.equal(staged.code, 0, staged.stderr);
  const preview = await get(port('web', 'preview'), { ctx: trusting(webNext), servername: 'web.test' });
  assert.equal(preview.fingerprint, webNext.chain[0]!.sha256);
  const wrongVs = await cli([
    'lb',
    'stage',
    '--state-dir',
    stateDir,
    '--virtual-server',
    'api',
    '--credential',
    join(dir, 'creds/web-next'),
    '--at',
    T,
  ]);
  assert.equal(wrongVs.code, 1);
  assert.match(wrongVs.stderr, /error\[HOST_NOT_COVERED\].*api\.test/);

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  child = undefined;
});

test('lb run refuses a configuration with a missing field and names it', async () => {
  writeFileSync(
    join(dir, 'bad.yaml'),
    'stateDir: state2\nvirtualServers:\n  - name: x\n    listen: 127.0.0.1:0\n',
  );
  const r = await run(process.execPath, [bin, 'lb', 'run', '--config', join(dir, 'bad.yaml')]).catch(
    (e) => e,
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[BAD_ARGUMENT\]: configuration: virtualServers\.0\.hosts/);
});
