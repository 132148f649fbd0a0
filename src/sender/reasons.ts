/**
 * Why a handshake failed, in the sender admin's words: OpenSSL's verify codes and Node's socket
 * errors mapped to a few stable codes (pure).
 */
import type { ErrorCode } from '../shared/errors.js';

/** A failure reason: a stable code and a sentence a person can act on. */
export interface FailureReason {
  code: ErrorCode;
  reason: string;
}

const UNKNOWN_CA = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

/** Maps a failed certificate verification (Node's `authorizationError.code`) to a reason. */
export function verifyFailure(code: string, message: string): FailureReason {
  if (code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return {
      code: 'UNKNOWN_CA',
      reason: 'unknown CA: the server presents a self-signed certificate that is not in the truststore',
    };
  }
  if (UNKNOWN_CA.has(code)) {
    return {
      code: 'UNKNOWN_CA',
      reason: `unknown CA: the served chain does not lead to any anchor in the truststore (${code}) — add the new root`,
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return { code: 'HOST_NOT_COVERED', reason: `host name mismatch: ${message}` };
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return {
      code: 'EXPIRED',
      reason: 'expired: a certificate in the served chain has expired (CERT_HAS_EXPIRED)',
    };
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return {
      code: 'NOT_YET_VALID',
      reason: 'not yet valid: a certificate in the served chain starts later (check clocks)',
    };
  }
  return { code: 'TLS_FAILED', reason: `the certificate did not verify: ${message} (${code})` };
}

/** Maps a socket or handshake error to a reason. */
export function socketFailure(e: NodeJS.ErrnoException, target: string, timeoutMs: number): FailureReason {
  const code = e.code ?? '';
  const msg = e.message ?? String(e);
  if (code === 'ETIMEDOUT' || code === 'ROLLOVER_TIMEOUT') {
    return {
      code: 'CONNECT_FAILED',
      reason: `no answer: ${target} did not complete a handshake within ${timeoutMs} ms`,
    };
  }
  if (code === 'ECONNREFUSED')
    return {
      code: 'CONNECT_FAILED',
      reason: `no answer: ${target} refused the connection (nothing listens there)`,
    };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return { code: 'CONNECT_FAILED', reason: `no answer: the host of ${target} is not found in DNS` };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return { code: 'CONNECT_FAILED', reason: `no answer: ${target} is unreachable` };
  if (
    /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|HTTP_REQUEST|UNKNOWN_PROTOCOL|record layer failure/i.test(
      `${code} ${msg}`,
    )
  ) {
    return {
      code: 'NOT_TLS',
      reason: `not TLS: ${target} answered, but not with TLS (a plain-HTTP port?): ${msg}`,
    };
  }
  if (code === 'ECONNRESET' || /disconnected before secure TLS/.test(msg)) {
    return {
      code: 'TLS_FAILED',
      reason: `${target} closed the connection during the handshake (${code || msg})`,
    };
  }
  return {
    code: 'TLS_FAILED',
    reason: `the TLS handshake with ${target} failed: ${msg}${code ? ` (${code})` : ''}`,
  };
}
