import { readTlv } from './der.js';
import { isJks } from './jks.js';
import { decodePem, looksLikePem } from './pem.js';
import { isPkcs7Der, PKCS7_PEM_LABELS } from './pkcs7.js';
import { isPkcs12Der } from './pkcs12.js';

/** A file format rollover can tell apart by content. */
export type DetectedFormat = 'pem' | 'der' | 'pkcs7' | 'pkcs12' | 'jks' | 'unknown';

/**
 * Tells the format by content, never by file name: JKS by its magic number, PEM by a BEGIN line
 * (a PKCS7 block makes it `pkcs7`), DER by its first bytes (PFX version 3 for PKCS#12, SignedData
 * for PKCS#7, so truncated stores are still recognised); any other complete SEQUENCE is `der`.
 */
export function detectFormat(bytes: Uint8Array): DetectedFormat {
  if (isJks(bytes)) return 'jks';
  if (looksLikePem(bytes)) {
    try {
      const labels = decodePem(Buffer.from(bytes).toString('latin1')).map((b) => b.label);
      return labels.some((l) => (PKCS7_PEM_LABELS as readonly string[]).includes(l)) ? 'pkcs7' : 'pem';
    } catch {
      return 'pem';
    }
  }
  if (isPkcs12Der(bytes)) return 'pkcs12';
  if (isPkcs7Der(bytes)) return 'pkcs7';
  return readTlv(bytes)?.tag === 0x30 ? 'der' : 'unknown';
}
