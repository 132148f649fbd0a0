import type { KeyObject } from 'node:crypto';
import { CompactSign, calculateJwkThumbprint, compactVerify, exportJWK, importJWK, type JWK } from 'jose';
import { type Announcement, AnnouncementSchema } from '../api/contract/announcement.js';
import { fail } from '../shared/errors.js';

/** The JWS `typ` of a signed announcement. */
export const ANNOUNCEMENT_TYP = 'rollover-announcement+jws';

/** The public JWK a coordinator publishes for its announcement key, with its RFC 7638 thumbprint as `kid`. */
export async function publicJwk(publicKey: KeyObject): Promise<JWK & { kid: string }> {
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { ...jwk, kid, alg: 'ES256', use: 'sig' };
}

/** Signs an announcement as a compact JWS (ES256) with the coordinator's P-256 key. */
export async function signAnnouncement(a: Announcement, privateKey: KeyObject, kid: string): Promise<string> {
  const payload = AnnouncementSchema.parse(a);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', typ: ANNOUNCEMENT_TYP, kid })
    .sign(privateKey);
}

/**
 * Verifies a signed announcement against the coordinator's public JWK and, when given, the key
 * thumbprint the sender admin received out of band. Any failure is NOTICE_INVALID.
 */
export async function verifyAnnouncement(
  jws: string,
  jwk: JWK,
  expectedThumbprint?: string,
): Promise<{ announcement: Announcement; kid: string }> {
  const thumb = await calculateJwkThumbprint(jwk, 'sha256');
  if (expectedThumbprint && thumb !== expectedThumbprint.trim()) {
    fail(
      'NOTICE_INVALID',
      `the coordinator key's thumbprint is ${thumb}, not the ${expectedThumbprint} you were given`,
    );
  }
  let payload: Uint8Array;
  let header: { typ?: string; kid?: string };
  try {
    const key = await importJWK(jwk, 'ES256');
    ({ payload, protectedHeader: header } = await compactVerify(jws.trim(), key, { algorithms: ['ES256'] }));
  } catch (e) {
    return fail(
      'NOTICE_INVALID',
      `the announcement's signature does not verify with the coordinator's key (${(e as Error).message}): do not trust it`,
    );
  }
  if (header.typ !== ANNOUNCEMENT_TYP)
    fail(
      'NOTICE_INVALID',
      `the signed document is a ${header.typ ?? 'untyped JWS'}, not a root announcement`,
    );
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    // Only a holder of the coordinator's key can sign such a payload; still a typed refusal, not a crash.
    return fail('NOTICE_INVALID', 'the signed announcement is not JSON: do not trust it');
  }
  const parsed = AnnouncementSchema.safeParse(body);
  if (!parsed.success)
    fail('NOTICE_INVALID', `the signed announcement is malformed: ${parsed.error.issues[0]?.message}`);
  return { announcement: parsed.data, kid: thumb };
}
