/**
 * PKCS#12 (`.p12`, `.pfx`) codec on pkijs, which does the MAC, PBES2/PBKDF2 and the BMPString
 * password transform. Writes what keytool writes today: HMAC-SHA256 MAC and PBES2 (PBKDF2-HMAC-SHA256,
 * AES-256-CBC) with 10000 iterations. Trusted certificates carry Java's trust attribute, without which
 * Java ignores a certificate-only entry. Reads keytool's and OpenSSL's files, including the legacy
 * ones (`openssl pkcs12 -legacy`: SHA-1 MAC, 3DES and RC2-40 PBE), which pkijs does not decrypt, so
 * that part is done here with node:crypto and a small RC2.
 */
import {
  createDecipheriv,
  createHash,
  createHmac,
  createPrivateKey,
  hash,
  timingSafeEqual,
  X509Certificate,
} from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { fail, isRolloverError } from '../../shared/errors.js';
import { issuerPath } from '../chain.js';
import { children, contentStartOf, decodeOid, readTlv, tlvBytes, tlvContent } from './der.js';
import { iterationCount, PbeBudget, pbeCost, spendOnEncryptedKey } from './pbe.js';
import { rc2CbcDecrypt } from './rc2.js';
import type { TrustedCertEntry } from './store-entry.js';

const OID = {
  data: '1.2.840.113549.1.7.1',
  encryptedData: '1.2.840.113549.1.7.6',
  keyBag: '1.2.840.113549.1.12.10.1.1',
  shroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Cert: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  /** Oracle's "trusted key usage" attribute: Java trusts a certificate-only bag only with it. */
  javaTrust: '2.16.840.1.113894.746875.1.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
  pbes2: '1.2.840.113549.1.5.13',
  pbeSha3Des: '1.2.840.113549.1.12.1.3',
  pbeSha2Des: '1.2.840.113549.1.12.1.4',
  pbeShaRc2_128: '1.2.840.113549.1.12.1.5',
  pbeShaRc2_40: '1.2.840.113549.1.12.1.6',
} as const;

/** Iterations for PBKDF2 and the MAC, as keytool uses. */
export const PKCS12_ITERATIONS = 10000;

/** A PKCS#12 private-key entry: the key with its chain. */
export interface Pkcs12PrivateKeyEntry {
  kind: 'private-key';
  alias: string;
  /** The certificate chain, leaf first, DER. */
  chain: Uint8Array[];
  /** The key as unencrypted PKCS#8 DER. When set, encoding encrypts it afresh with the new password. */
  pkcs8?: Uint8Array;
  /**
   * The key's SafeBag as read (DER, still encrypted with the password it was read with). Encoding
   * writes it unchanged when `pkcs8` is absent, so a key rollover cannot decrypt still survives.
   */
  keyBag?: Uint8Array;
}

/** A PKCS#12 trusted-certificate entry; `javaTrusted` tells whether the file carried Java's attribute. */
export interface Pkcs12TrustedCertEntry extends TrustedCertEntry {
  javaTrusted?: boolean;
}

/** One PKCS#12 entry. */
export type Pkcs12Entry = Pkcs12TrustedCertEntry | Pkcs12PrivateKeyEntry;

/** A decoded PKCS#12 store. */
export interface Pkcs12Store {
  entries: Pkcs12Entry[];
}

function utf8(password: string): ArrayBuffer {
  const b = new TextEncoder().encode(password);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** A fresh ArrayBuffer holding the bytes (pkijs wants ArrayBuffer, not a view on a shared one). */
function copy(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

const SUBJECT = 'the PKCS#12 file';

function bad(why: string): never {
  return fail('BAD_KEYSTORE', `the PKCS#12 file is malformed: ${why}`);
}

/** The MAC digests RFC 7292 files use: node's name, output size u and block size v (appendix B). */
const MAC_DIGESTS: Record<string, { name: string; u: number; v: number }> = {
  '1.3.14.3.2.26': { name: 'sha1', u: 20, v: 64 },
  '2.16.840.1.101.3.4.2.4': { name: 'sha224', u: 28, v: 64 },
  '2.16.840.1.101.3.4.2.1': { name: 'sha256', u: 32, v: 64 },
  '2.16.840.1.101.3.4.2.2': { name: 'sha384', u: 48, v: 128 },
  '2.16.840.1.101.3.4.2.3': { name: 'sha512', u: 64, v: 128 },
};
const SHA1 = MAC_DIGESTS['1.3.14.3.2.26']!;

/** RFC 7292 appendix B key derivation, for the MAC and the legacy PBE schemes (SHA-1). */
function pkcs12Kdf(
  password: string,
  salt: Uint8Array,
  iterations: number,
  id: number,
  n: number,
  digest = SHA1,
): Buffer {
  const { u, v } = digest;
  const pw = Buffer.alloc(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  const fill = (src: Uint8Array) => {
    const len = v * Math.ceil(src.length / v);
    const out = Buffer.alloc(len);
    for (let i = 0; i < len; i++) out[i] = src[i % src.length]!;
    return out;
  };
  const I = Buffer.concat([salt.length ? fill(salt) : Buffer.alloc(0), fill(pw)]);
  const D = Buffer.alloc(v, id);
  const out: Buffer[] = [];
  for (let made = 0; made < n; made += u) {
    let A = createHash(digest.name).update(D).update(I).digest();
    for (let j = 1; j < iterations; j++) A = hash(digest.name, A, 'buffer');
    out.push(A);
    const B = fill(A);
    for (let j = 0; j < I.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        carry += I[j + k]! + B[k]!;
        I[j + k] = carry & 0xff;
        carry >>= 8;
      }
    }
  }
  return Buffer.concat(out).subarray(0, n);
}

/** Decrypts content under a legacy PKCS#12 PBE scheme (SHA-1 with 3DES or RC2). */
function legacyDecrypt(oid: string, params: Uint8Array, password: string, data: Uint8Array): Buffer {
  const seq = readTlv(params);
  const fields = seq && children(params, seq);
  const [saltT, iterT] = fields ?? [];
  if (!saltT || !iterT) bad('the PBE parameters do not parse');
  const salt = tlvContent(params, saltT);
  const iterations = iterationCount(params, iterT, SUBJECT);
  if (![OID.pbeSha3Des, OID.pbeSha2Des, OID.pbeShaRc2_40, OID.pbeShaRc2_128].includes(oid as never)) {
    fail(
      'UNSUPPORTED_FORMAT',
      `the PKCS#12 file encrypts its content with a scheme rollover does not read (${oid})`,
    );
  }
  if (oid === OID.pbeSha3Des || oid === OID.pbeSha2Des) {
    const key = pkcs12Kdf(password, salt, iterations, 1, 24);
    const iv = pkcs12Kdf(password, salt, iterations, 2, 8);
    if (oid === OID.pbeSha2Des) key.copy(key, 16, 0, 8);
    const d = createDecipheriv('des-ede3-cbc', key, iv);
    return Buffer.concat([d.update(data), d.final()]);
  }
  const bits = oid === OID.pbeShaRc2_40 ? 40 : 128;
  const key = pkcs12Kdf(password, salt, iterations, 1, bits / 8);
  const iv = pkcs12Kdf(password, salt, iterations, 2, 8);
  return rc2CbcDecrypt(key, bits, iv, data);
}

/**
 * Decrypts a CMS EncryptedData safe (PBES2 through pkijs, legacy PBE here), once its iteration count
 * has been charged to the file's budget.
 */
async function decryptSafe(
  content: asn1js.AsnType,
  password: string,
  budget: PbeBudget,
  n: number,
): Promise<Uint8Array> {
  const enc = new pkijs.EncryptedData({ schema: content });
  const alg = enc.encryptedContentInfo.contentEncryptionAlgorithm;
  const params = new Uint8Array(alg.algorithmParams.toBER(false));
  const { iterations, derivations } = pbeCost(alg.algorithmId, params, SUBJECT);
  budget.spend(iterations, derivations, `encrypted safe ${n}`);
  if (alg.algorithmId === OID.pbes2) {
    return new Uint8Array(await enc.decrypt({ password: utf8(password) }));
  }
  return legacyDecrypt(
    alg.algorithmId,
    params,
    password,
    new Uint8Array(enc.encryptedContentInfo.getEncryptedContent()),
  );
}

interface RawBag {
  id: string;
  /** The whole SafeBag, DER. */
  raw: Uint8Array;
  /** The bag value inside [0] EXPLICIT, DER. */
  value: Uint8Array;
  friendlyName?: string;
  localKeyId?: string;
  javaTrusted: boolean;
}

/** Splits SafeContents into bags with their attributes, keeping each bag's bytes. */
function readBags(der: Uint8Array): RawBag[] {
  const top = readTlv(der);
  const list = top && top.tag === 0x30 ? children(der, top) : undefined;
  if (!list) bad('a SafeContents does not parse');
  return list.map((bagT) => {
    const [idT, valT, attrsT] = children(der, bagT) ?? bad('a SafeBag does not parse');
    if (idT?.tag !== 0x06 || valT?.tag !== 0xa0) bad('a SafeBag lacks its type or value');
    const inner = readTlv(der, valT.contentStart, valT.end) ?? bad('a SafeBag value does not parse');
    const bag: RawBag = {
      id: decodeOid(tlvContent(der, idT)),
      raw: tlvBytes(der, bagT).slice(),
      value: tlvBytes(der, inner).slice(),
      javaTrusted: false,
    };
    for (const attrT of (attrsT && children(der, attrsT)) ?? []) {
      const [typeT, valuesT] = children(der, attrT) ?? [];
      if (typeT?.tag !== 0x06 || !valuesT) continue;
      const type = decodeOid(tlvContent(der, typeT));
      const first = readTlv(der, valuesT.contentStart, valuesT.end);
      if (type === OID.javaTrust) bag.javaTrusted = true;
      if (!first) continue;
      const v = Buffer.from(tlvContent(der, first));
      if (type === OID.friendlyName && first.tag === 0x1e) bag.friendlyName = v.swap16().toString('utf16le');
      if (type === OID.localKeyId) bag.localKeyId = v.toString('hex');
    }
    return bag;
  });
}

/** The certificate DER inside a CertBag value, or undefined for non-X.509 certificate bags. */
function certFromBag(value: Uint8Array): Uint8Array | undefined {
  const top = readTlv(value);
  const [idT, valT] = (top && children(value, top)) ?? [];
  if (idT?.tag !== 0x06 || valT?.tag !== 0xa0) bad('a CertBag does not parse');
  if (decodeOid(tlvContent(value, idT)) !== OID.x509Cert) return undefined;
  const octets = readTlv(value, valT.contentStart, valT.end);
  if (octets?.tag !== 0x04) bad('a CertBag does not hold its certificate as OCTET STRING');
  return tlvContent(value, octets).slice();
}

/**
 * Decrypts a shrouded key bag to PKCS#8 DER with OpenSSL (PBES2 and the legacy PBE schemes), once its
 * iteration count has been charged to the file's budget.
 */
function decryptKey(encrypted: Uint8Array, password: string, budget: PbeBudget, n: number): Uint8Array {
  if (!spendOnEncryptedKey(encrypted, budget, `key ${n}`)) bad(`key ${n} is not an EncryptedPrivateKeyInfo`);
  try {
    const key = createPrivateKey({
      key: Buffer.from(encrypted),
      format: 'der',
      type: 'pkcs8',
      passphrase: password,
    });
    return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
  } catch {
    return fail('WRONG_PASSWORD', 'a private key in the PKCS#12 file did not open with the password');
  }
}

function subjectCn(der: Uint8Array): string | undefined {
  try {
    return /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(Buffer.from(der)).subject)?.[1];
  } catch {
    return bad('a certificate in it does not parse');
  }
}

/** Orders a key's chain: the leaf, then each issuer found among `pool` (removed from it as used). */
function buildChain(leaf: Uint8Array, pool: Uint8Array[]): Uint8Array[] {
  const cert = (der: Uint8Array) => new X509Certificate(Buffer.from(der));
  const { path } = issuerPath(
    leaf,
    pool,
    (child, issuer) => cert(child).checkIssued(cert(issuer)),
    (c) => cert(c).checkIssued(cert(c)),
  );
  for (const used of path) if (pool.includes(used)) pool.splice(pool.indexOf(used), 1);
  return path;
}

/**
 * Verifies the file's MAC (RFC 7292 §5: HMAC under a key derived with appendix B from the password),
 * once its iteration count has been charged to the budget. A mismatch is WRONG_PASSWORD.
 */
function verifyMac(macData: Uint8Array, content: ArrayBuffer, password: string, budget: PbeBudget): void {
  const top = readTlv(macData);
  const [digestInfoT, saltT, iterT] = (top?.tag === 0x30 && children(macData, top)) || [];
  const [algT, digestT] = (digestInfoT?.tag === 0x30 && children(macData, digestInfoT)) || [];
  const [oidT] = (algT?.tag === 0x30 && children(macData, algT)) || [];
  if (oidT?.tag !== 0x06 || digestT?.tag !== 0x04 || saltT?.tag !== 0x04) bad('its MacData does not parse');
  const oid = decodeOid(tlvContent(macData, oidT));
  const digest = MAC_DIGESTS[oid] ?? bad(`its MAC uses a digest rollover does not read (${oid})`);
  const iterations = iterT ? iterationCount(macData, iterT, SUBJECT) : 1;
  budget.spend(iterations, 1, 'the MAC');
  const key = pkcs12Kdf(password, tlvContent(macData, saltT), iterations, 3, digest.u, digest);
  const mac = createHmac(digest.name, key).update(new Uint8Array(content)).digest();
  const expected = tlvContent(macData, digestT);
  if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) {
    fail('WRONG_PASSWORD', 'the PKCS#12 file did not open: the password is wrong or the file was altered');
  }
}

/**
 * Decodes a PKCS#12 file. The MAC is verified first: a wrong password or an altered file is
 * WRONG_PASSWORD; a file that does not parse is BAD_KEYSTORE. Certificates without a key become
 * trusted-cert entries (whether or not they carry Java's attribute); keys are decrypted to PKCS#8.
 */
export async function decodePkcs12(bytes: Uint8Array, password: string): Promise<Pkcs12Store> {
  // BER with indefinite lengths (some Windows exports) is left to pkijs; DER must be complete.
  const indefinite = bytes[0] === 0x30 && bytes[1] === 0x80;
  const top = readTlv(bytes);
  if (!indefinite && (top?.tag !== 0x30 || top.end !== bytes.length)) {
    bad('not one complete DER SEQUENCE (truncated?)');
  }
  let pfx: pkijs.PFX;
  let macData: Uint8Array | undefined;
  try {
    const asn = asn1js.fromBER(copy(bytes));
    if (asn.offset === -1) bad(asn.result.error || 'not BER');
    pfx = new pkijs.PFX({ schema: asn.result });
    const mac = (asn.result as asn1js.Sequence).valueBlock.value[2];
    if (mac) macData = new Uint8Array(mac.toBER(false));
  } catch (e) {
    if (isRolloverError(e)) throw e;
    return bad((e as Error).message);
  }
  if (pfx.authSafe.contentType !== OID.data)
    bad('only password-integrity files are read (no public-key mode)');
  try {
    await pfx.parseInternalValues({ password: utf8(password), checkIntegrity: false });
  } catch (e) {
    bad((e as Error).message);
  }
  const budget = new PbeBudget(SUBJECT);
  if (macData) {
    verifyMac(macData, (pfx.authSafe.content as asn1js.OctetString).getValue(), password, budget);
  }
  const safes = pfx.parsedValue?.authenticatedSafe?.safeContents ?? [];
  const bags: RawBag[] = [];
  for (const [n, ci] of safes.entries()) {
    let content: Uint8Array;
    if (ci.contentType === OID.data) {
      if (!(ci.content instanceof asn1js.OctetString)) bad(`safe ${n + 1} holds no OCTET STRING`);
      content = new Uint8Array(ci.content.getValue());
    } else if (ci.contentType === OID.encryptedData) {
      try {
        content = await decryptSafe(ci.content, password, budget, n + 1);
      } catch (e) {
        if (isRolloverError(e)) throw e;
        // Without a MAC a wrong password shows up here, as a padding error.
        return fail(
          'WRONG_PASSWORD',
          `the PKCS#12 content did not decrypt with the password (${(e as Error).message})`,
        );
      }
    } else {
      return bad(`a safe of type ${ci.contentType} (public-key privacy) is not read`);
    }
    bags.push(...readBags(content));
  }

  const certs = bags
    .filter((b) => b.id === OID.certBag)
    .map((b) => ({ bag: b, der: certFromBag(b.value) }))
    .filter((c): c is { bag: RawBag; der: Uint8Array } => c.der !== undefined);
  const keys = bags.filter((b) => b.id === OID.shroudedKeyBag || b.id === OID.keyBag);
  const used = new Set<Uint8Array>();
  const entries: Pkcs12Entry[] = [];
  // Chain certificates carry no attributes; they belong to a key only when the file has one.
  const pool = keys.length
    ? certs.filter((c) => !c.bag.localKeyId && !c.bag.javaTrusted).map((c) => c.der)
    : [];
  for (const [i, k] of keys.entries()) {
    const pkcs8 = k.id === OID.keyBag ? k.value : decryptKey(k.value, password, budget, i + 1);
    const leaf = certs.find((c) => k.localKeyId !== undefined && c.bag.localKeyId === k.localKeyId);
    const chain = leaf ? buildChain(leaf.der, pool) : [];
    for (const c of chain) used.add(c);
    if (leaf) used.add(leaf.der);
    entries.push({
      kind: 'private-key',
      alias: k.friendlyName ?? leaf?.bag.friendlyName ?? (keys.length === 1 ? '1' : String(i + 1)),
      chain,
      pkcs8,
      keyBag: k.raw,
    });
  }
  for (const c of certs) {
    if (used.has(c.der)) continue;
    entries.push({
      kind: 'trusted-cert',
      alias: c.bag.friendlyName ?? subjectCn(c.der)?.toLowerCase() ?? `cert-${entries.length + 1}`,
      cert: c.der,
      javaTrusted: c.bag.javaTrusted,
    });
  }
  return { entries };
}

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

function friendlyName(alias: string): pkijs.Attribute {
  return attribute(OID.friendlyName, new asn1js.BmpString({ value: alias }));
}

function localKeyId(id: Uint8Array): pkijs.Attribute {
  return attribute(OID.localKeyId, new asn1js.OctetString({ valueHex: id }));
}

function certBag(der: Uint8Array, attrs: pkijs.Attribute[]): pkijs.SafeBag {
  return new pkijs.SafeBag({
    bagId: OID.certBag,
    bagValue: new pkijs.CertBag({
      certId: OID.x509Cert,
      certValue: new asn1js.OctetString({ valueHex: der }),
    }),
    ...(attrs.length ? { bagAttributes: attrs } : {}),
  });
}

function pbes2(password: string): Omit<pkijs.CryptoEngineEncryptParams, 'contentToEncrypt' | 'contentType'> {
  return {
    password: utf8(password),
    contentEncryptionAlgorithm: { name: 'AES-CBC', length: 256 } as pkijs.ContentEncryptionAlgorithm,
    hmacHashAlgorithm: 'SHA-256',
    iterationCount: PKCS12_ITERATIONS,
  };
}

/**
 * Encodes a PKCS#12 store as keytool does: certificates in a PBES2-encrypted safe, keys shrouded
 * (PBES2) in a plain one, an HMAC-SHA256 MAC over everything. Trusted certificates get Java's trust
 * attribute; a key's leaf shares a localKeyId with the key. Aliases must be unique ignoring case.
 */
export async function encodePkcs12(
  store: { entries: readonly Pkcs12Entry[] },
  password: string,
): Promise<Uint8Array> {
  const seen = new Set<string>();
  const certBags: pkijs.SafeBag[] = [];
  const keyBags: pkijs.SafeBag[] = [];
  for (const e of store.entries) {
    const lower = e.alias.toLowerCase();
    if (seen.has(lower))
      fail('ALIAS_EXISTS', `two PKCS#12 entries share the alias "${e.alias}"`, { alias: e.alias });
    seen.add(lower);
    if (e.kind === 'trusted-cert') {
      const trust = attribute(OID.javaTrust, new asn1js.ObjectIdentifier({ value: OID.anyExtendedKeyUsage }));
      certBags.push(certBag(e.cert, [friendlyName(e.alias), trust]));
      continue;
    }
    const [leaf, ...rest] = e.chain;
    if (!leaf) fail('BAD_ARGUMENT', `the key entry "${e.alias}" has no certificate`);
    let keyBag: pkijs.SafeBag;
    let id: Uint8Array;
    if (e.pkcs8) {
      id = createHash('sha1').update(leaf).digest();
      const shrouded = new pkijs.PKCS8ShroudedKeyBag({
        parsedValue: pkijs.PrivateKeyInfo.fromBER(copy(e.pkcs8)),
      });
      await shrouded.makeInternalValues(pbes2(password));
      keyBag = new pkijs.SafeBag({
        bagId: OID.shroudedKeyBag,
        bagValue: shrouded,
        bagAttributes: [friendlyName(e.alias), localKeyId(id)],
      });
    } else if (e.keyBag) {
      keyBag = pkijs.SafeBag.fromBER(copy(e.keyBag));
      const idAttr = readBags(wrapSequence(e.keyBag))[0]?.localKeyId;
      id = idAttr ? new Uint8Array(Buffer.from(idAttr, 'hex')) : createHash('sha1').update(leaf).digest();
      if (!idAttr) keyBag.bagAttributes = [...(keyBag.bagAttributes ?? []), localKeyId(id)];
    } else {
      return fail('BAD_ARGUMENT', `the key entry "${e.alias}" has neither a key nor a key bag`);
    }
    keyBags.push(keyBag);
    certBags.push(certBag(leaf, [friendlyName(e.alias), localKeyId(id)]));
    for (const c of rest) certBags.push(certBag(c, []));
  }
  const safeContents: Array<{ privacyMode: number; value: pkijs.SafeContents }> = [
    { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certBags }) },
  ];
  const params: object[] = [pbes2(password)];
  if (keyBags.length) {
    safeContents.push({ privacyMode: 0, value: new pkijs.SafeContents({ safeBags: keyBags }) });
    params.push({});
  }
  const authenticatedSafe = new pkijs.AuthenticatedSafe({ parsedValue: { safeContents } });
  await authenticatedSafe.makeInternalValues({ safeContents: params });
  const pfx = new pkijs.PFX({ parsedValue: { integrityMode: 0, authenticatedSafe } });
  await pfx.makeInternalValues({
    password: utf8(password),
    iterations: PKCS12_ITERATIONS,
    pbkdf2HashAlgorithm: { name: 'SHA-256' },
    hmacHashAlgorithm: 'SHA-256',
  });
  return new Uint8Array(pfx.toSchema().toBER(false));
}

/** Wraps one DER element in a SEQUENCE, so that {@link readBags} can read a lone bag. */
function wrapSequence(der: Uint8Array): Uint8Array {
  const len = der.length;
  const header =
    len < 0x80 ? [0x30, len] : len < 0x100 ? [0x30, 0x81, len] : [0x30, 0x82, len >> 8, len & 0xff];
  return new Uint8Array([...header, ...der]);
}

/** A PKCS#12 truststore: each certificate as a Java-trusted entry under its alias. */
export function encodePkcs12Truststore(
  certs: ReadonlyArray<{ alias: string; cert: Uint8Array }>,
  password: string,
): Promise<Uint8Array> {
  return encodePkcs12({ entries: certs.map((c) => ({ kind: 'trusted-cert' as const, ...c })) }, password);
}

/** A PKCS#12 keystore: one key (PKCS#8 DER) with its chain (leaf first) under `alias`. */
export function encodePkcs12Keystore(
  pkcs8: Uint8Array,
  chain: readonly Uint8Array[],
  password: string,
  alias: string,
): Promise<Uint8Array> {
  return encodePkcs12({ entries: [{ kind: 'private-key', alias, chain: [...chain], pkcs8 }] }, password);
}

/**
 * True when DER bytes start like a PFX: SEQUENCE { INTEGER 3, SEQUENCE … }. Only the first bytes
 * are read, so that a truncated PKCS#12 is still recognised (and reported as BAD_KEYSTORE).
 */
export function isPkcs12Der(der: Uint8Array): boolean {
  const at = der[0] === 0x30 ? contentStartOf(der) : undefined;
  if (at === undefined) return false;
  return der[at] === 0x02 && der[at + 1] === 0x01 && der[at + 2] === 0x03 && der[at + 3] === 0x30;
}
