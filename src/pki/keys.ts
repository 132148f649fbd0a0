import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { fail, isRolloverError } from '../shared/errors.js';
import { PbeBudget, spendOnEncryptedKey } from './formats/pbe.js';
import { decodePem } from './formats/pem.js';
import { crypto } from './provider.js';

/** Key algorithms rollover issues and accepts. */
export const KEY_TYPES = ['ec-p256', 'ec-p384', 'rsa-2048', 'rsa-3072', 'rsa-4096'] as const;
/** One of {@link KEY_TYPES}. */
export type KeyType = (typeof KEY_TYPES)[number];

/** Reads a `--key-type` value. */
export function parseKeyType(text: string): KeyType {
  const t = text.trim().toLowerCase();
  if ((KEY_TYPES as readonly string[]).includes(t)) return t as KeyType;
  return fail('UNSUPPORTED_KEY_TYPE', `"${text}" is not a key type: use one of ${KEY_TYPES.join(', ')}`);
}

/** The WebCrypto algorithm that generates or imports keys of `type`. */
export function keyAlgorithm(
  type: KeyType,
): RsaHashedImportParams & RsaHashedKeyGenParams & EcKeyImportParams {
  switch (type) {
    case 'ec-p256':
      return { name: 'ECDSA', namedCurve: 'P-256' } as never;
    case 'ec-p384':
      return { name: 'ECDSA', namedCurve: 'P-384' } as never;
    default:
      return {
        name: 'RSASSA-PKCS1-v1_5',
        hash: 'SHA-256',
        publicExponent: new Uint8Array([1, 0, 1]),
        modulusLength: Number(type.slice(4)),
      } as never;
  }
}

/** The signature algorithm a CA key of `type` signs with (never SHA-1). */
export function signingAlgorithm(type: KeyType): Algorithm | EcdsaParams {
  if (type === 'ec-p384') return { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams;
  if (type === 'ec-p256') return { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams;
  return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as Algorithm;
}

/** A key pair usable for signing with WebCrypto, with its type. */
export interface KeyPair {
  type: KeyType;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** Generates a new key pair. RSA generation is slow (tens to hundreds of ms): keep it off hot paths. */
export async function generateKeyPair(type: KeyType): Promise<KeyPair> {
  const pair = (await crypto.subtle.generateKey(keyAlgorithm(type), true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  return { type, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** Describes a key as rollover reports it: `ec-p256`, `rsa-2048`, or something it does not accept. */
export interface KeyInfo {
  /** `ec` or `rsa` (or another algorithm name rollover does not accept). */
  algorithm: string;
  /** Bits for RSA, curve size for EC. */
  size: number;
  /** The curve name for EC (`P-256`, `P-384`, …). */
  curve?: string;
  /** The matching {@link KeyType}, when rollover accepts this key. */
  type?: KeyType;
}

const CURVE_NAMES: Record<string, { name: string; size: number }> = {
  prime256v1: { name: 'P-256', size: 256 },
  secp384r1: { name: 'P-384', size: 384 },
  secp521r1: { name: 'P-521', size: 521 },
  secp256k1: { name: 'secp256k1', size: 256 },
};

/** Key facts from a Node KeyObject (public or private). */
export function keyInfo(key: KeyObject): KeyInfo {
  const kind = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  if (kind === 'ec') {
    const c = CURVE_NAMES[details.namedCurve ?? ''] ?? { name: details.namedCurve ?? 'unknown', size: 0 };
    const type = c.name === 'P-256' ? 'ec-p256' : c.name === 'P-384' ? 'ec-p384' : undefined;
    return { algorithm: 'ec', size: c.size, curve: c.name, ...(type ? { type } : {}) };
  }
  if (kind === 'rsa' || kind === 'rsa-pss') {
    const size = details.modulusLength ?? 0;
    const type = ([2048, 3072, 4096].includes(size) && kind === 'rsa' ? `rsa-${size}` : undefined) as
      | KeyType
      | undefined;
    return { algorithm: kind, size, ...(type ? { type } : {}) };
  }
  return { algorithm: kind, size: 0 };
}

/** Is this key strong enough to serve TLS (RSA ≥ 2048, EC P-256 or P-384)? Returns a reason when not. */
export function keyWeakness(info: KeyInfo): string | undefined {
  if (info.algorithm === 'rsa' || info.algorithm === 'rsa-pss') {
    return info.size >= 2048 ? undefined : `RSA key of ${info.size} bits (at least 2048 needed)`;
  }
  if (info.algorithm === 'ec') {
    return info.curve === 'P-256' || info.curve === 'P-384'
      ? undefined
      : `EC curve ${info.curve} (use P-256 or P-384)`;
  }
  return `${info.algorithm} keys are not supported (use EC P-256/P-384 or RSA ≥ 2048)`;
}

/** A private key as rollover holds it: Node's KeyObject, its DER PKCS#8 and facts. */
export interface PrivateKeyHandle {
  keyObject: KeyObject;
  pkcs8: Uint8Array;
  info: KeyInfo;
}

const ENCRYPTED = /-{5}BEGIN ENCRYPTED PRIVATE KEY-{5}/;

/** True when a PEM private key is encrypted. */
export function isEncryptedKeyPem(pem: string): boolean {
  return ENCRYPTED.test(pem) || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

/**
 * Refuses an encrypted PKCS#8 key whose iteration count is beyond the bound (KEYSTORE_LIMIT) or whose
 * key derivation is not PBKDF2 (UNSUPPORTED_FORMAT) before OpenSSL runs it: the file sets that count,
 * and OpenSSL would spend hours on 2^31. Anything else wrong is left for OpenSSL to report.
 */
function checkKeyDerivation(text: string): void {
  try {
    const budget = new PbeBudget('the encrypted private key');
    for (const b of decodePem(text)) {
      if (b.label === 'ENCRYPTED PRIVATE KEY') spendOnEncryptedKey(b.der, budget, 'its encryption');
    }
  } catch (e) {
    if (isRolloverError(e) && (e.code === 'KEYSTORE_LIMIT' || e.code === 'UNSUPPORTED_FORMAT')) throw e;
  }
}

/**
 * Reads a private key: PEM (PKCS#8, encrypted PKCS#8, SEC1, PKCS#1) or DER PKCS#8. An encrypted key
 * needs `passphrase`; a wrong one is WRONG_PASSPHRASE, never a generic parse error.
 */
export function readPrivateKey(data: Uint8Array | string, passphrase?: string): PrivateKeyHandle {
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  const isPem = text.includes('-----BEGIN');
  if (isPem && !/-----BEGIN (ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.test(text)) {
    fail('BAD_KEY', 'the file holds PEM blocks but no private key (expected "BEGIN PRIVATE KEY")');
  }
  const encrypted = isPem && isEncryptedKeyPem(text);
  if (encrypted && passphrase === undefined) {
    fail('PASSPHRASE_REQUIRED', 'the private key is encrypted and no passphrase was given');
  }
  if (encrypted) checkKeyDerivation(text);
  let keyObject: KeyObject;
  try {
    keyObject = isPem
      ? createPrivateKey({ key: text, format: 'pem', ...(encrypted ? { passphrase } : {}) })
      : createPrivateKey({ key: Buffer.from(data as Uint8Array), format: 'der', type: 'pkcs8' });
  } catch (e) {
    if (encrypted) fail('WRONG_PASSPHRASE', 'the private key did not open with the passphrase given');
    fail('BAD_KEY', `the private key could not be read: ${(e as Error).message}`);
  }
  const pkcs8 = new Uint8Array(keyObject.export({ format: 'der', type: 'pkcs8' }));
  return { keyObject, pkcs8, info: keyInfo(keyObject) };
}

/** Encodes a private key as PEM PKCS#8, encrypted (PBES2, AES-256-CBC) when a passphrase is given. */
export function privateKeyToPem(key: KeyObject, passphrase?: string): string {
  if (passphrase !== undefined) {
    if (passphrase.length < 4) fail('BAD_ARGUMENT', 'the passphrase is too short (at least 4 characters)');
    return key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase }) as string;
  }
  return key.export({ format: 'pem', type: 'pkcs8' }) as string;
}

/** Converts a WebCrypto private key to a Node KeyObject handle. */
export async function handleFromCryptoKey(key: CryptoKey): Promise<PrivateKeyHandle> {
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', key));
  return readPrivateKey(pkcs8);
}

/** Imports a private key handle into WebCrypto for signing. */
export async function signingKeyFrom(handle: PrivateKeyHandle): Promise<{ key: CryptoKey; type: KeyType }> {
  const type = handle.info.type;
  if (!type) fail('WEAK_KEY', keyWeakness(handle.info) ?? `unsupported key ${handle.info.algorithm}`);
  const key = await crypto.subtle.importKey('pkcs8', handle.pkcs8 as BufferSource, keyAlgorithm(type), true, [
    'sign',
  ]);
  return { key, type };
}

/** The DER SubjectPublicKeyInfo of a private key, for comparing with a certificate's public key. */
export function publicKeyDer(key: KeyObject): Uint8Array {
  return new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' }));
}

/** True when the private key belongs to the certificate (their public keys are equal). */
export function keyMatchesCert(key: PrivateKeyHandle, cert: { node: { publicKey: KeyObject } }): boolean {
  const spki = cert.node.publicKey.export({ format: 'der', type: 'spki' });
  return Buffer.from(publicKeyDer(key.keyObject)).equals(Buffer.from(spki));
}
