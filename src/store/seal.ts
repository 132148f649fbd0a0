/**
 * Private keys at rest: AES-256-GCM under the master key. A sealed value is text
 * `v1.<base64 iv|tag|ciphertext>`; the `context` (for example `credential:<id>`) is bound as
 * additional data so a sealed key copied into another row does not open there.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { fail } from '../shared/errors.js';

/** The 32-byte master key. */
export type MasterKey = Buffer & { readonly __masterKey: true };

/** Reads a master key written as base64 (44 chars) or hex (64 chars); anything else is refused. */
export function parseMasterKey(text: string, source: string): MasterKey {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-f]{64}$/i.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(t)) key = Buffer.from(t, 'base64');
  if (key?.length !== 32) {
    fail('BAD_ARGUMENT', `${source} is not a master key: it must hold 32 bytes as base64 or 64 hex digits`);
  }
  return key as MasterKey;
}

/** A fresh random master key. */
export function generateMasterKey(): MasterKey {
  return randomBytes(32) as MasterKey;
}

/** The text form written to master.key. */
export function formatMasterKey(key: MasterKey): string {
  return `${key.toString('base64')}\n`;
}

/** Seals `plain` under the master key, bound to `context`. */
export function seal(key: MasterKey, plain: Uint8Array | string, context: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([c.update(typeof plain === 'string' ? Buffer.from(plain) : plain), c.final()]);
  return `v1.${Buffer.concat([iv, c.getAuthTag(), body]).toString('base64')}`;
}

/** Opens a sealed value; fails with WRONG_MASTER_KEY when the key or context does not match. */
export function unseal(key: MasterKey, sealed: string, context: string): Buffer {
  if (!sealed.startsWith('v1.')) fail('BAD_KEY', `a sealed value for ${context} is not in a known format`);
  const raw = Buffer.from(sealed.slice(3), 'base64');
  if (raw.length < 28) fail('BAD_KEY', `a sealed value for ${context} is truncated`);
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAAD(Buffer.from(context, 'utf8'));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]);
  } catch {
    return fail('WRONG_MASTER_KEY', `the master key does not open the sealed value for ${context}`);
  }
}

/** A key derived from the master key for one purpose (so the audit chain key is not the sealing key). */
export function deriveKey(key: MasterKey, purpose: string): Buffer {
  return createHmac('sha256', key).update(`rollover:${purpose}`).digest();
}
