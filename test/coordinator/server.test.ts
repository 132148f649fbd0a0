/**
 * `rollover server` as a whole: first start, restart, a wrong master key, the loopback warning,
 * HTTPS, backup and restore, and the CLI finding its server from the data directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { pgSchemaConfig, TEST_PG_URL } from './stores.js';

async function start(
  cwd: string,
  extra: { env?: Record<string, string>; listen?: string; tls?: string; dataDir?: string } = {},
) {
  const logs: string[] = [];
  const s = await startServer({
    dataDir: extra.dataDir ?? 'rollover-data',
    listen: extra.listen ?? '127.0.0.1:0',
    tlsCredential: extra.tls,
    env: extra.env ?? {},
    cwd,
    log: (l) => logs.push(l),
  });
  return { s, logs };
}

/** Every file under `dir` with its SHA-256, to prove nothing changed. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    out[name] = createHash('sha256')
      .update(readFileSync(join(dir, name)))
      .digest('hex');
  }
  return out;
}

const cfg = (dir: string) => ({ ROLLOVER_CONFIG: join(dir, 'no-profile.json') });

test('a first start creates the data directory, a 0600 master key and admin token, and client.json the CLI uses', async () => {
  const cwd = tempDir();
  const { s, logs } = await start(cwd);
  try {
    const dataDir = join(cwd, 'rollover-data');
    assert.equal(statSync(join(dataDir, 'master.key')).mode & 0o777, 0o600);
    assert.equal(statSync(join(dataDir, 'initial-admin.token')).mode & 0o777, 0o600);
    const token = readFileSync(join(dataDir, 'initial-admin.token'), 'utf8');
    assert.match(token, /^rlv_[A-Za-z0-9_-]+$/, 'the token file holds the token alone');
    const client = JSON.parse(readFileSync(join(dataDir, 'client.json'), 'utf8'));
    assert.equal(client.server, s.url);
    assert.ok(logs.some((l) => /generated a master key/.test(l)));
    assert.ok(!logs.some((l) => /WARNING/.test(l)), 'no warning on loopback');

    const add = await cli(['lb', 'add', 'edge', '--kind', 'haproxy', '--node', 'n1=10.0.0.1:8443'], {
      cwd,
      env: cfg(cwd),
    });
    assert.equal(add.code, 0, add.stderr);
    const list = await cli(['lb', 'list', '--json'], { cwd, env: cfg(cwd) });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      list.json().map((l: { name: string; nodes: unknown[] }) => [l.name, l.nodes.length]),
      [['edge', 1]],
    );
    const health = await fetch(`${s.url}/healthz`);
    assert.equal(health.status, 200);
  } finally {
    await s.close();
  }
});

test('a restart with an existing data directory keeps the key, the data, the admin and the chain', async () => {
  const cwd = tempDir();
  const first = await start(cwd);
  const dataDir = join(cwd, 'rollover-data');
  const key = readFileSync(join(dataDir, 'master.key'), 'utf8');
  const token = readFileSync(join(dataDir, 'initial-admin.token'), 'utf8');
  assert.equal((await cli(['tenant', 'add', 'acme', '--customer', 'Acme'], { cwd, env: cfg(cwd) })).code, 0);
  await first.s.close();

  const second = await start(cwd);
  try {
    assert.equal(readFileSync(join(dataDir, 'master.key'), 'utf8'), key);
    assert.equal(readFileSync(join(dataDir, 'initial-admin.token'), 'utf8'), token);
    assert.ok(!second.logs.some((l) => /generated|initial lb-admin/.test(l)));
    const tenants = await cli(['tenant', 'list', '--json'], { cwd, env: cfg(cwd) });
    assert.deepEqual(
      tenants.json().map((t: { name: string }) => t.name),
      ['acme'],
    );
    const users = await cli(['user', 'list', '--json'], { cwd, env: cfg(cwd) });
    assert.equal(users.json().length, 1);
    const verify = await cli(['audit', 'verify'], { cwd, env: cfg(cwd) });
    assert.equal(verify.code, 0, verify.stderr);
  } finally {
    await second.s.close();
  }
});

test('a wrong master key refuses to start, says why, and touches nothing', async () => {
  const cwd = tempDir();
  const first = await start(cwd);
  await cli(['lb', 'add', 'edge'], { cwd, env: cfg(cwd) });
  await first.s.close();
  const dataDir = join(cwd, 'rollover-data');
  const before = fingerprint(dataDir);

  const wrong = generateMasterKey().toString('base64');
  await assert.rejects(
    start(cwd, { env: { ROLLOVER_MASTER_KEY: wrong } }),
    (e: Error & { code?: string }) => {
      assert.equal(e.code, 'WRONG_MASTER_KEY');
      assert.match(e.message, /does not open this store.*nothing was changed/);
      return true;
    },
  );
  assert.deepEqual(fingerprint(dataDir), before);

  await fs.rename(join(dataDir, 'master.key'), join(cwd, 'moved.key'));
  const without = fingerprint(dataDir);
  await assert.rejects(start(cwd), (e: Error & { code?: string }) => e.code === 'WRONG_MASTER_KEY');
  assert.deepEqual(fingerprint(dataDir), without, 'no new key is generated for an existing store');

  const viaFlag = await startServer({
    dataDir: 'rollover-data',
    listen: '127.0.0.1:0',
    masterKeyFile: 'moved.key',
    env: {},
    cwd,
    log: () => {},
  });
  await viaFlag.close();
});

test('the CLI says wrong master key too', async () => {
  const cwd = tempDir();
  const first = await start(cwd);
  await first.s.close();
  const r = await cli(['server', '--master-key-file', 'k'], { cwd, env: { ...cfg(cwd) } }).catch((e) => e);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error\[FILE_NOT_FOUND\]/);
  await fs.writeFile(join(cwd, 'k'), `${generateMasterKey().toString('base64')}\n`);
  const wrong = await cli(['server', '--master-key-file', 'k', '--listen', '127.0.0.1:0'], {
    cwd,
    env: cfg(cwd),
  });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /error\[WRONG_MASTER_KEY\]/);
});

test('listening beyond loopback without TLS warns', async () => {
  const cwd = tempDir();
  const { s, logs } = await start(cwd, { listen: '0.0.0.0:0' });
  try {
    assert.ok(
      logs.some((l) => /WARNING: listening on 0\.0\.0\.0 without TLS/.test(l)),
      logs.join('\n'),
    );
  } finally {
    await s.close();
  }
});

test('with --tls-credential the server speaks HTTPS and the CLI trusts it through client.json', async () => {
  const cwd = tempDir();
  const root = await mintRoot('Coordinator Test Root');
  const cred = await mintCredential(root, ['localhost'], { ips: ['127.0.0.1'] });
  const credDir = await saveCredential(join(cwd, 'tls'), cred);
  const { s, logs } = await start(cwd, { tls: credDir });
  try {
    assert.match(s.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(!logs.some((l) => /WARNING/.test(l)));
    const r = await cli(['lb', 'list', '--json'], { cwd, env: cfg(cwd) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json(), []);
  } finally {
    await s.close();
  }
});

test('backup and restore round trip: the restored store is the backed-up one, chain intact', async () => {
  const cwd = tempDir();
  let running: RunningServer | undefined = (await start(cwd)).s;
  const env = cfg(cwd);
  try {
    await cli(['lb', 'add', 'kept'], { cwd, env });
    await cli(['tenant', 'add', 'acme', '--customer', 'Acme'], { cwd, env });
    const b = await cli(['backup', '--out', 'snap.db'], { cwd, env });
    assert.equal(b.code, 0, b.stderr);
    assert.equal(statSync(join(cwd, 'snap.db')).mode & 0o777, 0o600);
    await cli(['lb', 'add', 'after-backup'], { cwd, env });

    const busy = await cli(['restore', 'snap.db'], { cwd, env });
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, /SERVER_RUNNING/);

    await running.close();
    running = undefined;
    const garbage = join(cwd, 'garbage.db');
    await fs.writeFile(garbage, 'not a database at all');
    const bad = await cli(['restore', 'garbage.db'], { cwd, env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /UNSUPPORTED_FORMAT/);
    const wrongKey = await cli(['restore', 'snap.db'], {
      cwd,
      env: { ...env, ROLLOVER_MASTER_KEY: generateMasterKey().toString('base64') },
    });
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /WRONG_MASTER_KEY/);

    const r = await cli(['restore', 'snap.db', '--json'], { cwd, env });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.json().previous, 'the replaced store is kept');

    running = (await start(cwd)).s;
    const lbs = await cli(['lb', 'list', '--json'], { cwd, env });
    assert.deepEqual(
      lbs.json().map((l: { name: string }) => l.name),
      ['kept'],
    );
    const tenants = await cli(['tenant', 'list', '--json'], { cwd, env });
    assert.equal(tenants.json().length, 1);
    assert.equal((await cli(['audit', 'verify'], { cwd, env })).code, 0);
    const events = (await cli(['audit', 'export'], { cwd, env })).stdout.trim().split('\n');
    const last = JSON.parse(events.at(-1)!);
    assert.equal(last.action, 'store.restore', 'the restore is on the record');
    assert.ok(!events.some((e) => e.includes('after-backup')), 'history after the backup is gone with it');
  } finally {
    await running?.close();
  }
});

test('rollover server runs as a process, serves the CLI, and stops cleanly on SIGTERM', async () => {
  const cwd = tempDir();
  const bin = join(process.cwd(), 'bin', 'rollover.js');
  const child = spawn(process.execPath, [bin, 'server', '--listen', '127.0.0.1:0'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  try {
    const deadline = Date.now() + 20_000;
    while (!/listening on http/.test(stderr)) {
      assert.ok(Date.now() < deadline, `the server did not start: ${stderr}`);
      assert.equal(child.exitCode, null, `the server exited: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(readFileSync(join(cwd, 'rollover-data', 'server.pid'), 'utf8').trim(), String(child.pid));
    const r = await cli(['user', 'list', '--json'], { cwd, env: cfg(cwd) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json()[0].name, 'admin');
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  }
  assert.equal(child.exitCode, 0, stderr);
  assert.match(stderr, /stopping/);
  await assert.rejects(fs.access(join(cwd, 'rollover-data', 'server.pid')), 'the pid file is removed');
});

test('the server keeps its store in PostgreSQL when DATABASE_URL is set, and restarts on it', async () => {
  const schema = pgSchemaConfig().schema!;
  const cwd = tempDir();
  const env = { DATABASE_URL: TEST_PG_URL, ROLLOVER_DB_SCHEMA: schema };
  const first = await start(cwd, { env });
  try {
    assert.ok(first.logs.some((l) => /store: PostgreSQL/.test(l)));
    await assert.rejects(
      fs.access(join(cwd, 'rollover-data', 'rollover.db')),
      'no SQLite file beside PostgreSQL',
    );
    assert.equal((await cli(['lb', 'add', 'pg-edge'], { cwd, env: cfg(cwd) })).code, 0);
    const backup = await cli(['backup', '--out', 'x.db'], { cwd, env: cfg(cwd) });
    assert.equal(backup.code, 1);
    assert.match(backup.stderr, /NOT_YET.*pg_dump/);
  } finally {
    await first.s.close();
  }
  const key = readFileSync(join(cwd, 'rollover-data', 'master.key'), 'utf8').trim();
  await assert.rejects(
    start(cwd, { env: { ...env, ROLLOVER_MASTER_KEY: generateMasterKey().toString('base64') } }),
    (e: Error & { code?: string }) => e.code === 'WRONG_MASTER_KEY',
  );
  const second = await start(cwd, { env: { ...env, ROLLOVER_MASTER_KEY: key } });
  try {
    const lbs = await cli(['lb', 'list', '--json'], { cwd, env: cfg(cwd) });
    assert.deepEqual(
      lbs.json().map((l: { name: string }) => l.name),
      ['pg-edge'],
    );
  } finally {
    await second.s.close();
  }
});
