/**
 * Typed errors with stable codes. The domain throws `RolloverError`; the edges (CLI exit codes,
 * HTTP problem+json) map codes in one table each. Messages are for people; codes are for scripts.
 */

/** Every stable error code the product can report. Add new codes here, never rename one. */
export const ERROR_CODES = {
  // input parsing
  BAD_ARGUMENT: 'a command-line argument or request field is malformed',
  BAD_DURATION: 'a duration could not be read',
  BAD_TIME: 'a time could not be read as ISO 8601',
  UNSUPPORTED_KEY_TYPE: 'the key type is not one rollover issues or accepts',
  BAD_PEM: 'a PEM or DER input is garbage or truncated',
  BAD_CERTIFICATE: 'a certificate could not be parsed',
  BAD_KEY: 'a private key could not be parsed',
  BAD_CSR: 'a certificate signing request could not be parsed or its signature is wrong',
  WRONG_PASSPHRASE: 'an encrypted private key did not open with the passphrase',
  PASSPHRASE_REQUIRED: 'an encrypted key needs a passphrase and none was given',
  WRONG_PASSWORD: 'a PKCS#12 or JKS store did not open with the password (or its MAC is broken)',
  BAD_KEYSTORE: 'a PKCS#12 or JKS file is malformed',
  UNSUPPORTED_FORMAT: 'the input is in a format rollover does not read',
  // credential checks (ARCHITECTURE §5)
  KEY_MISMATCH: 'the private key does not belong to the certificate',
  CHAIN_INCOMPLETE: 'the chain does not build to the given root',
  NOT_YET_VALID: 'the certificate is not yet valid at the instant checked',
  EXPIRED: 'the certificate has expired at the instant checked',
  VALIDITY_TOO_SHORT: 'the certificate ends before the required period is over',
  HOST_NOT_COVERED: 'a host name or address is missing from the subject alternative names',
  LEAF_IS_CA: 'a CA certificate was given where a server certificate belongs',
  NO_SERVER_AUTH: 'the certificate lacks the serverAuth extended key usage',
  BAD_KEY_USAGE: 'the key usage does not suit a TLS server with this key type',
  SHA1_SIGNATURE: 'a certificate in the chain is signed with SHA-1',
  WEAK_KEY: 'the key is too weak (RSA under 2048 bits or an unsupported curve)',
  ROOT_EXPIRES_FIRST: 'the root expires before the certificate does',
  NOT_A_CA: 'a certificate used as CA is not a CA',
  // files and directories
  FILE_NOT_FOUND: 'a file or directory does not exist',
  FILE_EXISTS: 'the output already holds a credential or file',
  NOT_WRITABLE: 'a file or directory is not writable',
  IO_ERROR: 'a file could not be read or written',
  // truststores
  ALIAS_EXISTS: 'an alias is already taken by another certificate',
  ENTRY_NOT_FOUND: 'no truststore entry matches',
  NOT_A_CA_CERT: 'a leaf certificate was given where a CA root belongs',
  PRIVATE_KEY_IN_TRUSTSTORE: 'the truststore holds a private key',
  REMOVAL_UNSAFE: 'removing this root now would break a sender',
  PASSWORD_REQUIRED: 'a PKCS#12 or JKS store needs its password and none was given',
  HASH_LINK_BROKEN:
    'a hashed CA directory lacks a <hash>.N link OpenSSL needs, or has a gap or dangling link',
  BUNDLE_STALE: 'the system CA bundle does not hold every local CA: update-ca-certificates has not run',
  NOT_JAVA_TRUSTED: 'a PKCS#12 certificate entry lacks the attribute Java needs to trust it',
  // network
  CONNECT_FAILED: 'the server did not answer',
  TLS_FAILED: 'the TLS handshake failed',
  NOT_TLS: 'the server did not speak TLS',
  UNKNOWN_CA: 'the served chain does not lead to any anchor of the truststore',
  REPORT_FAILED: 'the coordinator did not accept a report',
  // announcements
  NOTICE_INVALID: 'an announcement is not signed by the coordinator, or was changed after signing',
  ROOT_MISMATCH: 'a root certificate is not the one the announcement names',
  // generic
  NOT_YET: 'this capability is not built yet',
  CONFLICT: 'the request conflicts with the current state',
  NOT_FOUND: 'the object does not exist or is not visible to you',
  UNAUTHENTICATED: 'no valid credentials were given',
  FORBIDDEN: 'the caller may not do this',
  INTERNAL: 'an unexpected error',
  // coordinator
  WRONG_MASTER_KEY: 'the master key does not open this data directory',
  RATE_LIMITED: 'too many attempts; wait and try again',
  BODY_TOO_LARGE: 'the request body is larger than the server accepts',
  INVITATION_INVALID: 'the invitation link is unknown, used or expired',
  SIGN_IN_LINK_INVALID: 'the sign-in link is unknown, used or expired',
  AUDIT_BROKEN: 'the audit log does not verify: a row was edited, inserted or deleted',
  SERVER_RUNNING: 'the data directory is in use by a running server',
  LINK_INVALID: 'a personal sender link is unknown, expired or replaced by a newer one',
  POSTPONE_TOO_LATE: 'a postpone came after the cut-off before the exchange time',
  ROLLBACK_WINDOW_CLOSED: 'the rollback window after the exchange has closed',
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** A domain error: stable `code`, a person-readable `message`, optional structured `details`. */
export class RolloverError extends Error {
  override readonly name = 'RolloverError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Shorthand for `new RolloverError(...)`. */
export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): never {
  throw new RolloverError(code, message, details);
}

/** True when `e` is a RolloverError (optionally with the given code). */
export function isRolloverError(e: unknown, code?: ErrorCode): e is RolloverError {
  return e instanceof RolloverError && (code === undefined || e.code === code);
}
