import type { CertificateDescription } from '../../pki/inspect.js';
import { fail } from '../../shared/errors.js';

/** True when DER bytes look like a JKS (0xFEEDFEED) or a PKCS#12 (a SEQUENCE starting with version 3). */
export function looksLikeKeystore(data: Uint8Array): boolean {
  if (data.length >= 4 && data[0] === 0xfe && data[1] === 0xed && data[2] === 0xfe && data[3] === 0xed)
    return true;
  // PFX: SEQUENCE { INTEGER 3, ... }
  for (let i = 1; i < Math.min(6, data.length - 2); i++) {
    if (data[0] === 0x30 && data[i] === 0x02 && data[i + 1] === 0x01 && data[i + 2] === 0x03) return true;
  }
  return false;
}

/** Describes a PKCS#12 or JKS store. Not built yet: the keystore codecs land with the sender kit. */
export async function inspectKeystore(
  _data: Uint8Array,
  _password: string | undefined,
): Promise<{ format: string; certificates: CertificateDescription[] }> {
  return fail('NOT_YET', 'reading PKCS#12 and JKS files is not built yet');
}
