/**
 * Backup and restore of the embedded SQLite store. The backup uses SQLite's online backup, so it is
 * consistent while the server keeps serving. A restore is offline: the file is checked (it opens with
 * the master key, migrates, and its audit chain verifies) before it replaces the store, and the
 * replaced store is kept beside it.
 */
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { verifyChain } from '../audit/chain.js';
import { backupStamp, ioError } from '../files/atomic.js';
import { fail } from '../shared/errors.js';
import { DATA_FILES, runningServerPid } from './data-dir.js';
import type { MasterKey } from './seal.js';
import { Store } from './store.js';

/** A consistent copy of an open SQLite store, as bytes. */
export async function sqliteBackupBytes(store: Store): Promise<Uint8Array> {
  const handle = store.sqlite;
  if (!handle) fail('NOT_YET', 'the online backup is for the SQLite store; back up PostgreSQL with pg_dump');
  const tmp = join(tmpdir(), `rollover-backup-${randomBytes(6).toString('hex')}.db`);
  try {
    await handle.backup(tmp);
    return await fs.readFile(tmp);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

async function readFileHead(file: string, n: number): Promise<Buffer> {
  try {
    const fh = await fs.open(file, 'r');
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    return ioError(e, file, 'read');
  }
}

/** What a restore did. */
export interface RestoreResult {
  restored: string;
  previous: string | undefined;
  events: number;
  counts: Record<string, number>;
}

/** Checks a backup file: it must open with `key`, migrate, and its audit chain must verify. */
export async function checkBackup(
  file: string,
  key: MasterKey,
): Promise<{ events: number; counts: Record<string, number> }> {
  // Only the header: a backup may be far larger than the bound for certificate-sized inputs.
  const head = (await readFileHead(file, 16)).toString('latin1');
  if (head !== 'SQLite format 3\u0000')
    fail('UNSUPPORTED_FORMAT', `${file} is not a SQLite database (a rollover backup)`);
  // Check a private copy: opening migrates, and the original must not change.
  const copy = join(tmpdir(), `rollover-restore-${randomBytes(6).toString('hex')}.db`);
  await fs.copyFile(file, copy);
  try {
    const store = await Store.open({ kind: 'sqlite', file: copy }, key);
    try {
      const v = verifyChain(store.auditKey(), await store.auditEvents(), await store.auditHead());
      if (!v.ok)
        fail('AUDIT_BROKEN', `the backup's audit log does not verify: ${v.problems[0]?.message}`, {
          problems: v.problems,
        });
      return { events: v.events, counts: await store.counts() };
    } finally {
      await store.close();
    }
  } finally {
    for (const f of [copy, `${copy}-wal`, `${copy}-shm`]) await fs.rm(f, { force: true });
  }
}

/** Replaces DATA_DIR/rollover.db with a checked backup; refuses while a server uses the directory. */
export async function restoreSqlite(
  dataDir: string,
  file: string,
  key: MasterKey,
  now: Date,
): Promise<RestoreResult> {
  const pid = await runningServerPid(dataDir);
  if (pid !== undefined)
    fail('SERVER_RUNNING', `a server (pid ${pid}) uses ${dataDir}: stop it before restoring`);
  const checked = await checkBackup(file, key);
  const target = join(dataDir, DATA_FILES.db);
  const tmp = join(dataDir, `.${DATA_FILES.db}.${randomBytes(6).toString('hex')}.tmp`);
  let previous: string | undefined;
  try {
    await fs.copyFile(file, tmp, constants.COPYFILE_EXCL);
    await fs.chmod(tmp, 0o600);
    try {
      await fs.access(target);
      previous = `${target}.bak-${backupStamp(now)}`;
      // Through SQLite, so rows still in the old store's WAL journal are kept too.
      const old = new Sqlite(target, { fileMustExist: true });
      try {
        await old.backup(previous);
      } finally {
        old.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      previous = undefined;
    }
    await fs.rename(tmp, target);
    // The old store's journal belongs to the old file.
    await fs.rm(`${target}-wal`, { force: true });
    await fs.rm(`${target}-shm`, { force: true });
  } catch (e) {
    await fs.rm(tmp, { force: true });
    fail('IO_ERROR', `restore failed, the store is unchanged: ${(e as Error).message}`);
  }
  // The restored log records its own restore, so the chain shows where history was replaced.
  const store = await Store.open({ kind: 'sqlite', file: target }, key);
  try {
    await store.append({
      at: now.toISOString(),
      actor: 'rollover',
      role: 'system',
      organisation: '',
      action: 'store.restore',
      targetKind: 'store',
      targetId: DATA_FILES.db,
      change: JSON.stringify({ from: file, previous: previous ?? null, events: checked.events }),
    });
  } finally {
    await store.close();
  }
  return { restored: target, previous, events: checked.events, counts: checked.counts };
}
