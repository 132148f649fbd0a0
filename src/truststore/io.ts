/** File checks shared by the truststore formats: reading a store, and refusing before any write. */
import { constants, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { type FileVersion, ioError, readFileVersioned, writeTarget } from '../files/atomic.js';
import { fail } from '../shared/errors.js';

/** A store file as read: its bytes (undefined for a new store) and its version, for the write back. */
export interface StoreFile {
  data: Buffer | undefined;
  version: FileVersion;
}

/**
 * Reads a store file; with `create`, a missing file reads as no data (a new, empty store). A
 * symbolic link is read through; a dangling one is refused (LINK_UNSAFE) rather than read as a new
 * store, since writing it would replace the link.
 */
export async function readStoreFile(path: string, create = false): Promise<StoreFile> {
  try {
    const st = await fs.stat(path);
    if (st.isDirectory())
      fail(
        'UNSUPPORTED_FORMAT',
        `${path} is a directory: name its type (a hashed directory, or the system store)`,
        {
          field: 'type',
        },
      );
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && create) {
      await writeTarget(path);
      return { data: undefined, version: { exists: false } };
    }
    if ((e as NodeJS.ErrnoException).code) ioError(e, path, 'read');
    throw e;
  }
  return readFileVersioned(path);
}

async function checkOne(path: string): Promise<import('node:fs').Stats | undefined> {
  let st: import('node:fs').Stats;
  try {
    st = await fs.stat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return ioError(e, path, 'read');
  }
  const what = st.isDirectory() ? 'directory' : 'file';
  // Root may write anything, but a store someone made read-only (no w bit at all) was made so on purpose.
  if ((st.mode & 0o222) === 0) {
    fail(
      'NOT_WRITABLE',
      `${path} is read-only (mode ${(st.mode & 0o777).toString(8)}): make the ${what} writable first`,
      { path },
    );
  }
  try {
    await fs.access(path, constants.W_OK);
  } catch (e) {
    ioError(e, path, what === 'directory' ? 'write into' : 'write');
  }
  return st;
}

/**
 * Refuses (NOT_WRITABLE) unless every path (a file and its directory, or a directory) can be
 * written: checked before any change so a refusal leaves everything as it was. Catches a read-only
 * mode even for root, and an immutable file or directory (chattr +i), whose access check fails.
 */
export async function assertEditable(paths: readonly string[]): Promise<void> {
  for (const given of paths) {
    // A link is written through: what must be writable is its target and the target's directory.
    const p = await writeTarget(given);
    const st = await checkOne(p);
    if (!st?.isDirectory()) await checkOne(dirname(p));
  }
}
