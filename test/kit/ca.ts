/**
 * A tiny test CA: roots, intermediates and credentials minted at test time with the product's own
 * PKI core (never checked-in keys). RSA keys are slow: mint once per test file and reuse.
 */
import { writeCaDir } from '../../src/files/ca-dir.js';
import { writeCredentialDir } from '../../src/files/credential-dir.js';
import { type CaMaterial, createCa } from '../../src/pki/authority.js';
import { type Credential, issueCredential } from '../../src/pki/credential.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { type KeyType, privateKeyToPem } from '../../src/pki/keys.js';

/** The passphrase test CA directories are encrypted with (also set as ROLLOVER_PASSPHRASE by the cli kit). */
export const TEST_PASSPHRASE = 'test-passphrase';

/** Mints a root CA. */
export function mintRoot(
  name = 'Test Root',
  keyType: KeyType = 'ec-p256',
  days = 3650,
  now = new Date(),
): Promise<CaMaterial> {
  return createCa({ subject: `CN=${name},O=rollover tests`, keyType, days, now });
}

/** Mints an intermediate under `issuer`. */
export function mintIntermediate(
  issuer: CaMaterial,
  name = 'Test Intermediate',
  keyType: KeyType = 'ec-p256',
  days = 1825,
): Promise<CaMaterial> {
  return createCa({ subject: `CN=${name},O=rollover tests`, keyType, days, now: new Date(), issuer });
}

/** Mints a server credential. */
export function mintCredential(
  ca: CaMaterial,
  hosts: string[] = ['lb.test'],
  opts: { keyType?: KeyType; ips?: string[]; days?: number; now?: Date } = {},
): Promise<Credential> {
  return issueCredential({
    ca,
    keyType: opts.keyType ?? 'ec-p256',
    hosts,
    ips: opts.ips ?? ['127.0.0.1'],
    days: opts.days ?? 90,
    now: opts.now ?? new Date(),
  });
}

/** Writes a CA directory (key encrypted with TEST_PASSPHRASE) and returns its path. */
export async function saveCa(dir: string, ca: CaMaterial): Promise<string> {
  await writeCaDir(dir, ca, TEST_PASSPHRASE);
  return dir;
}

/** Writes a credential directory and returns its path. */
export async function saveCredential(dir: string, cred: Credential): Promise<string> {
  await writeCredentialDir(dir, cred);
  return dir;
}

/** The body of `POST /api/v1/credentials` for a minted credential (its key unencrypted, as the API takes it). */
export function credentialBody(cred: Credential, name = `cred-${cred.chain[0]!.sha256.slice(0, 8)}`) {
  return {
    name,
    chainPem: encodeCertificatesPem(cred.chain.map((x) => x.der)),
    keyPem: privateKeyToPem(cred.key.keyObject),
    rootPem: encodeCertificatesPem([cred.root.der]),
  };
}
