/**
 * The one table mapping stable error codes to HTTP statuses, and the problem+json (RFC 9457) body
 * every error answer carries. Details are passed through only when they carry no secrets.
 */
import { ERROR_CODES, type ErrorCode, RolloverError } from '../shared/errors.js';

/** HTTP status per error code; a code not listed is a 400 when it is about input, else 500. */
export const PROBLEM_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_ARGUMENT: 400,
  BAD_DURATION: 400,
  BAD_TIME: 400,
  UNSUPPORTED_KEY_TYPE: 400,
  BAD_PEM: 400,
  BAD_CERTIFICATE: 400,
  BAD_KEY: 400,
  BAD_CSR: 400,
  UNSUPPORTED_FORMAT: 415,
  KEY_MISMATCH: 422,
  CHAIN_INCOMPLETE: 422,
  NOT_YET_VALID: 422,
  EXPIRED: 422,
  VALIDITY_TOO_SHORT: 422,
  HOST_NOT_COVERED: 422,
  LEAF_IS_CA: 422,
  NO_SERVER_AUTH: 422,
  BAD_KEY_USAGE: 422,
  SHA1_SIGNATURE: 422,
  WEAK_KEY: 422,
  ROOT_EXPIRES_FIRST: 422,
  NOT_A_CA: 422,
  REMOVAL_UNSAFE: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVITATION_INVALID: 410,
  SIGN_IN_LINK_INVALID: 410,
  LINK_INVALID: 410,
  POSTPONE_TOO_LATE: 409,
  ROLLBACK_WINDOW_CLOSED: 409,
  BODY_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  NOT_YET: 501,
  AUDIT_BROKEN: 500,
  WRONG_MASTER_KEY: 500,
  INTERNAL: 500,
};

/** The HTTP status for a code. */
export function statusFor(code: ErrorCode): number {
  return PROBLEM_STATUS[code] ?? 500;
}

/** A problem+json body. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  [extra: string]: unknown;
}

/** The problem body for a code and message. */
export function problem(code: ErrorCode, detail: string, details: Record<string, unknown> = {}): Problem {
  const status = statusFor(code);
  return { ...details, type: `urn:rollover:problem:${code}`, title: ERROR_CODES[code], status, code, detail };
}

/** The problem for anything thrown: typed errors keep their code; anything else is INTERNAL, unexplained. */
export function problemFrom(e: unknown): Problem {
  if (e instanceof RolloverError) return problem(e.code, e.message, e.details);
  return problem('INTERNAL', 'an unexpected error happened; the server log has the details');
}

/** A problem+json Response. */
export function problemResponse(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), {
    status: p.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}
