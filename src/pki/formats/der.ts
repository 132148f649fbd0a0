/**
 * A minimal DER reader and writer: just enough to walk PKCS#7, PKCS#12 and JKS payloads byte-exactly
 * (certificates must come out with the very bytes they went in with, or fingerprints change).
 */

/** One DER element: its tag byte, where its content starts and where the element ends. */
export interface Tlv {
  tag: number;
  /** Offset of the first tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just past the element. */
  end: number;
}

/** Reads the element at `offset`, or undefined when the bytes there are not a complete DER element. */
export function readTlv(bytes: Uint8Array, offset = 0, limit = bytes.length): Tlv | undefined {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined || offset + 2 > limit) return undefined;
  // Multi-byte tags (low five bits all set) do not occur in the structures read here.
  if ((tag & 0x1f) === 0x1f) return undefined;
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) return undefined;
    length = 0;
    for (let i = 0; i < n; i++) {
      const b = bytes[offset + 2 + i];
      if (b === undefined) return undefined;
      length = length * 256 + b;
    }
    header = 2 + n;
  }
  const end = offset + header + length;
  if (end > limit) return undefined;
  return { tag, start: offset, contentStart: offset + header, end };
}

/**
 * Where the content of the element at offset 0 starts, reading only its header (so a truncated file
 * can still be recognised by its first bytes), or undefined when the header itself is not DER.
 */
export function contentStartOf(bytes: Uint8Array): number | undefined {
  const first = bytes[1];
  if (bytes[0] === undefined || first === undefined) return undefined;
  if (first < 0x80) return 2;
  const n = first & 0x7f;
  return n === 0 || n > 4 ? undefined : 2 + n;
}

/** The elements directly inside a constructed element, or undefined when they do not parse exactly. */
export function children(bytes: Uint8Array, parent: Tlv): Tlv[] | undefined {
  const out: Tlv[] = [];
  let off = parent.contentStart;
  while (off < parent.end) {
    const t = readTlv(bytes, off, parent.end);
    if (!t) return undefined;
    out.push(t);
    off = t.end;
  }
  return out;
}

/** The whole element's bytes. */
export function tlvBytes(bytes: Uint8Array, t: Tlv): Uint8Array {
  return bytes.subarray(t.start, t.end);
}

/** The element's content bytes. */
export function tlvContent(bytes: Uint8Array, t: Tlv): Uint8Array {
  return bytes.subarray(t.contentStart, t.end);
}

/** Encodes one element from a tag and its content parts. */
export function encodeTlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const lenBytes: number[] = [];
    for (let l = length; l > 0; l = Math.floor(l / 256)) lenBytes.unshift(l % 256);
    header = [tag, 0x80 | lenBytes.length, ...lenBytes];
  }
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let off = header.length;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Encodes an OBJECT IDENTIFIER from dotted text. */
export function encodeOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map(Number);
  const body: number[] = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const stack = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) stack.unshift((v & 0x7f) | 0x80);
    body.push(...stack);
  }
  return encodeTlv(0x06, new Uint8Array(body));
}

/** Decodes the content of an OBJECT IDENTIFIER element to dotted text. */
export function decodeOid(content: Uint8Array): string {
  const arcs: number[] = [];
  let v = 0;
  for (const b of content) {
    v = v * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) {
      if (arcs.length === 0) arcs.push(v < 80 ? Math.floor(v / 40) : 2, v < 80 ? v % 40 : v - 80);
      else arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}
