/**
 * A certificate's issuer and subject Name elements, read with the one DER codec (pki/formats/der.ts):
 * enough to build OpenSSL's canonical name encoding without loading an ASN.1 library (CLI start time
 * matters). Bytes that are not valid DER are BAD_CERTIFICATE.
 */
import { readTlv, type Tlv, children as tlvChildren } from '../pki/formats/der.js';
import { fail } from '../shared/errors.js';

/** One DER element (the codec's). */
export type DerNode = Tlv;

/** Reads the element at `offset` of `der`; BAD_CERTIFICATE when the bytes are not valid DER. */
export function readNode(der: Uint8Array, offset: number): DerNode {
  return readTlv(der, offset) ?? fail('BAD_CERTIFICATE', 'bad or truncated DER');
}

/** The children of a constructed element; BAD_CERTIFICATE when they do not parse exactly. */
export function children(der: Uint8Array, node: DerNode): DerNode[] {
  return tlvChildren(der, node) ?? fail('BAD_CERTIFICATE', 'bad or truncated DER');
}

/** The issuer and subject Name elements of a DER certificate. */
export function nameNodes(der: Uint8Array): { issuer: DerNode; subject: DerNode } {
  const cert = readNode(der, 0);
  const tbs = children(der, cert)[0];
  if (!tbs) fail('BAD_CERTIFICATE', 'the certificate has no body');
  const fields = children(der, tbs);
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, …
  const first = fields[0]?.tag === 0xa0 ? 1 : 0;
  const issuer = fields[first + 2];
  const subject = fields[first + 4];
  if (issuer?.tag !== 0x30 || subject?.tag !== 0x30)
    return fail('BAD_CERTIFICATE', 'the certificate has no names');
  return { issuer, subject };
}

/** The subject Name element of a DER certificate. */
export function subjectNode(der: Uint8Array): DerNode {
  return nameNodes(der).subject;
}

/** True when `child`'s issuer name is byte-for-byte `parent`'s subject name (a cheap pre-check). */
export function namesChain(child: Uint8Array, parent: Uint8Array): boolean {
  try {
    const i = nameNodes(child).issuer;
    const s = nameNodes(parent).subject;
    return Buffer.from(child.subarray(i.start, i.end)).equals(parent.subarray(s.start, s.end));
  } catch {
    return false;
  }
}
