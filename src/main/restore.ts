/**
 * Composition root of `rollover restore`: finds the master key (flag, environment or data directory)
 * and replaces the SQLite store in the data directory with a checked backup.
 */
import { restoreSqlite } from '../store/backup.js';
import { resolveMasterKey } from '../store/data-dir.js';

/** Restores `file` into `dataDir` (absolute paths); the server must be stopped. */
export async function restoreDataDir(o: {
  dataDir: string;
  file: string;
  masterKeyFile: string | undefined;
  envKey: string | undefined;
  now: Date;
}) {
  const { key } = await resolveMasterKey({
    dataDir: o.dataDir,
    masterKeyFile: o.masterKeyFile,
    envKey: o.envKey,
    storeExists: true,
  });
  return restoreSqlite(o.dataDir, o.file, key, o.now);
}
