/**
 * An OpenSSL hashed directory (curl --capath, `openssl … -CApath`): certificate files plus links named
 * `<subject hash>.<n>`, as `openssl rehash` (c_rehash) makes them. OpenSSL looks a name up by trying
 * `<hash>.0`, `<hash>.1`, … and stops at the first missing one, so the numbers of one hash must stay
 * contiguous: a removal renumbers the links after it.
 */
import { promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { backupStamp, exists, ioError, readFileIfExists, writeFileAtomic } from '../../files/atomic.js';
import { decodePem, encodePem, looksLikePem } from '../../pki/formats/pem.js';
import { fail } from '../../shared/errors.js';
import { type CertFacts, certFacts, type KeyEntry, type TrustEntry } from '../anchor.js';
import { subjectHash } from '../subject-hash.js';
import type { Change, Problem, Truststore, TruststoreFormat } from './types.js';

const HASH_NAME = /^([0-9a-f]{8})\.(\d+)$/;
const CERT_FILE = /\.(pem|crt|cer)$/i;

interface HashLink {
  name: string;
  hash: string;
  index: number;
  /** The file in the directory it resolves to (itself when it is a regular file). */
  target?: string;
  symlink: boolean;
}

interface DirEntry extends TrustEntry {
  /** The file holding the certificate (relative to the directory). */
  file: string;
}

function readCertFile(data: Buffer): { certs: CertFacts[]; keys: number } {
  if (looksLikePem(data)) {
    const blocks = decodePem(data.toString('latin1'));
    const certs = blocks
      .filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE')
      .map((b) => certFacts(b.der));
    return { certs, keys: blocks.filter((b) => b.label.includes('PRIVATE KEY')).length };
  }
  return { certs: [certFacts(new Uint8Array(data))], keys: 0 };
}

/** Reads the directory: certificate files, hash links, and which link points where. */
async function scan(
  dir: string,
): Promise<{ entries: DirEntry[]; links: HashLink[]; keys: KeyEntry[]; skipped: string[] }> {
  let names: string[];
  try {
    names = (await fs.readdir(dir)).sort();
  } catch (e) {
    return ioError(e, dir, 'read');
  }
  const entries: DirEntry[] = [];
  const links: HashLink[] = [];
  const keys: KeyEntry[] = [];
  const skipped: string[] = [];
  const byFile = new Map<string, DirEntry>();
  const abs = resolve(dir);
  for (const name of names) {
    const hm = HASH_NAME.exec(name);
    if (!hm && !CERT_FILE.test(name)) continue;
    const path = join(dir, name);
    const lst = await fs.lstat(path);
    let target: string | undefined = name;
    if (lst.isSymbolicLink()) {
      const to = resolve(abs, await fs.readlink(path));
      target =
        to.startsWith(`${abs}/`) && !to.slice(abs.length + 1).includes('/')
          ? to.slice(abs.length + 1)
          : undefined;
    }
    if (hm)
      links.push({
        name,
        hash: hm[1]!,
        index: Number(hm[2]),
        symlink: lst.isSymbolicLink(),
        ...(target ? { target } : {}),
      });
    // A hash link to a certificate file in this directory is not an entry of its own.
    if (hm && lst.isSymbolicLink() && target && CERT_FILE.test(target)) continue;
    const data = await readFileIfExists(path);
    if (data === undefined) continue; // a dangling link: reported by check
    const { certs, keys: k } = readCertFile(data);
    if (k > 0) keys.push({ alias: name });
    // openssl rehash links only files that hold exactly one certificate; so does this reader.
    if (certs.length !== 1) {
      if (!k) skipped.push(name);
      continue;
    }
    const alias = hm ? name : name.replace(CERT_FILE, '');
    const entry: DirEntry = { alias, cert: certs[0]!, file: name };
    byFile.set(name, entry);
    entries.push(entry);
  }
  return { entries, links, keys, skipped };
}

/** Renames the links of one hash to .0, .1, … in their current order (ascending, so targets are free). */
async function renumber(dir: string, group: HashLink[]): Promise<void> {
  group.sort((a, b) => a.index - b.index);
  for (const [i, l] of group.entries()) {
    if (l.index === i) continue;
    await fs.rename(join(dir, l.name), join(dir, `${l.hash}.${i}`));
    l.index = i;
    l.name = `${l.hash}.${i}`;
  }
}

/** Opens a hashed directory. */
async function open(dir: string): Promise<Truststore> {
  let st: import('node:fs').Stats;
  try {
    st = await fs.stat(dir);
  } catch (e) {
    return ioError(e, dir, 'read');
  }
  if (!st.isDirectory()) fail('UNSUPPORTED_FORMAT', `${dir} is not a directory`);
  const { entries, links, keys, skipped } = await scan(dir);
  return {
    type: 'dir',
    path: dir,
    created: false,
    entries,
    privateKeys: keys,
    writablePaths: () => [dir],
    async apply(change: Change, now: Date) {
      const written: string[] = [];
      const backups: string[] = [];
      const stamp = backupStamp(now);
      const removed = new Set(change.remove.map((e) => e.cert.sha256));
      const live = [...links];
      for (const e of change.add) {
        if (await exists(join(dir, `${e.alias}.pem`))) {
          fail('ALIAS_EXISTS', `${join(dir, `${e.alias}.pem`)} already exists: choose another alias`, {
            field: 'alias',
          });
        }
      }
      for (const e of entries.filter((x) => removed.has(x.cert.sha256))) {
        const hash = subjectHash(e.cert.der);
        // Links first, so no link ever points at a missing file; then keep the file as its backup.
        for (const l of live.filter((x) => x.target === e.file)) {
          if (l.symlink) await fs.rm(join(dir, l.name), { force: true });
          live.splice(live.indexOf(l), 1);
        }
        const backup = join(dir, `${e.file}.bak-${stamp}`);
        await fs.rename(join(dir, e.file), backup);
        backups.push(backup);
        await renumber(
          dir,
          live.filter((l) => l.hash === hash),
        );
      }
      for (const e of change.add) {
        const file = `${e.alias}.pem`;
        const path = join(dir, file);
        await writeFileAtomic(path, encodePem('CERTIFICATE', e.cert.der), { mode: 0o644 });
        written.push(path);
        const hash = subjectHash(e.cert.der);
        const index = live.filter((l) => l.hash === hash).length;
        const name = `${hash}.${index}`;
        try {
          await fs.symlink(file, join(dir, name));
        } catch (err) {
          ioError(err, join(dir, name), 'create the link');
        }
        live.push({ name, hash, index, target: file, symlink: true });
        written.push(join(dir, name));
      }
      return { written, backups, ran: [] };
    },
    async problems(): Promise<Problem[]> {
      const out: Problem[] = [];
      for (const name of skipped) {
        out.push({
          severity: 'warning',
          code: 'BAD_CERTIFICATE',
          message: `${name} does not hold exactly one certificate, so OpenSSL ignores it`,
        });
      }
      for (const l of links) {
        if (l.symlink && l.target === undefined) {
          const to = await fs.readlink(join(dir, l.name));
          const ok = await fs.stat(join(dir, l.name)).then(
            () => true,
            () => false,
          );
          if (!ok)
            out.push({
              severity: 'error',
              code: 'HASH_LINK_BROKEN',
              message: `${l.name} points to ${to}, which does not exist`,
            });
        }
      }
      const byHash = new Map<string, number[]>();
      for (const l of links) byHash.set(l.hash, [...(byHash.get(l.hash) ?? []), l.index]);
      for (const [hash, idx] of byHash) {
        idx.sort((a, b) => a - b);
        idx.forEach((v, i) => {
          if (v !== i && !idx.includes(i)) {
            out.push({
              severity: 'error',
              code: 'HASH_LINK_BROKEN',
              message: `${hash}.${i} is missing, so OpenSSL never reaches ${hash}.${v}: run openssl rehash ${dir}`,
            });
          }
        });
      }
      for (const e of entries) {
        const hash = subjectHash(e.cert.der);
        const reachable = links.some((l) => l.hash === hash && (l.target === e.file || l.name === e.file));
        if (!reachable) {
          out.push({
            severity: 'error',
            code: 'HASH_LINK_BROKEN',
            message: `${e.file} (${e.cert.subject}) has no ${hash}.N link, so OpenSSL cannot find it: run openssl rehash ${dir}`,
          });
        }
      }
      return out;
    },
    anchorsForClients: async () => entries.map((e) => e.cert.der),
  };
}

/** The hashed-directory format. */
export const dirFormat: TruststoreFormat = { type: 'dir', open: (path) => open(path) };
