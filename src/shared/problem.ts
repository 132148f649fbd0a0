/**
 * The one wire format for errors on every HTTP surface (the coordinator API and the load balancer's
 * control interface): problem+json (RFC 9457), its status derived from the code's kind, and the way
 * back from an answer to a typed error. Pure: building and reading bodies, no I/O.
 */
import { type ErrorCode, type ErrorKind, isErrorCode, kindOf, RolloverError, titleOf } from './errors.js';

/** The media type of every error answer. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** HTTP status per kind of error: exhaustive, so a new kind cannot go unmapped. */
export const HTTP_STATUS: Readonly<Record<ErrorKind, number>> = {
  usage: 400,
  input: 400,
  unsupported: 415,
  invalid: 422,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  unauthenticated: 401,
  forbidden: 403,
  'too-large': 413,
  'rate-limited': 429,
  unavailable: 503,
  'not-yet': 501,
  environment: 500,
  internal: 500,
};

/** The HTTP status for a code. */
export function statusFor(code: ErrorCode): number {
  return HTTP_STATUS[kindOf(code)];
}

/** A problem+json body: the standard members, the stable `code`, and the error's details beside them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  [extra: string]: unknown;
}

/** The problem body for a code and message (details never override the standard members). */
export function problem(code: ErrorCode, detail: string, details: Record<string, unknown> = {}): Problem {
  return {
    ...details,
    type: `urn:rollover:problem:${code}`,
    title: titleOf(code),
    status: statusFor(code),
    code,
    detail,
  };
}

/**
 * The problem for anything thrown: typed errors keep their code; anything else is INTERNAL with
 * `unexpected` as its detail (by default a sentence that explains nothing, so no internals leak).
 */
export function problemFrom(
  e: unknown,
  unexpected = 'an unexpected error happened; the server log has the details',
): Problem {
  if (e instanceof RolloverError) return problem(e.code, e.message, e.details);
  return problem('INTERNAL', unexpected);
}

/**
 * The typed error an error answer stands for: its code when the body is a problem with a known code
 * (else INTERNAL), its detail, and its other members as details.
 */
export function errorFromProblem(body: unknown, status: number, what: string): RolloverError {
  const p = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const { type: _type, title: _title, status: _status, code, detail, ...details } = p;
  return new RolloverError(
    isErrorCode(code) ? code : 'INTERNAL',
    typeof detail === 'string' ? detail : `${what} answered HTTP ${status}`,
    details,
  );
}
