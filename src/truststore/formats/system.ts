/**
 * The Debian/Ubuntu system store: local CA files `usr/local/share/ca-certificates/*.crt`, from which
 * `update-ca-certificates` builds `etc/ssl/certs/ca-certificates.crt` (the bundle most clients read)
 * and the hashed links in `etc/ssl/certs`. With a root directory, the real update-ca-certificates runs
 * with every one of its paths pointed into that root (--certsconf, --certsdir, --localcertsdir,
 * --etccertsdir, --hooksdir), so the bundle is exactly what Debian makes and the host is never touched.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import {
  backupStamp,
  exists,
  type FileVersion,
  ioError,
  readFileVersioned,
  writeFileAtomic,
} from '../../files/atomic.js';
import { decodePem, encodePem } from '../../pki/formats/pem.js';
import { fail } from '../../shared/errors.js';
import { certFacts, type KeyEntry, type TrustEntry } from '../anchor.js';
import type { Change, OpenOptions, Problem, Truststore, TruststoreFormat } from './types.js';

const run = promisify(execFile);

/** The local CA directory below a root. */
export const LOCAL_DIR = 'usr/local/share/ca-certificates';
/** The bundle below a root. */
export const BUNDLE = 'etc/ssl/certs/ca-certificates.crt';

/** The paths of a system store below `root`. */
export function systemPaths(root: string): {
  local: string;
  etcCerts: string;
  bundle: string;
  args: string[];
} {
  const r = resolve(root);
  const local = join(r, LOCAL_DIR);
  const etcCerts = join(r, 'etc/ssl/certs');
  const args =
    r === '/'
      ? []
      : [
          '--certsconf',
          join(r, 'etc/ca-certificates.conf'),
          '--certsdir',
          join(r, 'usr/share/ca-certificates'),
          '--localcertsdir',
          local,
          '--etccertsdir',
          etcCerts,
          '--hooksdir',
          join(r, 'etc/ca-certificates/update.d'),
        ];
  return { local, etcCerts, bundle: join(r, BUNDLE), args };
}

async function walk(dir: string, base = dir): Promise<string[]> {
  let names: import('node:fs').Dirent[];
  try {
    names = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    return ioError(e, dir, 'read');
  }
  const out: string[] = [];
  for (const d of names.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, d.name);
    const st = await fs.stat(p).catch(() => undefined);
    if (st?.isDirectory()) out.push(...(await walk(p, base)));
    else if (st?.isFile() && d.name.endsWith('.crt')) out.push(relative(base, p));
  }
  return out;
}

async function readPemCerts(
  path: string,
): Promise<{ ders: Uint8Array[]; keys: number; version: FileVersion }> {
  const { data, version } = await readFileVersioned(path);
  const blocks = decodePem(data.toString('latin1'));
  return {
    version,
    ders: blocks
      .filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE')
      .map((b) => b.der),
    keys: blocks.filter((b) => b.label.includes('PRIVATE KEY')).length,
  };
}

/** Runs update-ca-certificates against the root; its output is kept for the report. */
async function updateCaCertificates(args: string[], fresh: boolean): Promise<string> {
  const cmd = ['update-ca-certificates', ...(fresh ? ['--fresh'] : []), ...args];
  try {
    await run(cmd[0]!, cmd.slice(1), { timeout: 60_000 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') {
      fail(
        'NOT_YET',
        'update-ca-certificates is not installed: the system store is supported on Debian and Ubuntu',
      );
    }
    fail('IO_ERROR', `${cmd.join(' ')} failed: ${err.stderr || err.message}`);
  }
  return cmd.join(' ');
}

/** Opens the system store below `opts.rootDir` (default `/`). */
async function open(_path: string, opts: OpenOptions): Promise<Truststore> {
  const paths = systemPaths(opts.rootDir ?? '/');
  const entries: (TrustEntry & { file: string })[] = [];
  const keys: KeyEntry[] = [];
  const versions = new Map<string, FileVersion>();
  for (const file of await walk(paths.local)) {
    const { ders, keys: k, version } = await readPemCerts(join(paths.local, file));
    versions.set(file, version);
    if (k) keys.push({ alias: file });
    // update-ca-certificates copies the whole file into the bundle; each certificate is an entry.
    for (const der of ders) entries.push({ alias: file.replace(/\.crt$/, ''), cert: certFacts(der), file });
  }
  const bundleAnchors = async (): Promise<Uint8Array[]> => {
    if (!(await exists(paths.bundle))) return [];
    return (await readPemCerts(paths.bundle)).ders;
  };
  return {
    type: 'system',
    path: paths.local,
    created: false,
    entries,
    privateKeys: keys,
    writablePaths: () => [paths.local, paths.etcCerts],
    async apply(change: Change, now: Date) {
      const written: string[] = [];
      const backups: string[] = [];
      for (const e of change.add) {
        if (await exists(join(paths.local, `${e.alias}.crt`))) {
          fail(
            'ALIAS_EXISTS',
            `${join(paths.local, `${e.alias}.crt`)} already exists: choose another alias`,
            { field: 'alias' },
          );
        }
      }
      const gone = new Set(change.remove.map((e) => e.cert.sha256));
      const files = new Set(entries.filter((e) => gone.has(e.cert.sha256)).map((e) => e.file));
      for (const file of files) {
        const others = entries.filter((e) => e.file === file && !gone.has(e.cert.sha256));
        const path = join(paths.local, file);
        if (others.length > 0) {
          // A file holding several certificates keeps the ones not removed.
          const backup = await writeFileAtomic(
            path,
            others.map((o) => encodePem('CERTIFICATE', o.cert.der)).join(''),
            { backup: true, now, ...(versions.has(file) ? { expect: versions.get(file)! } : {}) },
          );
          if (backup) backups.push(backup);
          written.push(path);
        } else {
          const backup = `${path}.bak-${backupStamp(now)}`;
          await fs.rename(path, backup);
          backups.push(backup);
        }
      }
      if (change.add.length) await fs.mkdir(paths.local, { recursive: true });
      for (const e of change.add) {
        const path = join(paths.local, `${e.alias}.crt`);
        await writeFileAtomic(path, encodePem('CERTIFICATE', e.cert.der), { mode: 0o644 });
        written.push(path);
      }
      await fs.mkdir(paths.etcCerts, { recursive: true });
      // --fresh after a removal: without it the old file's links stay behind (Debian's own advice).
      const ran = await updateCaCertificates(paths.args, change.remove.length > 0);
      written.push(paths.bundle);
      return { written, backups, ran: [ran] };
    },
    async problems(): Promise<Problem[]> {
      if (!(await exists(paths.bundle))) {
        return [
          {
            severity: 'error',
            code: 'BUNDLE_STALE',
            message: `${paths.bundle} does not exist: run update-ca-certificates${paths.args.length ? ` ${paths.args.join(' ')}` : ''}`,
          },
        ];
      }
      const inBundle = new Set((await bundleAnchors()).map((d) => certFacts(d).sha256));
      return entries
        .filter((e) => !inBundle.has(e.cert.sha256))
        .map((e) => ({
          severity: 'error' as const,
          code: 'BUNDLE_STALE',
          message: `${e.file} (${e.cert.subject}) is not in ${paths.bundle} yet: run update-ca-certificates`,
        }));
    },
    anchorsForClients: bundleAnchors,
  };
}

/** The Debian/Ubuntu system store. */
export const systemFormat: TruststoreFormat = { type: 'system', open };
