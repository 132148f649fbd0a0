/**
 * OpenSSL's subject-name hash (`openssl x509 -hash`, X509_NAME_hash_ex), which names the files of a
 * hashed CA directory (`<hash>.0`, `<hash>.1`, …). OpenSSL hashes a canonical form of the name, not
 * its DER: every string value becomes a lower-cased UTF8String with spaces trimmed and collapsed, and
 * the RDN sets are concatenated without the outer SEQUENCE. SHA-1 over that; the first four bytes,
 * little-endian, as eight hex digits.
 */
import { createHash } from 'node:crypto';
import { encodeTlv } from '../pki/formats/der.js';
import { children, type DerNode, subjectNode } from './cert-names.js';

// Tags of the string types OpenSSL canonicalises (ASN1_MASK_CANON in crypto/x509/x_name.c).
const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const T61 = 0x14;
const IA5 = 0x16;
const VISIBLE = 0x1a;
const UNIVERSAL = 0x1c;
const BMP = 0x1e;
const CANON = new Set([UTF8, PRINTABLE, T61, IA5, VISIBLE, UNIVERSAL, BMP]);

function toText(tag: number, bytes: Uint8Array): string {
  if (tag === BMP) {
    let s = '';
    for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode((bytes[i]! << 8) | bytes[i + 1]!);
    return s;
  }
  if (tag === UNIVERSAL) {
    let s = '';
    for (let i = 0; i + 3 < bytes.length; i += 4) {
      s += String.fromCodePoint(
        ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0,
      );
    }
    return s;
  }
  // OpenSSL reads T61String as Latin-1; the others are ASCII or UTF-8.
  return Buffer.from(bytes).toString(tag === T61 ? 'latin1' : 'utf8');
}

const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/** asn1_string_canon: UTF-8, trim, collapse ASCII whitespace runs to one space, lower-case ASCII only. */
function canonValue(tag: number, bytes: Uint8Array): Uint8Array {
  const utf8 = Buffer.from(toText(tag, bytes), 'utf8');
  let from = 0;
  let to = utf8.length;
  while (from < to && isSpace(utf8[from]!)) from++;
  while (to > from && isSpace(utf8[to - 1]!)) to--;
  const out: number[] = [];
  for (let i = from; i < to; ) {
    const b = utf8[i]!;
    if (b >= 0x80) {
      out.push(b);
      i++;
    } else if (isSpace(b)) {
      out.push(0x20);
      while (i < to && isSpace(utf8[i]!)) i++;
    } else {
      out.push(b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
      i++;
    }
  }
  return encodeTlv(UTF8, new Uint8Array(out));
}

function compareDer(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function canonRdn(der: Uint8Array, rdn: DerNode): Uint8Array {
  const avas = children(der, rdn).map((ava) => {
    const [oid, value] = children(der, ava);
    if (!oid || !value) return der.subarray(ava.start, ava.end);
    const v = CANON.has(value.tag)
      ? canonValue(value.tag, der.subarray(value.contentStart, value.end))
      : der.subarray(value.start, value.end);
    return encodeTlv(0x30, der.subarray(oid.start, oid.end), v);
  });
  // A SET OF is DER-sorted by encoding, as OpenSSL's encoder does.
  avas.sort(compareDer);
  return encodeTlv(0x31, ...avas);
}

/** The canonical encoding of a DER Name element (exported for tests). */
export function canonicalName(der: Uint8Array, name: DerNode): Uint8Array {
  return new Uint8Array(Buffer.concat(children(der, name).map((rdn) => canonRdn(der, rdn))));
}

/** OpenSSL's subject hash of a DER certificate, as eight lowercase hex digits (`openssl x509 -hash`). */
export function subjectHash(certDer: Uint8Array): string {
  const md = createHash('sha1')
    .update(canonicalName(certDer, subjectNode(certDer)))
    .digest();
  const v = (md[0]! | (md[1]! << 8) | (md[2]! << 16) | (md[3]! << 24)) >>> 0;
  return v.toString(16).padStart(8, '0');
}
