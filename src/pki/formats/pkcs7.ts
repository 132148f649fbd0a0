/**
 * PKCS#7 / CMS "certs-only" bundles (`.p7b`, what Windows and many appliances import): a SignedData
 * with no content and no signers, carrying certificates. Pure codec; certificates keep their bytes.
 */
import { fail } from '../../shared/errors.js';
import {
  children,
  contentStartOf,
  decodeOid,
  encodeOid,
  encodeTlv,
  readTlv,
  tlvBytes,
  tlvContent,
} from './der.js';
import { decodePem, encodePem, looksLikePem } from './pem.js';

const SIGNED_DATA = '1.2.840.113549.1.7.2';
const DATA = '1.2.840.113549.1.7.1';

/** PEM labels PKCS#7 bundles are written under (OpenSSL writes the first). */
export const PKCS7_PEM_LABELS = ['PKCS7', 'PKCS #7 SIGNED DATA', 'CMS'] as const;

/** Encodes certificates (DER) as a DER PKCS#7 certs-only SignedData. */
export function encodePkcs7(certs: readonly Uint8Array[]): Uint8Array {
  const signedData = encodeTlv(
    0x30,
    encodeTlv(0x02, new Uint8Array([1])), // version 1
    encodeTlv(0x31), // digestAlgorithms: none
    encodeTlv(0x30, encodeOid(DATA)), // encapContentInfo without content
    encodeTlv(0xa0, ...certs), // certificates [0] IMPLICIT
    encodeTlv(0x31), // signerInfos: none
  );
  return encodeTlv(0x30, encodeOid(SIGNED_DATA), encodeTlv(0xa0, signedData));
}

/** Encodes certificates as a PEM `-----BEGIN PKCS7-----` block. */
export function encodePkcs7Pem(certs: readonly Uint8Array[]): string {
  return encodePem('PKCS7', encodePkcs7(certs));
}

const SIGNED_DATA_OID_DER = encodeOid(SIGNED_DATA);

/** True when DER bytes start like a ContentInfo holding SignedData (only the first bytes are read). */
export function isPkcs7Der(der: Uint8Array): boolean {
  const at = der[0] === 0x30 ? contentStartOf(der) : undefined;
  if (at === undefined) return false;
  return Buffer.from(der.subarray(at, at + SIGNED_DATA_OID_DER.length)).equals(
    Buffer.from(SIGNED_DATA_OID_DER),
  );
}

function bad(why: string): never {
  return fail('BAD_PEM', `the PKCS#7 bundle is malformed: ${why}`);
}

/** Decodes a PKCS#7 SignedData (DER or PEM) and returns its certificates (DER), in file order. */
export function decodePkcs7(data: Uint8Array | string): Uint8Array[] {
  let der: Uint8Array;
  if (looksLikePem(data)) {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    const block = decodePem(text).find((b) => (PKCS7_PEM_LABELS as readonly string[]).includes(b.label));
    if (!block) return fail('BAD_PEM', 'the PEM text holds no PKCS7 block');
    der = block.der;
  } else {
    der = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'latin1')) : data;
  }
  const top = readTlv(der);
  if (top?.tag !== 0x30 || top.end !== der.length) bad('not one complete DER SEQUENCE (truncated?)');
  const ci = children(der, top) ?? bad('the ContentInfo does not parse');
  const [oid, explicit] = ci;
  if (oid?.tag !== 0x06 || decodeOid(tlvContent(der, oid)) !== SIGNED_DATA) bad('it is not SignedData');
  if (explicit?.tag !== 0xa0) bad('the SignedData content is missing');
  const sd = readTlv(der, explicit.contentStart, explicit.end);
  if (sd?.tag !== 0x30) bad('the SignedData is not a SEQUENCE');
  const fields = children(der, sd) ?? bad('the SignedData fields do not parse');
  const certsField = fields.find((f) => f.tag === 0xa0);
  if (!certsField) return [];
  const certs = children(der, certsField) ?? bad('the certificate set does not parse');
  return certs.filter((c) => c.tag === 0x30).map((c) => tlvBytes(der, c).slice());
}
