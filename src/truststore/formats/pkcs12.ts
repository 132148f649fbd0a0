/**
 * A PKCS#12 truststore (Java's default store type since 9). The codec lives in the PKI core and is
 * loaded only when a PKCS#12 file is opened (pkijs is heavy, and CLI start time counts). Private-key
 * entries are written back from the bag as read, still encrypted: untouched.
 */
import { writeFileAtomic } from '../../files/atomic.js';
import { certFacts, type KeyEntry, type TrustEntry } from '../anchor.js';
import { readStoreFile } from '../io.js';
import { requireStorePassword } from './keystore-common.js';
import type { Change, Problem, Truststore, TruststoreFormat } from './types.js';

async function open(path: string, opts: { password?: string; create?: boolean }): Promise<Truststore> {
  const codec = await import('../../pki/formats/pkcs12.js');
  const { data, version } = await readStoreFile(path, opts.create);
  const password = requireStorePassword(opts.password, path, 'PKCS#12');
  const store = data ? await codec.decodePkcs12(new Uint8Array(data), password) : { entries: [] };
  const entries: TrustEntry[] = [];
  const keys: KeyEntry[] = [];
  const unmarked: string[] = [];
  for (const e of store.entries) {
    if (e.kind === 'trusted-cert') {
      entries.push({ alias: e.alias, cert: certFacts(e.cert) });
      if (e.javaTrusted === false) unmarked.push(e.alias);
    } else keys.push({ alias: e.alias });
  }
  return {
    type: 'pkcs12',
    path,
    created: data === undefined,
    entries,
    privateKeys: keys,
    writablePaths: () => [path],
    async apply(change: Change, now: Date) {
      const gone = new Set(change.remove.map((e) => e.cert.sha256));
      const kept = store.entries
        .filter((e) => e.kind !== 'trusted-cert' || !gone.has(certFacts(e.cert).sha256))
        .map((e) => {
          if (e.kind !== 'private-key' || !e.keyBag) return e;
          const { pkcs8: _dropped, ...asRead } = e;
          return asRead;
        });
      const next = [
        ...kept,
        ...change.add.map((e) => ({ kind: 'trusted-cert' as const, alias: e.alias, cert: e.cert.der })),
      ];
      const bytes = await codec.encodePkcs12({ entries: next }, password);
      const backup = await writeFileAtomic(path, bytes, {
        backup: data !== undefined,
        now,
        mode: 0o644,
        expect: version,
      });
      return { written: [path], backups: backup ? [backup] : [], ran: [] };
    },
    problems: async (): Promise<Problem[]> =>
      unmarked.map((alias) => ({
        severity: 'warning',
        code: 'NOT_JAVA_TRUSTED',
        message: `entry "${alias}" lacks Java's trust attribute, so Java ignores it (rewriting the file with rollover adds it)`,
      })),
    anchorsForClients: async () => entries.map((e) => e.cert.der),
  };
}

/** The PKCS#12 format. */
export const pkcs12Format: TruststoreFormat = { type: 'pkcs12', open };
