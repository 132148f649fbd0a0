import { createHash, X509Certificate as NodeX509 } from 'node:crypto';
import { fail } from '../shared/errors.js';
import { readCertificateDers } from './formats/pem.js';
import { type KeyInfo, keyInfo } from './keys.js';
import { x509 } from './provider.js';

/** A parsed certificate: the library object for structure, Node's for host checks and keys. */
export interface Cert {
  der: Uint8Array;
  x: x509.X509Certificate;
  node: NodeX509;
  sha256: string;
  sha1: string;
  notBefore: Date;
  notAfter: Date;
}

/** Lowercase hex digest of bytes. */
export function digestHex(alg: 'sha256' | 'sha1', der: Uint8Array): string {
  return createHash(alg).update(der).digest('hex');
}

/** Normalises a fingerprint written with or without colons, in any case, to lowercase hex. */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[:\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    fail('BAD_ARGUMENT', `"${text}" is not a SHA-256 fingerprint (64 hex digits, colons allowed)`);
  }
  return hex;
}

/** Formats lowercase hex as colon-separated upper-case pairs, as keytool and browsers show it. */
export function colonFingerprint(hex: string): string {
  return hex.toUpperCase().match(/.{2}/g)!.join(':');
}

/** Parses one certificate from DER. */
export function parseCertificate(der: Uint8Array): Cert {
  let x: x509.X509Certificate;
  let node: NodeX509;
  try {
    x = new x509.X509Certificate(der as BufferSource);
    node = new NodeX509(Buffer.from(der));
  } catch (e) {
    return fail('BAD_CERTIFICATE', `a certificate could not be parsed: ${(e as Error).message}`);
  }
  return {
    der,
    x,
    node,
    sha256: digestHex('sha256', der),
    sha1: digestHex('sha1', der),
    notBefore: x.notBefore,
    notAfter: x.notAfter,
  };
}

/** Reads all certificates in PEM or DER bytes, in file order. */
export function readCertificates(data: Uint8Array | string): Cert[] {
  return readCertificateDers(data).map(parseCertificate);
}

/** Reads exactly one certificate; more than one is an error naming the count. */
export function readOneCertificate(data: Uint8Array | string, what = 'certificate'): Cert {
  const certs = readCertificates(data);
  if (certs.length !== 1) fail('BAD_CERTIFICATE', `expected one ${what}, found ${certs.length}`);
  return certs[0]!;
}

/** Facts about a certificate's public key. */
export function certKeyInfo(cert: Cert): KeyInfo {
  return keyInfo(cert.node.publicKey);
}

/** True when the certificate has basicConstraints cA=TRUE. */
export function isCa(cert: Cert): boolean {
  const bc = cert.x.getExtension(x509.BasicConstraintsExtension);
  return bc?.ca === true;
}

/** The subject alternative names: DNS names and IP addresses. */
export function subjectAltNames(cert: Cert): { dns: string[]; ip: string[] } {
  const ext = cert.x.getExtension(x509.SubjectAlternativeNameExtension);
  const dns: string[] = [];
  const ip: string[] = [];
  for (const n of ext?.names.items ?? []) {
    if (n.type === 'dns') dns.push(n.value);
    else if (n.type === 'ip') ip.push(n.value);
  }
  return { dns, ip };
}

/** Extended key usage OIDs (empty when the extension is absent). */
export function extendedKeyUsages(cert: Cert): string[] {
  const ext = cert.x.getExtension(x509.ExtendedKeyUsageExtension);
  return Array.from(ext?.usages ?? [], String);
}

/** OID of the TLS server authentication EKU. */
export const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** True when the signature algorithm uses SHA-1. */
export function signedWithSha1(cert: Cert): boolean {
  const alg = cert.x.signatureAlgorithm as { hash?: { name?: string } };
  if (alg.hash?.name) return alg.hash.name.toUpperCase() === 'SHA-1';
  return /sha1/i.test(cert.node.toLegacyObject().asn1Curve ?? '');
}

/** True when the certificate's subject equals its issuer and its signature verifies with its own key. */
export function isSelfSigned(cert: Cert): boolean {
  return cert.node.checkIssued(cert.node) && cert.node.verify(cert.node.publicKey);
}

/** True when `child` was issued and signed by `issuer`. */
export function issuedBy(child: Cert, issuer: Cert): boolean {
  try {
    return child.node.checkIssued(issuer.node) && child.node.verify(issuer.node.publicKey);
  } catch {
    return false;
  }
}
