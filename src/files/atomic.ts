import { createHash, randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail, isRolloverError } from '../shared/errors.js';

/**
 * The most bytes rollover reads from a certificate, key, store, config or token argument. The
 * largest real inputs (Mozilla's bundle, Java's cacerts) are a few hundred KB; the bound stops a
 * mistaken `/dev/zero` or a multi-GB log given as a certificate from filling the memory.
 */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** What a file was when it was read: compared just before a rename replaces it. */
export type FileVersion =
  | { exists: false }
  | { exists: true; dev: number; ino: number; size: number; mtimeNs: bigint; sha256: string };

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
  /**
   * The file as it was read: when it differs just before the rename (another program replaced or
   * edited it meanwhile), nothing is written and FILE_CHANGED is raised, so no change is lost.
   */
  expect?: FileVersion;
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

/**
 * Reads at most `limit` bytes of a file (FILE_TOO_LARGE beyond), by chunks: a device such as
 * `/dev/zero` reports size 0 and never ends, so the size from stat cannot be trusted.
 */
async function readBounded(
  path: string,
  limit: number,
): Promise<{ data: Buffer; st: import('node:fs').BigIntStats }> {
  const fh = await fs.open(path, 'r');
  try {
    const st = await fh.stat({ bigint: true });
    if (st.isDirectory()) {
      const e = new Error('is a directory') as NodeJS.ErrnoException;
      e.code = 'EISDIR';
      throw e;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafeSlow(Math.min(1024 * 1024, limit + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) {
        fail(
          'FILE_TOO_LARGE',
          `${path} is larger than ${limit} bytes, more than any certificate, key or store: check the path`,
          { path, limit },
        );
      }
    }
    // Not Buffer.concat: small results would come from Node's shared pool, and decoders that use
    // `data.buffer` (as from fs.readFile) would then read the pool instead of the file.
    const data = Buffer.alloc(total);
    let at = 0;
    for (const c of chunks) at += c.copy(data, at);
    return { data, st };
  } finally {
    await fh.close();
  }
}

/** Reads a file (at most `limit` bytes, default {@link MAX_INPUT_BYTES}), mapping errors to typed ones. */
export async function readFileChecked(path: string, limit = MAX_INPUT_BYTES): Promise<Buffer> {
  return (await readFileVersioned(path, limit)).data;
}

/** Reads a file like {@link readFileChecked}; a missing file reads as undefined. */
export async function readFileIfExists(path: string, limit = MAX_INPUT_BYTES): Promise<Buffer | undefined> {
  try {
    return await readFileChecked(path, limit);
  } catch (e) {
    if (isRolloverError(e, 'FILE_NOT_FOUND')) return undefined;
    throw e;
  }
}

/** Reads a file like {@link readFileChecked} and also returns its version, for `expect` on write. */
export async function readFileVersioned(
  path: string,
  limit = MAX_INPUT_BYTES,
): Promise<{ data: Buffer; version: FileVersion }> {
  try {
    const { data, st } = await readBounded(path, limit);
    return { data, version: versionOf(st, data) };
  } catch (e) {
    if (isRolloverError(e)) throw e;
    return ioError(e, path, 'read');
  }
}

function versionOf(st: import('node:fs').BigIntStats, data: Uint8Array): FileVersion {
  return {
    exists: true,
    dev: Number(st.dev),
    ino: Number(st.ino),
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    sha256: createHash('sha256').update(data).digest('hex'),
  };
}

/** The current version of a file (read whole to hash it), or `{ exists: false }`. */
export async function currentVersion(path: string): Promise<FileVersion> {
  try {
    const { data, st } = await readBounded(path, Number.MAX_SAFE_INTEGER);
    return versionOf(st, data);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false };
    throw e;
  }
}

function sameVersion(a: FileVersion, b: FileVersion): boolean {
  if (!a.exists || !b.exists) return a.exists === b.exists;
  return (
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.sha256 === b.sha256
  );
}

/**
 * The file a write to `path` must replace: `path` itself, or for a symbolic link the file it resolves
 * to, so the link (Debian's Java `cacerts`, say) stays and its readers see the change. Refuses
 * (LINK_UNSAFE) a dangling link, which a rename would turn into an unrelated new file, and a file with
 * several hard links, whose other names would keep the old content.
 */
export async function writeTarget(path: string): Promise<string> {
  let lst: import('node:fs').Stats;
  try {
    lst = await fs.lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return path;
    return ioError(e, path, 'read');
  }
  let target = path;
  if (lst.isSymbolicLink()) {
    try {
      target = await fs.realpath(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ELOOP') {
        const to = await fs.readlink(path).catch(() => '?');
        fail(
          'LINK_UNSAFE',
          `${path} is a symbolic link to ${to}, which does not exist: nothing was written; point the link at the real store, or remove the link to create a new one`,
          { path, target: to },
        );
      }
      return ioError(e, path, 'read');
    }
  }
  const st = target === path ? lst : await fs.stat(target);
  if (st.isFile() && st.nlink > 1) {
    fail(
      'LINK_UNSAFE',
      `${target} has ${st.nlink} hard links: replacing it would leave the other names with the old content; nothing was written (make it a single file, with symbolic links to it)`,
      { path: target },
    );
  }
  if (!st.isFile() && !st.isDirectory()) {
    fail('LINK_UNSAFE', `${target} is not a regular file: nothing was written`, { path: target });
  }
  return target;
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
 * A symbolic link is written through (see {@link writeTarget}): the link stays, its target gets the
 * new content, and the backup sits beside the target. With `expect`, a file changed since it was read
 * is left as it is (FILE_CHANGED). On any failure the original file is untouched. Returns the backup
 * path when one was made.
 */
export async function writeFileAtomic(
  given: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions = {},
): Promise<string | undefined> {
  const path = await writeTarget(given);
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
    // The last moment before the rename: a store someone else replaced since it was read stays theirs.
    if (opts.expect && !sameVersion(opts.expect, await currentVersion(path))) {
      fail(
        'FILE_CHANGED',
        `${given} changed on disk after rollover read it (another program wrote it): nothing was written; run the command again`,
        { path: given },
      );
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    if (backupPath) await fs.rm(backupPath, { force: true });
    if (isRolloverError(e)) throw e;
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
