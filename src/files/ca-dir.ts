import { join } from 'node:path';
import { assertCaUsable, type CaMaterial } from '../pki/authority.js';
import { isCa, readCertificates, readOneCertificate } from '../pki/certificate.js';
import { encodeCertificatesPem } from '../pki/formats/pem.js';
import { privateKeyToPem, readPrivateKey } from '../pki/keys.js';
import { fail } from '../shared/errors.js';
import { readFileChecked, readFileIfExists } from './atomic.js';
import { writeFileSet } from './file-set.js';

/** File names in a CA directory (ARCHITECTURE §7). */
export const CA_FILES = { cert: 'ca.crt', key: 'ca.key', chain: 'chain.crt', root: 'root.crt' } as const;

/** Writes a CA directory: ca.crt, ca.key (encrypted unless passphrase is undefined), and for an intermediate chain.crt and root.crt. */
export async function writeCaDir(
  dir: string,
  ca: CaMaterial,
  passphrase: string | undefined,
  opts: { force?: boolean } = {},
): Promise<string[]> {
  const files: Record<string, { data: string; mode: number }> = {
    [CA_FILES.cert]: { data: encodeCertificatesPem([ca.cert.der]), mode: 0o644 },
    [CA_FILES.key]: { data: privateKeyToPem(ca.key.keyObject, passphrase), mode: 0o600 },
  };
  if (ca.cert.sha256 !== ca.root.sha256) {
    files[CA_FILES.chain] = { data: encodeCertificatesPem(ca.chain.map((c) => c.der)), mode: 0o644 };
    files[CA_FILES.root] = { data: encodeCertificatesPem([ca.root.der]), mode: 0o644 };
  }
  return writeFileSet(dir, files, { force: opts.force ?? false, guard: [CA_FILES.cert, CA_FILES.key] });
}

/** Reads a CA directory; the key is unlocked with the passphrase when encrypted. */
export async function readCaDir(dir: string, passphrase: string | undefined): Promise<CaMaterial> {
  const certPem = await readFileChecked(join(dir, CA_FILES.cert));
  const cert = readOneCertificate(certPem, 'CA certificate in ca.crt');
  if (!isCa(cert))
    fail('NOT_A_CA', `${join(dir, CA_FILES.cert)} is not a CA certificate (basicConstraints cA is not set)`);
  const key = readPrivateKey(await readFileChecked(join(dir, CA_FILES.key)), passphrase);
  const chainText = await readFileIfExists(join(dir, CA_FILES.chain));
  const chain = chainText?.toString().includes('BEGIN') ? readCertificates(chainText) : [];
  const rootText = await readFileIfExists(join(dir, CA_FILES.root));
  let root = rootText ? readOneCertificate(rootText, 'root certificate in root.crt') : cert;
  if (!rootText && chain.length > 0) root = chain[chain.length - 1]!;
  if (!rootText && chain.length === 0 && cert.x.subject !== cert.x.issuer) {
    fail('CHAIN_INCOMPLETE', `${dir} holds an intermediate CA without root.crt: add the root it chains to`);
  }
  const ca: CaMaterial = { cert, key, chain: chain.filter((c) => c.sha256 !== root.sha256), root };
  assertCaUsable(ca);
  return ca;
}
