/**
 * TLS session resumption across workers and per-handshake contexts: every context of a credential
 * gets the same ticket key, derived from a per-node secret and the credential's fingerprint, so a
 * ticket is bound to the credential it was issued under. The secret is random per node and period
 * (default an hour; the current and the previous period are accepted), kept in memory only and
 * handed to workers over IPC. The front reads the ticket out of the ClientHello (pure parsing here,
 * bounds-checked), checks its MAC with the derived keys, and so knows which credential a resuming
 * client was given at its full handshake; `resumeContext` decides whether that session may resume.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** One period's secret. */
export interface TicketSecret {
  /** The period's number (increasing); only for logs and tests. */
  period: number;
  secret: Buffer;
}

/** The secrets in use: tickets are issued under `current` and accepted under both. */
export interface TicketSecrets {
  current: TicketSecret;
  previous?: TicketSecret | undefined;
}

/** Default ticket key rotation period. */
export const DEFAULT_TICKET_ROTATION_MS = 3_600_000;

/** A fresh secret for a period. */
export function newTicketSecret(period: number): TicketSecret {
  return { period, secret: randomBytes(32) };
}

/** Rotates: a new current, the old current kept as previous (two periods accepted). */
export function rotateTicketSecrets(s: TicketSecrets | undefined): TicketSecrets {
  const period = s ? s.current.period + 1 : 1;
  return { current: newTicketSecret(period), ...(s ? { previous: s.current } : {}) };
}

/**
 * The 48-byte key Node's `setTicketKeys` takes (name 16 ‖ HMAC key 16 ‖ AES key 16) for a credential
 * in a period: HKDF-SHA256 of the period's secret with the credential's leaf SHA-256 as info.
 */
export function ticketKeyFor(secret: Buffer, sha256: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `rollover ticket key ${sha256}`, 48));
}

/**
 * True when `ticket` was made with `key`: OpenSSL's format with Node's callback is key name (16) ‖
 * IV (16) ‖ encrypted session ‖ HMAC-SHA256 (32) over everything before it.
 */
export function ticketMadeWith(ticket: Buffer, key: Buffer): boolean {
  if (ticket.length < 16 + 16 + 16 + 32) return false;
  if (!ticket.subarray(0, 16).equals(key.subarray(0, 16))) return false;
  const mac = createHmac('sha256', key.subarray(16, 32))
    .update(ticket.subarray(0, ticket.length - 32))
    .digest();
  return timingSafeEqual(mac, ticket.subarray(ticket.length - 32));
}

/**
 * The session ticket a ClientHello offers: the TLS 1.3 `pre_shared_key` extension's first identity,
 * or the TLS 1.2 `session_ticket` extension's content. Undefined when there is none, or when the
 * bytes are not one whole ClientHello in the first record (then the handshake is simply a full one).
 */
export function ticketOfClientHello(b: Buffer): Buffer | undefined {
  // Record: type 22 (handshake), version (2), length (2); handshake: type 1 (ClientHello), length (3).
  if (b.length < 9 || b[0] !== 22 || b[5] !== 1) return undefined;
  const recordEnd = 5 + b.readUInt16BE(3);
  const helloEnd = 9 + b.readUIntBE(6, 3);
  const end = Math.min(recordEnd, helloEnd, b.length);
  if (helloEnd > recordEnd || helloEnd > b.length) return undefined;
  let o = 9 + 2 + 32; // client version, random
  const skip = (lenBytes: 1 | 2) => {
    if (o + lenBytes > end) return false;
    const n = lenBytes === 1 ? b[o]! : b.readUInt16BE(o);
    o += lenBytes + n;
    return o <= end;
  };
  if (!skip(1) || !skip(2) || !skip(1)) return undefined; // session id, cipher suites, compression
  if (o + 2 > end) return undefined;
  const extEnd = Math.min(end, o + 2 + b.readUInt16BE(o));
  o += 2;
  let ticket: Buffer | undefined;
  while (o + 4 <= extEnd) {
    const type = b.readUInt16BE(o);
    const len = b.readUInt16BE(o + 2);
    const data = o + 4;
    if (data + len > extEnd) return undefined;
    if (type === 41 && len >= 4) {
      // pre_shared_key: identities<7..2^16-1> of { identity<1..2^16-1>, obfuscated_ticket_age (4) }
      const idLen = b.readUInt16BE(data + 2);
      if (data + 4 + idLen <= data + len) return b.subarray(data + 4, data + 4 + idLen);
    } else if (type === 35 && len > 0) {
      ticket = b.subarray(data, data + len);
    }
    o = data + len;
  }
  return ticket;
}

/** A ticket key known to a virtual server: which credential it belongs to. */
export interface KnownTicketKey<X> {
  sha256: string;
  key: Buffer;
  /** What the front needs to resume under it (the context holding this key). */
  value: X;
}

/**
 * Until when a session issued under the credential being replaced may resume for a client the rule now
 * gives the new one: with grace on, T plus the rollback window staged with the new credential, never
 * after the old credential's notAfter; T itself with grace off. Grace is what the stage said (`grace`,
 * the renewal's policy, independent of automatic fallback); a stage that said nothing goes by the
 * automatic-fallback setting seen during this exchange (`fallback: "on"`). Fallback switched off
 * before its deadline (`"ended"`, as after a key compromise) ends grace either way.
 */
export function oldSessionsEnd(x: {
  at: number;
  rollbackWindowMs: number | undefined;
  oldNotAfter: number;
  grace: boolean | undefined;
  fallback: 'on' | 'ended' | undefined;
}): number {
  const on = x.fallback === 'ended' ? false : (x.grace ?? x.fallback === 'on');
  return on ? Math.min(x.at + (x.rollbackWindowMs ?? 0), x.oldNotAfter) : x.at;
}

/**
 * Whether a session issued under credential `ticketSha256` may resume when the rule per ClientHello
 * chose `chosenSha256`: the same credential, yes; the credential being replaced, while a client
 * chosen the new one is still within `oldSessionsUntil` (T plus the rollback window while grace is
 * on, never after the old credential's notAfter; T itself when grace is off), yes; anything else (a retired credential, the new one before T…) no: a full handshake with
 * the chosen credential follows.
 */
export function mayResume(p: {
  ticketSha256: string;
  chosenSha256: string;
  oldSha256: string | undefined;
  newSha256: string | undefined;
  oldSessionsUntil: number | undefined;
  now: number;
}): boolean {
  if (p.ticketSha256 === p.chosenSha256) return true;
  return (
    p.ticketSha256 === p.oldSha256 &&
    p.chosenSha256 === p.newSha256 &&
    p.oldSessionsUntil !== undefined &&
    p.now < p.oldSessionsUntil
  );
}
