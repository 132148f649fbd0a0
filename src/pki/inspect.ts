import {
  type Cert,
  certKeyInfo,
  extendedKeyUsages,
  isCa,
  isSelfSigned,
  issuedBy,
  subjectAltNames,
} from './certificate.js';
import { x509 } from './provider.js';

/** What `cert inspect --json` reports per certificate. */
export interface CertificateDescription {
  subject: string;
  issuer: string;
  serialNumber: string;
  sans: string[];
  dnsNames: string[];
  ipAddresses: string[];
  notBefore: string;
  notAfter: string;
  sha256: string;
  sha1: string;
  key: { algorithm: string; size: number; curve?: string };
  signatureAlgorithm: string;
  isCA: boolean;
  selfSigned: boolean;
  keyUsage: string[];
  extendedKeyUsage: string[];
  /** Role in the list it came from: leaf, intermediate or root. */
  role: 'leaf' | 'intermediate' | 'root';
  /** Where set, the alias of the store entry it came from. */
  alias?: string;
}

const KU_NAMES: Array<[number, string]> = [
  [x509.KeyUsageFlags.digitalSignature, 'digitalSignature'],
  [x509.KeyUsageFlags.nonRepudiation, 'nonRepudiation'],
  [x509.KeyUsageFlags.keyEncipherment, 'keyEncipherment'],
  [x509.KeyUsageFlags.dataEncipherment, 'dataEncipherment'],
  [x509.KeyUsageFlags.keyAgreement, 'keyAgreement'],
  [x509.KeyUsageFlags.keyCertSign, 'keyCertSign'],
  [x509.KeyUsageFlags.cRLSign, 'cRLSign'],
];

/** A one-line DN as OpenSSL prints it with RFC 2253 order reversed (CN first). */
export function dn(text: string): string {
  return text.split('\n').filter(Boolean).reverse().join(', ');
}

/** Describes a certificate for people and scripts. */
export function describeCertificate(cert: Cert): CertificateDescription {
  const { dns, ip } = subjectAltNames(cert);
  const info = certKeyInfo(cert);
  const ku = cert.x.getExtension(x509.KeyUsagesExtension);
  const ca = isCa(cert);
  const self = isSelfSigned(cert);
  const sig = cert.x.signatureAlgorithm as { name?: string; hash?: { name?: string } };
  return {
    subject: cert.x.subject,
    issuer: cert.x.issuer,
    serialNumber: cert.x.serialNumber,
    sans: [...dns, ...ip],
    dnsNames: dns,
    ipAddresses: ip,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    sha256: cert.sha256,
    sha1: cert.sha1,
    key: { algorithm: info.algorithm, size: info.size, ...(info.curve ? { curve: info.curve } : {}) },
    signatureAlgorithm: [sig.name, sig.hash?.name].filter(Boolean).join(' with '),
    isCA: ca,
    selfSigned: self,
    keyUsage: ku ? KU_NAMES.filter(([f]) => (ku.usages & f) !== 0).map(([, n]) => n) : [],
    extendedKeyUsage: extendedKeyUsages(cert),
    role: self && ca ? 'root' : ca ? 'intermediate' : 'leaf',
  };
}

/** Is the list ordered as TLS wants it: each certificate signed by the next? */
export function chainOrder(certs: Cert[]): { ordered: boolean; reason: string } {
  if (certs.length < 2) return { ordered: true, reason: 'single certificate' };
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!issuedBy(certs[i]!, certs[i + 1]!)) {
      return { ordered: false, reason: `certificate ${i + 1} is not signed by certificate ${i + 2}` };
    }
  }
  return { ordered: true, reason: 'each certificate is signed by the next' };
}
