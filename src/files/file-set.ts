import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../shared/errors.js';
import { exists, ioError } from './atomic.js';

/**
 * Writes a set of files into a directory as one unit: all are written to temporary names first and
 * renamed into place only when every write succeeded, so a failure leaves nothing half-written.
 * Refuses (FILE_EXISTS) when any `guard` file already exists, unless `force`.
 */
export async function writeFileSet(
  dir: string,
  files: Record<string, { data: string | Uint8Array; mode: number }>,
  opts: { force: boolean; guard: string[] },
): Promise<string[]> {
  if (!opts.force) {
    for (const name of opts.guard) {
      if (await exists(join(dir, name))) {
        fail('FILE_EXISTS', `${join(dir, name)} already exists: write elsewhere or replace it explicitly`, {
          field: 'out',
          path: join(dir, name),
        });
      }
    }
  }
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  } catch (e) {
    ioError(e, dir, 'create');
  }
  const suffix = `.${randomBytes(6).toString('hex')}.tmp`;
  const written: string[] = [];
  try {
    for (const [name, f] of Object.entries(files)) {
      const tmp = join(dir, `.${name}${suffix}`);
      await fs.writeFile(tmp, f.data, { mode: f.mode, flag: 'wx' });
      await fs.chmod(tmp, f.mode);
      written.push(tmp);
    }
  } catch (e) {
    await Promise.all(written.map((t) => fs.rm(t, { force: true })));
    return ioError(e, dir, 'write into');
  }
  const paths: string[] = [];
  for (const name of Object.keys(files)) {
    await fs.rename(join(dir, `.${name}${suffix}`), join(dir, name));
    paths.push(join(dir, name));
  }
  return paths;
}
