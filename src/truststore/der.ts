/**
 * A tiny DER reader and writer: just enough to walk a certificate to its subject name and to build
 * OpenSSL's canonical name encoding, without loading an ASN.1 library (CLI start time matters).
 */
import { fail } from '../shared/errors.js';

/** One DER element: its tag byte, where its content starts and ends, and where the whole element ends. */
export interface DerNode {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
}

/** Reads the element at `offset` of `der`; BAD_CERTIFICATE when the bytes are not valid DER. */
export function readNode(der: Uint8Array, offset: number): DerNode {
  const tag = der[offset];
  let len = der[offset + 1];
  if (tag === undefined || len === undefined || (tag & 0x1f) === 0x1f) fail('BAD_CERTIFICATE', 'bad DER');
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) fail('BAD_CERTIFICATE', 'bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[pos + i] ?? fail('BAD_CERTIFICATE', 'truncated DER'));
    pos += n;
  }
  if (pos + len > der.length) fail('BAD_CERTIFICATE', 'truncated DER');
  return { tag, start: offset, contentStart: pos, end: pos + len };
}

/** The children of a constructed element. */
export function children(der: Uint8Array, node: DerNode): DerNode[] {
  const out: DerNode[] = [];
  for (let off = node.contentStart; off < node.end; ) {
    const child = readNode(der, off);
    out.push(child);
    off = child.end;
  }
  return out;
}

/** Encodes one element from its tag and content. */
export function encodeNode(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  let head: number[];
  if (n < 0x80) head = [tag, n];
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    head = [tag, 0x80 | bytes.length, ...bytes];
  }
  const out = new Uint8Array(head.length + n);
  out.set(head, 0);
  out.set(content, head.length);
  return out;
}

/** Concatenates byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
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
