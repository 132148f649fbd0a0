/**
 * Source exceptions on the built-in node, with real TLS clients from different loopback addresses
 * (127.0.0.2, .3, a CIDR, ::1) across T: grace keeps a straggler on the old certificate until its
 * deadline, an early entry gets the new one before T, a restart keeps the table, and a deadline after
 * the old certificate's expiry is refused without changing anything.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ConnectionOptions, connect, type SecureContext } from 'node:tls';
import { promisify } from 'node:util';
import { resolveConfig } from '../../src/lb/config.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { STATE_FILE } from '../../src/lb/state-store.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { peerSha256, startBackend, startNode, trusting } from './kit.js';

const run = promisify(execFile);
const dir = tempDir();
const oldCred = await mintCredential(await mintRoot('Grace Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('Grace New Root'), ['lb.test']);
const OLD = oldCred.chain[0]!.sha256;
const NEW = newCred.chain[0]!.sha256;
const both = trusting(oldCred, newCred);
const oldOnly = trusting(oldCred);
const backend = await startBackend();
const config = resolveConfig(
  {
    stateDir: join(dir, 'state'),
    control: '127.0.0.1:0',
    drainTimeout: '1s',
    virtualServers: [
      {
        name: 'web',
        // Dual stack: IPv4 clients arrive as ::ffff:a.b.c.d, IPv6 ones as themselves.
        listen: '[::]:0',
        hosts: ['lb.test'],
        credential: await saveCredential(join(dir, 'old'), oldCred),
        backends: [backend.url],
      },
    ],
  },
  { workers: 1 },
);

/** A clock that runs with real time and can be moved ahead (so T and `until` need no real wait). */
let offset = 0;
const clock = { now: () => Date.now() + offset };

/** One TLS handshake from `from` (a loopback address); the served leaf's SHA-256. */
function handshake(port: number, from: string, ctx: SecureContext = both): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({
      host: from.includes(':') ? '::1' : '127.0.0.1',
      port,
      localAddress: from,
      servername: 'lb.test',
      secureContext: ctx,
    } as ConnectionOptions);
    s.once('secureConnect', () => {
      const sha = peerSha256(s);
      s.end();
      resolve(sha);
    });
    s.once('error', reject);
  });
}

test('grace, early and CIDR entries per handshake across T, kept across a restart, over at their deadline', async () => {
  let node = await startNode(config, clock);
  const port = () => node.runtimes.get('web')!.listenAddress!.port;
  const T = clock.now() + 60_000;
  const until = T + 3_600_000;
  await node.dataPlane.stage('web', { ...recordFromCredential(newCred), activateAt: new Date(T) });
  await node.dataPlane.exceptions('web', {
    op: 'add',
    serve: 'old',
    cidrs: ['127.0.0.2', '::1', '127.0.1.0/24'],
    until,
  });
  await node.dataPlane.exceptions('web', { op: 'add', serve: 'new', cidrs: ['127.0.0.3'] });

  // Before T: the old certificate, except the early sender.
  assert.equal(await handshake(port(), '127.0.0.1'), OLD);
  assert.equal(await handshake(port(), '127.0.0.2'), OLD);
  assert.equal(await handshake(port(), '127.0.0.3'), NEW);
  assert.equal(await handshake(port(), '127.0.1.5'), OLD);
  assert.equal(await handshake(port(), '::1'), OLD);

  // From T: the new certificate, except those in grace, which still succeed trusting only the old root.
  offset += T - clock.now();
  assert.equal(await handshake(port(), '127.0.0.1'), NEW);
  assert.equal(await handshake(port(), '127.0.0.3'), NEW);
  assert.equal(await handshake(port(), '127.0.0.2', oldOnly), OLD);
  assert.equal(await handshake(port(), '127.0.1.77', oldOnly), OLD);
  assert.equal(await handshake(port(), '::1', oldOnly), OLD);
  await assert.rejects(handshake(port(), '127.0.0.4', oldOnly));

  // Settled after T (previous → active, as the node's timer does a second after T), the table still holds.
  offset += 2000;
  let vs = await node.dataPlane.settle('web');
  assert.equal(vs.staged, null);
  assert.equal(vs.previous?.sha256, OLD);
  assert.equal(await handshake(port(), '127.0.0.2'), OLD);
  const counts = Object.fromEntries(vs.exceptions!.map((e) => [e.cidr, e.handshakes]));
  assert.deepEqual(counts, { '127.0.0.2/32': 2, '::1/128': 2, '127.0.1.0/24': 2, '127.0.0.3/32': 2 });
  const metrics = await node.telemetry.registry.metrics();
  assert.match(metrics, /rollover_lb_grace_entries\{virtual_server="web"\} 3/);
  assert.match(
    metrics,
    new RegExp(`rollover_lb_handshakes_total\\{[^}]*fingerprint="${OLD}"[^}]*credential="old"\\} [1-9]`),
  );
  assert.match(
    metrics,
    new RegExp(`rollover_lb_handshakes_total\\{[^}]*fingerprint="${NEW}"[^}]*credential="new"\\} [1-9]`),
  );

  // A restart during grace keeps the table.
  await node.stop();
  node = await startNode(config, clock);
  assert.equal(await handshake(port(), '127.0.0.2', oldOnly), OLD);
  assert.equal(await handshake(port(), '127.0.0.9'), NEW);
  vs = (await node.dataPlane.status()).virtualServers[0]!;
  assert.deepEqual(
    vs.exceptions!.map((e) => [e.cidr, e.serve, e.until]),
    [
      ['127.0.0.2/32', 'old', new Date(until).toISOString()],
      ['::1/128', 'old', new Date(until).toISOString()],
      ['127.0.1.0/24', 'old', new Date(until).toISOString()],
      ['127.0.0.3/32', 'new', null],
    ],
  );

  // A deadline after the old certificate expires is refused, and the state file is untouched.
  const before = readFileSync(join(config.stateDir, STATE_FILE), 'utf8');
  await assert.rejects(
    node.dataPlane.exceptions('web', {
      op: 'add',
      serve: 'old',
      cidrs: ['127.0.0.5'],
      until: Date.parse(oldCred.chain[0]!.notAfter.toISOString()) + 1000,
    }),
    { code: 'BAD_TIME', message: /after the old certificate expires/ },
  );
  assert.equal(readFileSync(join(config.stateDir, STATE_FILE), 'utf8'), before);

  // Removing one entry moves that client at once; at `until` the rest follow, with no timer.
  await node.dataPlane.exceptions('web', { op: 'remove', serve: 'old', cidrs: ['::1'] });
  assert.equal(await handshake(port(), '::1'), NEW);
  assert.equal(await handshake(port(), '127.0.1.2'), OLD);
  offset += until - clock.now();
  assert.equal(await handshake(port(), '127.0.0.2'), NEW);
  assert.equal(await handshake(port(), '127.0.1.2'), NEW);
  vs = (await node.dataPlane.status()).virtualServers[0]!;
  assert.deepEqual(
    vs.exceptions!.filter((e) => e.serve === 'old').map((e) => e.live),
    [false, false],
  );

  // A rollback undoes the exchange, and its table with it.
  const back = await node.dataPlane.rollback('web');
  assert.deepEqual(back.exceptions, []);
  assert.equal(await handshake(port(), '127.0.0.3'), OLD);
});

test('lb grace and lb early from the command line: one operation each, a refused input changes nothing', async () => {
  const stateDir = join(dir, 'cli-state');
  await startNode({ ...config, stateDir }, clock);
  const until = new Date(clock.now() + 3_600_000).toISOString();
  const early = await cli(['lb', 'early', '--state-dir', stateDir, '--add', '127.0.0.3', '2001:db8::/48']);
  assert.equal(early.code, 0, early.stderr);
  assert.match(early.stdout, /early {5}2001:db8::\/48 {2}0 handshake/);
  const both = await cli([
    'lb',
    'grace',
    '--state-dir',
    stateDir,
    '--add',
    '127.0.0.2',
    '--remove',
    '127.0.0.3',
  ]);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /exactly one of --add, --remove, --clear or --auto/);
  const noUntil = await cli(['lb', 'grace', '--state-dir', stateDir, '--add', '127.0.0.2']);
  assert.match(noUntil.stderr, /--add needs --until/);
  const typo = await cli(['lb', 'grace', '--state-dir', stateDir, '--add', '127.0.0.300', '--until', until]);
  assert.match(typo.stderr, /"127\.0\.0\.300" is not an IP address or CIDR/);
  const missing = await cli(['lb', 'early', '--state-dir', stateDir, '--remove', '127.0.0.9']);
  assert.match(missing.stderr, /127\.0\.0\.9\/32 has no early entry/);
  const grace = await cli([
    'lb',
    'grace',
    '--state-dir',
    stateDir,
    '--vs',
    'web',
    '--add',
    '127.0.0.2',
    '--until',
    until,
  ]);
  assert.equal(grace.code, 0, grace.stderr);
  const status = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
  assert.deepEqual(
    status
      .json()
      .virtualServers[0].exceptions.map((e: { cidr: string; serve: string }) => `${e.serve} ${e.cidr}`),
    ['new 127.0.0.3/32', 'new 2001:db8::/48', 'old 127.0.0.2/32'],
  );
  const auto = await cli(['lb', 'grace', '--state-dir', stateDir, '--auto', until]);
  assert.match(auto.stdout, /automatic fallback: on until .*\n[\s\S]*fallback {2}on until /);
  const off = await cli(['lb', 'grace', '--state-dir', stateDir, '--auto', 'off', '--json']);
  assert.equal(off.json().autoGrace, null);
  const cleared = await cli(['lb', 'grace', '--state-dir', stateDir, '--clear', '--json']);
  assert.equal(cleared.json().exceptions.length, 2);
});

test('automatic fallback: after T a client that refuses the new certificate is put into grace by the node', async () => {
  const stateDir = join(dir, 'auto-state');
  const node = await startNode({ ...config, stateDir }, clock);
  const port = node.runtimes.get('web')!.listenAddress!.port;
  const T = clock.now() + 60_000;
  await node.dataPlane.stage('web', { ...recordFromCredential(newCred), activateAt: new Date(T) });
  offset += T - clock.now();
  const oldRootFile = join(dir, 'auto-old-root.pem');
  writeFileSync(oldRootFile, encodeCertificatesPem([oldCred.root.der]));
  // curl (OpenSSL) verifies inside the handshake and sends the unknown_ca alert the node reacts to.
  const curl = (from: string) =>
    run('curl', [
      '-sS',
      '--interface',
      from,
      '--cacert',
      oldRootFile,
      '--resolve',
      `lb.test:${port}:127.0.0.1`,
      `https://lb.test:${port}/`,
    ]);
  const entries = async () => (await node.dataPlane.status()).virtualServers[0]!.exceptions!;

  // Off by default: a refusal changes nothing.
  await assert.rejects(curl('127.0.0.7'), /certificate/);
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await entries(), []);

  const until = T + 3_600_000;
  await node.dataPlane.exceptions('web', { op: 'auto', until });
  assert.deepEqual((await node.dataPlane.status()).virtualServers[0]!.autoGrace, {
    until: new Date(until).toISOString(),
  });
  await assert.rejects(curl('127.0.0.5'), /certificate/);
  const deadline = Date.now() + 10_000;
  while (!(await entries()).some((e) => e.cidr === '127.0.0.5/32') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(
    (await entries()).map((e) => [e.cidr, e.serve, e.until, e.auto]),
    [['127.0.0.5/32', 'old', new Date(until).toISOString(), true]],
  );
  // The straggler now gets the old certificate and succeeds; everybody else still gets the new one.
  assert.match((await curl('127.0.0.5')).stdout, /"method":"GET"/);
  assert.equal(await handshake(port, '127.0.0.6'), NEW);
  // A deadline after the old certificate expires is refused for the policy too.
  await assert.rejects(
    node.dataPlane.exceptions('web', { op: 'auto', until: oldCred.chain[0]!.notAfter.getTime() + 1000 }),
    { code: 'BAD_TIME' },
  );
});
