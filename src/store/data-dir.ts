/**
 * The data directory: where the embedded store, its master key, the initial admin token and the
 * client profile live, and how the master key is found (flag file, environment, or DATA_DIR/master.key).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { exists, readFileChecked, writeFileAtomic } from '../files/atomic.js';
import { fail } from '../shared/errors.js';
import { formatMasterKey, generateMasterKey, type MasterKey, parseMasterKey } from './seal.js';

/** File names inside a data directory. */
export const DATA_FILES = {
  db: 'rollover.db',
  masterKey: 'master.key',
  adminToken: 'initial-admin.token',
  client: 'client.json',
  pid: 'server.pid',
} as const;

/** Where a master key may come from. */
export interface MasterKeySources {
  dataDir: string;
  masterKeyFile?: string | undefined;
  /** ROLLOVER_MASTER_KEY. */
  envKey?: string | undefined;
  /** True when the store already holds data (a key must then be given, never generated). */
  storeExists: boolean;
}

/** The master key and whether it was generated now (and must be written to DATA_DIR/master.key). */
export async function resolveMasterKey(s: MasterKeySources): Promise<{ key: MasterKey; generated: boolean }> {
  if (s.masterKeyFile) {
    return {
      key: parseMasterKey((await readFileChecked(s.masterKeyFile)).toString('utf8'), s.masterKeyFile),
      generated: false,
    };
  }
  if (s.envKey) return { key: parseMasterKey(s.envKey, 'ROLLOVER_MASTER_KEY'), generated: false };
  const file = join(s.dataDir, DATA_FILES.masterKey);
  if (await exists(file)) {
    return { key: parseMasterKey((await readFileChecked(file)).toString('utf8'), file), generated: false };
  }
  if (s.storeExists) {
    fail(
      'WRONG_MASTER_KEY',
      `the store in ${s.dataDir} exists but no master key was found: give it with --master-key-file or ROLLOVER_MASTER_KEY (nothing was changed)`,
    );
  }
  return { key: generateMasterKey(), generated: true };
}

/** Writes a generated master key to DATA_DIR/master.key, readable by the owner only. */
export async function writeMasterKey(dataDir: string, key: MasterKey): Promise<string> {
  const file = join(dataDir, DATA_FILES.masterKey);
  await writeFileAtomic(file, formatMasterKey(key), { mode: 0o600 });
  return file;
}

/** Creates the data directory (owner only) when missing. */
export async function ensureDataDir(dataDir: string): Promise<void> {
  try {
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (e) {
    fail('NOT_WRITABLE', `cannot create the data directory ${dataDir}: ${(e as Error).message}`);
  }
}

/** The pid of a live server using the data directory, if any. */
export async function runningServerPid(dataDir: string): Promise<number | undefined> {
  const file = join(dataDir, DATA_FILES.pid);
  let pid: number;
  try {
    pid = Number((await fs.readFile(file, 'utf8')).trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
