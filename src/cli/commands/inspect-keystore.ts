import { createPrivateKey } from 'node:crypto';
import { parseCertificate } from '../../pki/certificate.js';
import { detectFormat } from '../../pki/formats/detect.js';
import { decodeJks } from '../../pki/formats/jks.js';
import { decodePkcs7 } from '../../pki/formats/pkcs7.js';
import { decodePkcs12 } from '../../pki/formats/pkcs12.js';
import { type CertificateDescription, describeCertificate } from '../../pki/inspect.js';
import { keyInfo } from '../../pki/keys.js';
import { fail } from '../../shared/errors.js';

/** A private key found in a store: its alias and type (JKS keys stay sealed, so only their alias). */
export interface KeystoreKey {
  alias: string;
  algorithm?: string;
  size?: number;
  curve?: string;
}

/** What inspecting a store reports: its format, every certificate with its entry's alias, and keys. */
export interface KeystoreReport {
  format: 'pkcs12' | 'jks' | 'pkcs7';
  certificates: CertificateDescription[];
  keys?: KeystoreKey[];
  /** JKS read without a password: the integrity check was skipped. */
  verified?: boolean;
}

/** True when the bytes are a JKS, a PKCS#12 or a PKCS#7 bundle (PEM or DER). */
export function looksLikeKeystore(data: Uint8Array): boolean {
  const f = detectFormat(data);
  return f === 'jks' || f === 'pkcs12' || f === 'pkcs7';
}

function describeAll(ders: Uint8Array[], alias?: string): CertificateDescription[] {
  return ders.map((d) => ({ ...describeCertificate(parseCertificate(d)), ...(alias ? { alias } : {}) }));
}

/**
 * Describes a PKCS#12, JKS or PKCS#7 file. A PKCS#12 needs its password (a wrong one is
 * WRONG_PASSWORD); a JKS read without one lists its entries unverified, as keytool does.
 */
export async function inspectKeystore(
  data: Uint8Array,
  password: string | undefined,
): Promise<KeystoreReport> {
  const format = detectFormat(data);
  if (format === 'pkcs7') return { format, certificates: describeAll(decodePkcs7(data)) };
  if (format === 'jks') {
    const store = decodeJks(data, password);
    const certificates: CertificateDescription[] = [];
    const keys: KeystoreKey[] = [];
    for (const e of store.entries) {
      if (e.kind === 'trusted-cert') certificates.push(...describeAll([e.cert], e.alias));
      else {
        certificates.push(...describeAll(e.chain, e.alias));
        keys.push({ alias: e.alias });
      }
    }
    return { format, certificates, ...(keys.length ? { keys } : {}), verified: store.verified };
  }
  if (format !== 'pkcs12')
    return fail('UNSUPPORTED_FORMAT', 'the file is not a PKCS#12, JKS or PKCS#7 store');
  if (password === undefined) {
    fail('WRONG_PASSWORD', 'a PKCS#12 file opens only with its password: give --password or --password-file');
  }
  const store = await decodePkcs12(data, password);
  const certificates: CertificateDescription[] = [];
  const keys: KeystoreKey[] = [];
  for (const e of store.entries) {
    if (e.kind === 'trusted-cert') certificates.push(...describeAll([e.cert], e.alias));
    else {
      certificates.push(...describeAll(e.chain, e.alias));
      const info = e.pkcs8
        ? keyInfo(createPrivateKey({ key: Buffer.from(e.pkcs8), format: 'der', type: 'pkcs8' }))
        : undefined;
      keys.push({
        alias: e.alias,
        ...(info
          ? { algorithm: info.algorithm, size: info.size, ...(info.curve ? { curve: info.curve } : {}) }
          : {}),
      });
    }
  }
  return { format, certificates, ...(keys.length ? { keys } : {}) };
}
