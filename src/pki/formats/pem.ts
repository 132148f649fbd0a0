import { fail } from '../../shared/errors.js';

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, …), DER bytes and where it stands in the text. */
export interface PemBlock {
  label: string;
  der: Uint8Array;
  /** Offset of the BEGIN line's first dash. */
  start: number;
  /** Offset just past the END line's last dash. */
  end: number;
}

const LABEL = /^[A-Z0-9 #]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** True when the bytes look like PEM text (a BEGIN line somewhere). */
export function looksLikePem(data: Uint8Array | string): boolean {
  const text = typeof data === 'string' ? data : Buffer.from(data.subarray(0, 65536)).toString('latin1');
  return text.includes('-----BEGIN ');
}

/**
 * Decodes every PEM block in `text`. Headers (Proc-Type…) are skipped; a BEGIN without its END, a
 * BEGIN line without a label, or base64 that does not decode, is BAD_PEM (a truncated file must never
 * read as a shorter chain). One pass with no backtracking: the time grows with the text's length
 * only, whatever the text holds (a regular expression took 23 s on 1 MB of BEGIN lines).
 */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (let at = text.indexOf('-----BEGIN '); at >= 0; at = text.indexOf('-----BEGIN ', at)) {
    const labelStart = at + '-----BEGIN '.length;
    const labelEnd = text.indexOf('-----', labelStart);
    const lineEnd = text.indexOf('\n', labelStart);
    if (
      labelEnd < 0 ||
      (lineEnd >= 0 && lineEnd < labelEnd) ||
      !LABEL.test(text.slice(labelStart, labelEnd))
    ) {
      fail('BAD_PEM', 'a PEM BEGIN line has no label of capitals ending in "-----": the file is damaged');
    }
    const label = text.slice(labelStart, labelEnd);
    const endLine = `-----END ${label}-----`;
    const bodyStart = labelEnd + 5;
    const endAt = text.indexOf(endLine, bodyStart);
    if (endAt < 0) {
      fail(
        'BAD_PEM',
        `the PEM block "${label}" has a BEGIN line but no matching END line: the file looks truncated`,
      );
    }
    const body = text
      .slice(bodyStart, endAt)
      .split(/\r?\n/)
      .filter((line) => !line.includes(':'))
      .join('')
      .replace(/\s+/g, '');
    if (!BASE64.test(body) || body.length % 4 !== 0 || body.length === 0) {
      fail('BAD_PEM', `the PEM block "${label}" is not valid base64 (the file may be truncated or edited)`);
    }
    const begin = at;
    at = endAt + endLine.length;
    blocks.push({ label, der: new Uint8Array(Buffer.from(body, 'base64')), start: begin, end: at });
  }
  return blocks;
}

/** Encodes DER bytes as one PEM block with 64-character lines. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Encodes certificates (DER) as a PEM bundle. */
export function encodeCertificatesPem(ders: readonly Uint8Array[]): string {
  return ders.map((d) => encodePem('CERTIFICATE', d)).join('');
}

/** Reads one DER element's total length, or undefined when the bytes are not a complete DER SEQUENCE. */
export function derSequenceLength(der: Uint8Array, offset = 0): number | undefined {
  if (der[offset] !== 0x30) return undefined;
  const first = der[offset + 1];
  if (first === undefined) return undefined;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) {
    const b = der[offset + 2 + i];
    if (b === undefined) return undefined;
    len = len * 256 + b;
  }
  return 2 + n + len;
}

/**
 * Reads certificates from PEM (any number of CERTIFICATE blocks) or from DER (one or several
 * concatenated certificates). Returns DER bytes; throws BAD_PEM on garbage or truncation.
 */
export function readCertificateDers(data: Uint8Array | string): Uint8Array[] {
  if (looksLikePem(data)) {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    const blocks = decodePem(text).filter(
      (b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE',
    );
    if (blocks.length === 0) fail('BAD_PEM', 'the PEM text holds no CERTIFICATE block');
    return blocks.map((b) => b.der);
  }
  const bytes = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'latin1')) : data;
  const out: Uint8Array[] = [];
  let off = 0;
  while (off < bytes.length) {
    const len = derSequenceLength(bytes, off);
    if (len === undefined || off + len > bytes.length) {
      fail('BAD_PEM', 'the input is neither PEM nor complete DER (it may be truncated or not a certificate)');
    }
    out.push(bytes.subarray(off, off + len));
    off += len;
  }
  if (out.length === 0) fail('BAD_PEM', 'the input is empty');
  return out;
}
