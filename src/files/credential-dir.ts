import { join } from 'node:path';
import { readCertificates, readOneCertificate } from '../pki/certificate.js';
import type { Credential } from '../pki/credential.js';
import { encodeCertificatesPem } from '../pki/formats/pem.js';
import { privateKeyToPem, readPrivateKey } from '../pki/keys.js';
import { readFileChecked } from './atomic.js';
import { writeFileSet } from './file-set.js';

/** File names in a credential directory, after the Kubernetes TLS secret (ARCHITECTURE §7). */
export const CREDENTIAL_FILES = { key: 'tls.key', cert: 'tls.crt', root: 'ca.crt', csr: 'tls.csr' } as const;

/** Writes tls.key (0600; encrypted when a passphrase is given), tls.crt and ca.crt as one unit. */
export async function writeCredentialDir(
  dir: string,
  cred: Credential,
  opts: { force?: boolean; passphrase?: string } = {},
): Promise<string[]> {
  return writeFileSet(
    dir,
    {
      [CREDENTIAL_FILES.key]: { data: privateKeyToPem(cred.key.keyObject, opts.passphrase), mode: 0o600 },
      [CREDENTIAL_FILES.cert]: { data: encodeCertificatesPem(cred.chain.map((c) => c.der)), mode: 0o644 },
      [CREDENTIAL_FILES.root]: { data: encodeCertificatesPem([cred.root.der]), mode: 0o644 },
    },
    { force: opts.force ?? false, guard: [CREDENTIAL_FILES.key, CREDENTIAL_FILES.cert] },
  );
}

/** Reads a credential directory (tls.key, tls.crt, ca.crt). */
export async function readCredentialDir(dir: string, passphrase?: string): Promise<Credential> {
  const key = readPrivateKey(await readFileChecked(join(dir, CREDENTIAL_FILES.key)), passphrase);
  const chain = readCertificates(await readFileChecked(join(dir, CREDENTIAL_FILES.cert)));
  const root = readOneCertificate(await readFileChecked(join(dir, CREDENTIAL_FILES.root)), 'root in ca.crt');
  return { key, chain, root };
}
