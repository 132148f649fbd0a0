/**
 * Java KeyStore (JKS) codec, written by hand: no maintained JavaScript library writes JKS (jks-js
 * only reads), and the format is small. Layout (sun.security.provider.JavaKeyStore):
 *
 *   u32 0xFEEDFEED, u32 version (2; 1 lacks certificate type names), u32 entry count, entries…,
 *   20-byte SHA-1(password as UTF-16BE ‖ "Mighty Aphrodite" ‖ every preceding byte).
 *   Trusted entry: u32 2, alias (u16 length + modified UTF-8), u64 millis, type "X.509", u32 len, DER.
 *   Key entry:     u32 1, alias, u64 millis, u32 len, protected key, u32 chain length, certificates.
 *
 * Private-key entries use a proprietary key protector; rollover never opens them and re-encodes them
 * byte for byte, so a truststore edit leaves a keystore's keys untouched. JCEKS is not read.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { fail } from '../../shared/errors.js';
import type { TrustedCertEntry } from './store-entry.js';

const MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;
const TAG_KEY = 1;
const TAG_TRUSTED = 2;
const WHITENER = Buffer.from('Mighty Aphrodite', 'utf8');
/** The fewest bytes an entry takes: tag, alias length, date and a certificate length (version 1). */
const MIN_ENTRY_BYTES = 4 + 2 + 8 + 4;
/** The fewest bytes a certificate takes in a chain: its length (version 1). */
const MIN_CERT_BYTES = 4;

/** A JKS private-key entry, kept opaque: `raw` is the whole entry as read, written back unchanged. */
export interface JksPrivateKeyEntry {
  kind: 'private-key';
  alias: string;
  date: Date;
  /** The key's certificate chain (leaf first), DER, for listing. */
  chain: Uint8Array[];
  /** The entry's bytes from its tag to its last certificate. */
  raw: Uint8Array;
}

/** One JKS entry. */
export type JksEntry = TrustedCertEntry | JksPrivateKeyEntry;

/** A decoded JKS store. */
export interface JksStore {
  entries: JksEntry[];
  /** False when the store was read without a password, so its integrity was not checked. */
  verified: boolean;
}

/** Encodes a string as Java's modified UTF-8 (NUL as C0 80, supplementary characters as surrogates). */
function modifiedUtf8(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 1 && c <= 0x7f) out.push(c);
    else if (c <= 0x7ff) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  if (out.length > 0xffff) fail('BAD_ARGUMENT', `the alias "${text.slice(0, 20)}…" is too long for JKS`);
  return Buffer.from(out);
}

/** Decodes Java's modified UTF-8. */
function fromModifiedUtf8(bytes: Buffer): string {
  let s = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      s += String.fromCharCode(b);
      i += 1;
    } else if ((b & 0xe0) === 0xc0) {
      s += String.fromCharCode(((b & 0x1f) << 6) | (bytes[i + 1]! & 0x3f));
      i += 2;
    } else {
      s += String.fromCharCode(((b & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f));
      i += 3;
    }
  }
  return s;
}

/** The integrity digest keytool appends: SHA-1 over the UTF-16BE password, a fixed phrase, the data. */
function integrityDigest(password: string, data: Uint8Array): Buffer {
  const pw = Buffer.alloc(password.length * 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  return createHash('sha1').update(pw).update(WHITENER).update(data).digest();
}

/** A bounds-checked reader: running off the end is BAD_KEYSTORE (a truncated file), never a crash. */
class Reader {
  off = 0;
  constructor(readonly buf: Buffer) {}
  need(n: number): void {
    if (n < 0 || this.off + n > this.buf.length) {
      fail('BAD_KEYSTORE', 'the JKS file ends in the middle of an entry: it is truncated or not a JKS');
    }
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.off);
    this.off += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = Number(this.buf.readBigUInt64BE(this.off));
    this.off += 8;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = new Uint8Array(this.buf.subarray(this.off, this.off + n));
    this.off += n;
    return v;
  }
  utf(): string {
    const n = this.u16();
    this.need(n);
    const v = fromModifiedUtf8(this.buf.subarray(this.off, this.off + n));
    this.off += n;
    return v;
  }
}

function readCert(r: Reader, version: number): Uint8Array {
  if (version === 2) {
    const type = r.utf();
    if (type !== 'X.509') fail('BAD_KEYSTORE', `the JKS holds a "${type}" certificate; only X.509 is read`);
  }
  return r.bytes(r.u32());
}

/** True when the bytes start with the JKS magic number. */
export function isJks(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && Buffer.from(bytes.subarray(0, 4)).readUInt32BE(0) === MAGIC;
}

/**
 * Decodes a JKS store. With a password the SHA-1 trailer is verified (a mismatch is WRONG_PASSWORD:
 * keytool cannot tell a wrong password from an altered file either); without one it is not checked
 * and `verified` is false, as `keytool -list` does without -storepass.
 */
export function decodeJks(bytes: Uint8Array, password: string | undefined): JksStore {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 4 && buf.readUInt32BE(0) === JCEKS_MAGIC) {
    fail('BAD_KEYSTORE', 'the file is a JCEKS store; convert it with keytool -importkeystore to PKCS12');
  }
  if (!isJks(buf)) fail('BAD_KEYSTORE', 'the file is not a JKS store (no 0xFEEDFEED magic number)');
  const r = new Reader(buf);
  r.u32();
  const version = r.u32();
  if (version !== 1 && version !== 2) fail('BAD_KEYSTORE', `unknown JKS version ${version}`);
  const count = r.u32();
  // Refused before any entry is read: a count the file cannot hold is a crafted or damaged header.
  if (count > (buf.length - r.off - 20) / MIN_ENTRY_BYTES) {
    fail('BAD_KEYSTORE', `the JKS file claims ${count} entries, more than its ${buf.length} bytes can hold`);
  }
  const entries: JksEntry[] = [];
  for (let i = 0; i < count; i++) {
    const start = r.off;
    const tag = r.u32();
    const alias = r.utf();
    const date = new Date(r.u64());
    if (tag === TAG_TRUSTED) {
      entries.push({ kind: 'trusted-cert', alias, date, cert: readCert(r, version) });
    } else if (tag === TAG_KEY) {
      r.bytes(r.u32()); // the protected key: opaque
      const n = r.u32();
      if (n > (buf.length - r.off) / MIN_CERT_BYTES) {
        fail(
          'BAD_KEYSTORE',
          `JKS entry ${i + 1} claims a chain of ${n} certificates, more than the file can hold`,
        );
      }
      const chain: Uint8Array[] = [];
      for (let j = 0; j < n; j++) chain.push(readCert(r, version));
      entries.push({
        kind: 'private-key',
        alias,
        date,
        chain,
        raw: new Uint8Array(buf.subarray(start, r.off)),
      });
    } else {
      fail('BAD_KEYSTORE', `JKS entry ${i + 1} has an unknown tag ${tag}`);
    }
  }
  const body = buf.subarray(0, r.off);
  const trailer = r.bytes(20);
  if (r.off !== buf.length) fail('BAD_KEYSTORE', 'the JKS file has extra bytes after its integrity check');
  if (password === undefined) return { entries, verified: false };
  if (!timingSafeEqual(integrityDigest(password, body), trailer)) {
    fail('WRONG_PASSWORD', 'the JKS store did not open: the password is wrong or the file was altered');
  }
  return { entries, verified: true };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function utf(text: string): Buffer {
  const body = modifiedUtf8(text);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
}

/**
 * Encodes a JKS store (version 2) with the password's integrity trailer. Aliases must be unique
 * ignoring case (Java lower-cases them on load); trusted entries without a date get `now`.
 * Private-key entries are written exactly as they were read.
 */
export function encodeJks(
  store: { entries: readonly JksEntry[] },
  password: string,
  now = new Date(),
): Uint8Array {
  const seen = new Set<string>();
  const parts: Buffer[] = [u32(MAGIC), u32(2), u32(store.entries.length)];
  for (const e of store.entries) {
    const key = e.alias.toLowerCase();
    if (seen.has(key)) fail('ALIAS_EXISTS', `two JKS entries share the alias "${key}"`, { alias: key });
    seen.add(key);
    if (e.kind === 'private-key') {
      parts.push(Buffer.from(e.raw));
      continue;
    }
    const date = Buffer.alloc(8);
    date.writeBigUInt64BE(BigInt((e.date ?? now).getTime()));
    parts.push(u32(TAG_TRUSTED), utf(key), date, utf('X.509'), u32(e.cert.length), Buffer.from(e.cert));
  }
  const body = Buffer.concat(parts);
  return new Uint8Array(Buffer.concat([body, integrityDigest(password, body)]));
}

/** A JKS truststore holding `certs` (DER) under the given aliases. */
export function encodeJksTruststore(
  certs: ReadonlyArray<{ alias: string; cert: Uint8Array }>,
  password: string,
  now: Date,
): Uint8Array {
  return encodeJks(
    {
      entries: certs.map((c) => ({ kind: 'trusted-cert' as const, alias: c.alias, cert: c.cert, date: now })),
    },
    password,
    now,
  );
}
