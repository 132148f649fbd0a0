import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail } from '../shared/errors.js';

/** UTC timestamp used in backup names: 20261127T110348Z. */
export function backupStamp(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** File mode for a new file (an existing file keeps its own mode and owner). */
  mode?: number;
  /** Keep the previous content beside the file as `FILE.bak-<UTC timestamp>`. */
  backup?: boolean;
  /** The instant used for the backup name. */
  now?: Date;
}

/** Maps a Node file-system error to a typed error a person can act on. */
export function ioError(e: unknown, path: string, verb: string): never {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') fail('FILE_NOT_FOUND', `${path} does not exist`, { path });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    fail('NOT_WRITABLE', `cannot ${verb} ${path}: permission denied (check the file and its directory)`, {
      path,
    });
  }
  if (code === 'EISDIR') fail('IO_ERROR', `${path} is a directory, not a file`, { path });
  fail('IO_ERROR', `cannot ${verb} ${path}: ${(e as Error).message}`, { path });
}

/** Reads a file, mapping errors to typed ones. */
export async function readFileChecked(path: string): Promise<Buffer> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    return ioError(e, path, 'read');
  }
}

/** Fails with NOT_WRITABLE unless the file (if it exists) and its directory can be written. */
export async function assertWritable(path: string): Promise<void> {
  try {
    await fs.access(dirname(path), constants.W_OK);
  } catch (e) {
    ioError(e, dirname(path), 'write into');
  }
  try {
    await fs.access(path, constants.W_OK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') ioError(e, path, 'write');
  }
}

/**
 * Writes a file atomically: a temporary file in the same directory, fsync, rename. An existing file
 * keeps its mode and owner, and with `backup` its old content is kept as `FILE.bak-<timestamp>`.
 * On any failure the original file is untouched. Returns the backup path when one was made.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions = {},
): Promise<string | undefined> {
  await assertWritable(path);
  let existing: import('node:fs').Stats | undefined;
  try {
    existing = await fs.stat(path);
  } catch {
    existing = undefined;
  }
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let backupPath: string | undefined;
  try {
    const fh = await fs.open(tmp, 'wx', existing ? existing.mode & 0o7777 : (opts.mode ?? 0o644));
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (existing) {
      await fs.chmod(tmp, existing.mode & 0o7777);
      if (process.getuid?.() === 0) await fs.chown(tmp, existing.uid, existing.gid);
      if (opts.backup) {
        backupPath = `${path}.bak-${backupStamp(opts.now ?? new Date())}`;
        await fs.copyFile(path, backupPath, constants.COPYFILE_EXCL).catch(async (e) => {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
          backupPath = `${backupPath}-${randomBytes(3).toString('hex')}`;
          await fs.copyFile(path, backupPath, constants.COPYFILE_EXCL);
        });
      }
    } else if (opts.mode !== undefined) {
      await fs.chmod(tmp, opts.mode);
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    if (backupPath) await fs.rm(backupPath, { force: true });
    return ioError(e, path, 'write');
  }
  return backupPath;
}

/** True when the path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}
