/**
 * `rollover lb run --workers 2` as a real process: both workers serve, every worker switches at T
 * (new connections across T never get the old certificate after it), status and metrics aggregate
 * the workers, every worker applies the same grace table, and SIGTERM drains and exits 0.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import type { DataPlaneStatus } from '../../src/lb/data-plane.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { get, sleep, startBackend, trusting } from './kit.js';

const dir = tempDir();
const oldRoot = await mintRoot('Old Root');
const newRoot = await mintRoot('New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const OLD = oldCred.chain[0]!.sha256;
const NEW = newCred.chain[0]!.sha256;
const both = trusting(oldCred, newCred);
const backend = await startBackend();
const stateDir = join(dir, 'state');
const bin = resolve(import.meta.dirname, '../../../bin/rollover.js');

let child: ChildProcess | undefined;
after(() => child?.kill('SIGKILL'));

async function waitForStatus(): Promise<DataPlaneStatus> {
  // Generous: a busy machine can take many seconds to fork workers and build their contexts.
  for (let i = 0; i < 400; i++) {
    const r = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
    if (r.code === 0) return r.json();
    await sleep(100);
  }
  throw new Error('the data plane did not come up');
}

test('lb run with two workers serves, swaps at T in every worker, and drains on SIGTERM', async () => {
  child = spawn(
    process.execPath,
    [
      bin,
      'lb',
      'run',
      '--listen',
      '127.0.0.1:0',
      '--host',
      'lb.test',
      '--credential',
      await saveCredential(join(dir, 'old'), oldCred),
      '--backend',
      backend.url,
      '--state-dir',
      stateDir,
      '--metrics',
      '127.0.0.1:0',
      '--workers',
      '2',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const status = await waitForStatus();
  assert.equal(status.workers, 2);
  const port = Number(status.virtualServers[0]!.listen!.split(':').pop());

  // A straggler in grace (added ahead of staging, so that T is not spent on it).
  const until = new Date(Date.now() + 3_600_000).toISOString();
  const grace = await cli(['lb', 'grace', '--state-dir', stateDir, '--add', '127.0.0.2', '--until', until]);
  assert.equal(grace.code, 0, grace.stderr);
  assert.match(grace.stdout, /grace {5}127\.0\.0\.2\/32 {2}until /);
  const auto = await cli(['lb', 'grace', '--state-dir', stateDir, '--auto', until]);
  assert.equal(auto.code, 0, auto.stderr);

  const T = Date.now() + 3000;
  const staged = await cli([
    'lb',
    'stage',
    '--state-dir',
    stateDir,
    '--credential',
    await saveCredential(join(dir, 'new'), newCred),
    '--at',
    new Date(T).toISOString(),
  ]);
  assert.equal(staged.code, 0, staged.stderr);

  const seen: Array<{ startedAt: number; fingerprint: string }> = [];
  const failures: string[] = [];
  const loop = async () => {
    while (Date.now() < T + 800) {
      const startedAt = Date.now();
      try {
        const a = await get(port, { ctx: both, ...(seen.length % 2 ? { servername: 'lb.test' } : {}) });
        if (a.status !== 200) failures.push(`status ${a.status}`);
        seen.push({ startedAt, fingerprint: a.fingerprint });
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
  };
  await Promise.all([loop(), loop(), loop(), loop()]);
  assert.deepEqual(failures, []);
  assert.deepEqual(
    seen.filter((h) => h.startedAt >= T && h.fingerprint !== NEW),
    [],
  );
  assert.ok(seen.some((h) => h.startedAt < T && h.fingerprint === OLD));
  assert.ok(seen.filter((h) => h.startedAt >= T).length > 20);

  const metricsUrl = (await waitForStatus()).metrics;
  const metrics = await (await fetch(metricsUrl!)).text();
  const handshakes = (fp: string) =>
    Number(
      new RegExp(
        `rollover_lb_handshakes_total\\{virtual_server="default",fingerprint="${fp}",listener="main"[^}]*\\} (\\d+)`,
      ).exec(metrics)?.[1] ?? 0,
    );
  assert.equal(handshakes(OLD) + handshakes(NEW), seen.length);
  assert.match(metrics, /rollover_lb_grace_entries\{virtual_server="default"\} 1\n/);

  // After T the straggler at 127.0.0.2 still gets the old certificate, from whichever worker accepts.
  const graced = await Promise.all(
    Array.from({ length: 16 }, () =>
      get(port, { ctx: trusting(oldCred), servername: 'lb.test', localAddress: '127.0.0.2' }),
    ),
  );
  assert.deepEqual(new Set(graced.map((a) => a.fingerprint)), new Set([OLD]));
  const later = (await waitForStatus()).virtualServers[0]!;
  assert.equal(later.exceptions?.[0]?.handshakes, 16);

  // Automatic fallback from a worker: curl (OpenSSL) refuses the new certificate with an unknown_ca
  // alert; the worker tells the primary, which puts 127.0.0.3 into grace for every worker.
  const rootFile = join(dir, 'old-root.pem');
  writeFileSync(rootFile, encodeCertificatesPem([oldCred.root.der]));
  const curl = () =>
    promisify(execFile)('curl', [
      '-sS',
      '--interface',
      '127.0.0.3',
      '--cacert',
      rootFile,
      '--resolve',
      `lb.test:${port}:127.0.0.1`,
      `https://lb.test:${port}/`,
    ]);
  await assert.rejects(curl(), /certificate/);
  let fallback: unknown;
  for (let i = 0; i < 100 && !fallback; i++) {
    fallback = (await waitForStatus()).virtualServers[0]!.exceptions?.find(
      (e) => e.cidr === '127.0.0.3/32' && e.auto,
    );
    if (!fallback) await sleep(100);
  }
  assert.ok(fallback, 'the refusing client was put into grace');
  await curl();

  // A client trusting only the old root now fails; the primary reports it from the workers' tables.
  await assert.rejects(get(port, { ctx: trusting(oldCred), servername: 'lb.test' }));
  await sleep(100);
  const { token, url } = JSON.parse(readFileSync(join(stateDir, 'control.json'), 'utf8'));
  const table = (await (
    await fetch(`${url}/v1/handshake-failures`, { headers: { authorization: `Bearer ${token}` } })
  ).json()) as { clients: Array<{ client: string; reasons: Record<string, number> }> };
  assert.ok(
    table.clients.some((c) => c.client === '127.0.0.1' && Object.values(c.reasons).some((n) => n > 0)),
    JSON.stringify(table),
  );

  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  child = undefined;
});
