/**
 * A JKS truststore (Java's `cacerts` before Java 9, and many application stores still). Private-key
 * entries are kept as the raw bytes read and written back unchanged.
 */
import { writeFileAtomic } from '../../files/atomic.js';
import { decodeJks, encodeJks, type JksEntry } from '../../pki/formats/jks.js';
import { certFacts, type KeyEntry, type TrustEntry } from '../anchor.js';
import { readStoreFile } from '../io.js';
import { requireStorePassword } from './keystore-common.js';
import type { Change, Problem, Truststore, TruststoreFormat } from './types.js';

async function open(path: string, opts: { password?: string; create?: boolean }): Promise<Truststore> {
  const { data, version } = await readStoreFile(path, opts.create);
  // keytool lists a JKS without its password (unverified); rollover does too, but writes need it.
  const store = data
    ? decodeJks(new Uint8Array(data), opts.password)
    : { entries: [] as JksEntry[], verified: true };
  const entries: TrustEntry[] = [];
  const keys: KeyEntry[] = [];
  for (const e of store.entries) {
    if (e.kind === 'trusted-cert') entries.push({ alias: e.alias, cert: certFacts(e.cert) });
    else keys.push({ alias: e.alias });
  }
  return {
    type: 'jks',
    path,
    created: data === undefined,
    entries,
    privateKeys: keys,
    writablePaths: () => [path],
    async apply(change: Change, now: Date) {
      const password = requireStorePassword(opts.password, path, 'JKS');
      const gone = new Set(change.remove.map((e) => e.cert.sha256));
      const kept = store.entries.filter(
        (e) => e.kind !== 'trusted-cert' || !gone.has(certFacts(e.cert).sha256),
      );
      const next: JksEntry[] = [
        ...kept,
        ...change.add.map((e) => ({
          kind: 'trusted-cert' as const,
          alias: e.alias.toLowerCase(),
          cert: e.cert.der,
          date: now,
        })),
      ];
      const backup = await writeFileAtomic(path, encodeJks({ entries: next }, password, now), {
        backup: data !== undefined,
        now,
        mode: 0o644,
        expect: version,
      });
      return { written: [path], backups: backup ? [backup] : [], ran: [] };
    },
    problems: async (): Promise<Problem[]> =>
      store.verified
        ? []
        : [
            {
              severity: 'warning',
              code: 'PASSWORD_REQUIRED',
              message:
                'read without a password: the store integrity was not checked (give its password to check it)',
            },
          ],
    anchorsForClients: async () => entries.map((e) => e.cert.der),
  };
}

/** The JKS format. */
export const jksFormat: TruststoreFormat = { type: 'jks', open };
