/**
 * A damaged store refuses to start with a stable code and what to do, and changes nothing: pages of
 * a real `rollover.db` overwritten, a zero-byte or missing file next to DATA_DIR/master.key (never a
 * fresh store with a new admin token), a garbage or truncated file, and on PostgreSQL a migration
 * record with a gap or a newer rollover's step. Restoring a backup is the way out, and it works.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import pg from 'pg';
import { startServer } from '../../src/main/server.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { Store } from '../../src/store/store.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { pgSchemaConfig } from './stores.js';

/** A data directory with a real store (a few objects in it), its server stopped. */
let seeded = '';
const cfg = (dir: string) => ({ ROLLOVER_CONFIG: join(dir, 'no-profile.json') });

function start(cwd: string) {
  return startServer({ dataDir: 'rollover-data', listen: '127.0.0.1:0', env: {}, cwd, log: () => {} });
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

before(async () => {
  seeded = tempDir('rollover-damaged-');
  const s = await start(seeded);
  for (const name of ['edge-a', 'edge-b', 'edge-c'])
    assert.equal((await cli(['lb', 'add', name], { cwd: seeded, env: cfg(seeded) })).code, 0);
  assert.equal(
    (await cli(['tenant', 'add', 'acme', '--customer', 'Acme'], { cwd: seeded, env: cfg(seeded) })).code,
    0,
  );
  await s.close();
  assert.ok(
    !readdirSync(join(seeded, 'rollover-data')).includes('rollover.db-wal'),
    'the journal was not merged',
  );
});

/** A copy of the seeded directory, damaged by `damage`. */
async function damagedCopy(damage: (db: string) => Promise<void>): Promise<{ cwd: string; dataDir: string }> {
  const cwd = tempDir('rollover-damaged-');
  await fs.cp(join(seeded, 'rollover-data'), join(cwd, 'rollover-data'), { recursive: true });
  const dataDir = join(cwd, 'rollover-data');
  await damage(join(dataDir, 'rollover.db'));
  return { cwd, dataDir };
}

/** Starting must fail with `code`, a message that says to restore, and the directory untouched. */
async function refuses(cwd: string, dataDir: string, code: string): Promise<void> {
  const before = fingerprint(dataDir);
  let started: Awaited<ReturnType<typeof start>> | undefined;
  try {
    started = await start(cwd);
  } catch (e) {
    const err = e as Error & { code?: string };
    assert.equal(err.code, code, err.message);
    assert.match(err.message, /rollover restore/);
    assert.match(err.message, /[Nn]othing was changed/);
  } finally {
    await started?.close();
  }
  assert.ok(!started, 'the server started on a damaged store');
  assert.deepEqual(fingerprint(dataDir), before, 'the data directory changed');
}

const PAGE = 4096;

test('two overwritten pages in rollover.db: the server refuses to start (STORE_DAMAGED)', async () => {
  const { cwd, dataDir } = await damagedCopy(async (db) => {
    assert.ok(statSync(db).size >= 6 * PAGE);
    const fh = await fs.open(db, 'r+');
    for (const page of [2, 4]) await fh.write(randomBytes(PAGE), 0, PAGE, (page - 1) * PAGE);
    await fh.close();
  });
  await refuses(cwd, dataDir, 'STORE_DAMAGED');
});

test('a zero-byte rollover.db next to master.key is a lost store, not a first start (no new admin token)', async () => {
  const { cwd, dataDir } = await damagedCopy((db) => fs.truncate(db, 0));
  await refuses(cwd, dataDir, 'STORE_DAMAGED');
});

test('a missing rollover.db next to master.key is refused (STORE_MISSING), and none is created', async () => {
  const { cwd, dataDir } = await damagedCopy((db) => fs.rm(db));
  await refuses(cwd, dataDir, 'STORE_MISSING');
  assert.ok(!readdirSync(dataDir).includes('rollover.db'));
});

test('a garbage rollover.db answers STORE_DAMAGED, not INTERNAL', async () => {
  const { cwd, dataDir } = await damagedCopy((db) => fs.writeFile(db, randomBytes(64 * 1024)));
  await refuses(cwd, dataDir, 'STORE_DAMAGED');
});

test('a truncated rollover.db answers STORE_DAMAGED', async () => {
  const { cwd, dataDir } = await damagedCopy(async (db) =>
    fs.truncate(db, Math.floor(statSync(db).size / 2) + 100),
  );
  await refuses(cwd, dataDir, 'STORE_DAMAGED');
});

test('a garbage header on an otherwise whole file answers STORE_DAMAGED', async () => {
  const { cwd, dataDir } = await damagedCopy(async (db) => {
    const fh = await fs.open(db, 'r+');
    await fh.write(Buffer.from('NOT SQLITE AT ALL'), 0, 16, 0);
    await fh.close();
  });
  await refuses(cwd, dataDir, 'STORE_DAMAGED');
});

test('the CLI says STORE_DAMAGED with what to do, and restoring a backup brings the server back', async () => {
  const backup = join(seeded, 'snap.db');
  await fs.copyFile(join(seeded, 'rollover-data', 'rollover.db'), backup);
  const { cwd, dataDir } = await damagedCopy(async (db) => {
    const fh = await fs.open(db, 'r+');
    await fh.write(randomBytes(PAGE), 0, PAGE, 2 * PAGE);
    await fh.close();
  });
  const r = await cli(['server', '--listen', '127.0.0.1:0'], { cwd, env: cfg(cwd) });
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /error\[STORE_DAMAGED\]: .*rollover restore/);
  const restored = await cli(['restore', backup], { cwd, env: cfg(cwd) });
  assert.equal(restored.code, 0, restored.stderr);
  const s = await start(cwd);
  try {
    const lbs = await cli(['lb', 'list', '--json'], { cwd, env: cfg(cwd) });
    assert.deepEqual(
      lbs
        .json()
        .map((l: { name: string }) => l.name)
        .sort(),
      ['edge-a', 'edge-b', 'edge-c'],
    );
  } finally {
    await s.close();
  }
  assert.ok(
    readdirSync(dataDir).some((n) => n.startsWith('rollover.db.bak-')),
    'the damaged file is kept',
  );
});

test('PostgreSQL: a gap in the migration record, or a newer rollover step, refuses to start (STORE_DAMAGED)', async () => {
  const config = pgSchemaConfig();
  const key = generateMasterKey();
  await (await Store.open(config, key)).close();
  const c = new pg.Client({ connectionString: config.url });
  await c.connect();
  try {
    const table = `${config.schema}.rollover_migrations`;
    await c.query(`insert into ${table} (name, applied_at) values ('9999_from_the_future', 'x')`);
    await assert.rejects(Store.open(config, key), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'STORE_DAMAGED');
      assert.match(e.message, /newer rollover.*9999_from_the_future/);
      return true;
    });
    await c.query(`delete from ${table} where name in ('9999_from_the_future', '0003_node_reports')`);
    await assert.rejects(Store.open(config, key), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'STORE_DAMAGED');
      assert.match(e.message, /0003_node_reports is missing/);
      return true;
    });
    await c.query(`drop table ${table}`);
    await assert.rejects(
      Store.open(config, key),
      (e: Error & { code?: string }) => e.code === 'STORE_DAMAGED',
    );
  } finally {
    await c.end();
  }
});
