/**
 * Bounds on the password-based key derivations a file asks for. A PKCS#12 file (or an encrypted
 * PKCS#8 key) names its own iteration counts; read naively, a crafted file with 2^31 iterations keeps
 * the reader busy for hours. Every derivation is checked against {@link PBE_MAX_ITERATIONS} before it
 * runs, and all the derivations of one file together against {@link PBE_MAX_WORK}: beyond either the
 * file is refused with KEYSTORE_LIMIT, before any work is done for that derivation.
 */
import { fail } from '../../shared/errors.js';
import { children, decodeOid, readTlv, type Tlv, tlvContent } from './der.js';

/**
 * The most iterations one key derivation may ask for. keytool writes 10 000, OpenSSL 2 048, JDK 12–17
 * wrote 100 000 for the MAC; 1 000 000 leaves room above OWASP's 600 000 for PBKDF2-HMAC-SHA256.
 */
export const PBE_MAX_ITERATIONS = 1_000_000;

/**
 * The most iterations all the derivations of one file may ask for together (a legacy PBE counts twice:
 * its key and its IV are derived apart). A keytool store with a key costs 20 000–30 000; a JDK 12–17
 * keystore about 100 000 per key.
 */
export const PBE_MAX_WORK = 4_000_000;

const OID = {
  pbes2: '1.2.840.113549.1.5.13',
  pbkdf2: '1.2.840.113549.1.5.12',
} as const;

/** PKCS#12 legacy PBE (RFC 7292 appendix C) and PKCS#5 v1.5 PBES1: parameters { salt, iterations }. */
const SALT_AND_COUNT = new Set([
  '1.2.840.113549.1.12.1.1', // pbeWithSHAAnd128BitRC4
  '1.2.840.113549.1.12.1.2', // pbeWithSHAAnd40BitRC4
  '1.2.840.113549.1.12.1.3', // pbeWithSHAAnd3-KeyTripleDES-CBC
  '1.2.840.113549.1.12.1.4', // pbeWithSHAAnd2-KeyTripleDES-CBC
  '1.2.840.113549.1.12.1.5', // pbeWithSHAAnd128BitRC2-CBC
  '1.2.840.113549.1.12.1.6', // pbeWithSHAAnd40BitRC2-CBC
  '1.2.840.113549.1.5.1', // pbeWithMD2AndDES-CBC
  '1.2.840.113549.1.5.3', // pbeWithMD5AndDES-CBC
  '1.2.840.113549.1.5.4', // pbeWithMD2AndRC2-CBC
  '1.2.840.113549.1.5.6', // pbeWithMD5AndRC2-CBC
  '1.2.840.113549.1.5.10', // pbeWithSHA1AndDES-CBC
  '1.2.840.113549.1.5.11', // pbeWithSHA1AndRC2-CBC
]);

/** What one file may still spend on key derivation; {@link spend} refuses a derivation beyond it. */
export class PbeBudget {
  spent = 0;
  constructor(
    /** What the file is, for messages ("the PKCS#12 file"). */
    readonly subject: string,
    readonly maxWork = PBE_MAX_WORK,
  ) {}

  /** Accounts for `derivations` derivations of `iterations` each, or refuses them (KEYSTORE_LIMIT). */
  spend(iterations: number, derivations: number, what: string): void {
    if (iterations > PBE_MAX_ITERATIONS) {
      fail(
        'KEYSTORE_LIMIT',
        `${this.subject} asks for ${fmt(iterations)} key-derivation iterations for ${what}; rollover reads at most ${fmt(PBE_MAX_ITERATIONS)}`,
        { iterations, limit: PBE_MAX_ITERATIONS },
      );
    }
    const next = this.spent + iterations * derivations;
    if (next > this.maxWork) {
      fail(
        'KEYSTORE_LIMIT',
        `${this.subject} asks for more than ${fmt(this.maxWork)} key-derivation iterations in all (at ${what}); rollover reads no more`,
        { iterations: next, limit: this.maxWork },
      );
    }
    this.spent = next;
  }
}

function fmt(n: number): string {
  return n >= 1e15 ? n.toExponential(2) : n.toLocaleString('en-US');
}

function bad(subject: string, why: string): never {
  return fail('BAD_KEYSTORE', `${subject} is malformed: ${why}`);
}

/**
 * The value of a DER INTEGER used as an iteration count: a positive number, or a number above
 * {@link PBE_MAX_ITERATIONS} when its content is too long to be one (it is refused as such, not read).
 */
export function iterationCount(bytes: Uint8Array, t: Tlv | undefined, subject: string): number {
  if (t?.tag !== 0x02) return bad(subject, 'an iteration count is not an INTEGER');
  const content = tlvContent(bytes, t);
  if (content.length === 0 || (content[0]! & 0x80) !== 0) {
    return bad(subject, 'an iteration count is negative or empty');
  }
  let value = 0;
  for (const b of content) {
    value = value * 256 + b;
    if (value > Number.MAX_SAFE_INTEGER / 256) return Number.POSITIVE_INFINITY;
  }
  if (value === 0) return bad(subject, 'an iteration count is zero');
  return value;
}

/**
 * The iterations and number of derivations an encryption AlgorithmIdentifier asks for (PBES2 with
 * PBKDF2, PKCS#12 legacy PBE, PBES1). `params` is the DER of the parameters. Any other scheme (scrypt,
 * whose cost the file also sets) is refused as UNSUPPORTED_FORMAT before anything runs it.
 */
export function pbeCost(
  oid: string,
  params: Uint8Array,
  subject: string,
): { iterations: number; derivations: number } {
  const top = readTlv(params);
  const fields = top?.tag === 0x30 ? children(params, top) : undefined;
  if (!fields) return bad(subject, 'the parameters of its password-based encryption do not parse');
  if (SALT_AND_COUNT.has(oid)) {
    if (fields[0]?.tag !== 0x04) bad(subject, 'a PBE salt is not an OCTET STRING');
    return { iterations: iterationCount(params, fields[1], subject), derivations: 2 };
  }
  if (oid !== OID.pbes2) {
    return fail(
      'UNSUPPORTED_FORMAT',
      `${subject} is encrypted with a scheme rollover does not read (${oid})`,
      {
        oid,
      },
    );
  }
  const kdf = fields[0];
  const [kdfOidT, kdfParamsT] = (kdf?.tag === 0x30 && children(params, kdf)) || [];
  if (kdfOidT?.tag !== 0x06) return bad(subject, 'its PBES2 parameters lack a key derivation function');
  const kdfOid = decodeOid(tlvContent(params, kdfOidT));
  if (kdfOid !== OID.pbkdf2) {
    return fail(
      'UNSUPPORTED_FORMAT',
      `${subject} derives its keys with a function rollover does not read (${kdfOid}; PBKDF2 is read)`,
      { oid: kdfOid },
    );
  }
  const [saltT, countT] = (kdfParamsT?.tag === 0x30 && children(params, kdfParamsT)) || [];
  if (!saltT) return bad(subject, 'its PBKDF2 parameters do not parse');
  return { iterations: iterationCount(params, countT, subject), derivations: 1 };
}

/**
 * Checks an EncryptedPrivateKeyInfo (PKCS#8, DER) against the budget before OpenSSL opens it. Returns
 * false when the bytes are not one (the caller's parser then says what is wrong).
 */
export function spendOnEncryptedKey(der: Uint8Array, budget: PbeBudget, what: string): boolean {
  const top = readTlv(der);
  const [algT, dataT] = (top?.tag === 0x30 && children(der, top)) || [];
  // The encrypted octets may be a constructed OCTET STRING (pkijs writes one).
  if (algT?.tag !== 0x30 || (dataT?.tag !== 0x04 && dataT?.tag !== 0x24)) return false;
  const [oidT, paramsT] = children(der, algT) ?? [];
  if (oidT?.tag !== 0x06 || !paramsT) return false;
  const oid = decodeOid(tlvContent(der, oidT));
  const { iterations, derivations } = pbeCost(oid, der.subarray(paramsT.start, paramsT.end), budget.subject);
  budget.spend(iterations, derivations, what);
  return true;
}
