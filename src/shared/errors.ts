/**
 * Typed errors with stable codes. The domain throws `RolloverError`; every code has a kind in the one
 * table below, and each edge (HTTP status, CLI exit code) maps kinds, never codes, in one exhaustive
 * table of its own. Messages are for people; codes are for scripts.
 */

/** What kind of failure a code is: the edges derive their answer (HTTP status, exit code) from it. */
export const ERROR_KINDS = {
  usage: 'a flag or field value is malformed (a usage error)',
  input: 'a file or body given is unreadable, or lacks the secret that opens it',
  unsupported: 'the input is in a format rollover does not read',
  invalid: 'the input reads well but fails a check (a credential, a truststore, a signature)',
  'not-found': 'the object or file does not exist (or is not visible to the caller)',
  conflict: 'the request conflicts with the current state',
  gone: 'a one-time or expiring link is unknown, used or expired',
  unauthenticated: 'no valid credentials were given',
  forbidden: 'the caller may not do this',
  'too-large': 'the request is larger than accepted',
  'rate-limited': 'too many attempts in a short time',
  unavailable: 'a server or data plane rollover depends on did not answer or refused',
  'not-yet': 'a capability that is not built yet',
  environment: 'the machine or the stored data is not as it must be (files, master key, audit chain)',
  internal: 'an unexpected error (a bug)',
} as const;

/** A kind of failure. */
export type ErrorKind = keyof typeof ERROR_KINDS;

/** One row of the code table: its kind and a one-line title. */
interface CodeSpec {
  readonly kind: ErrorKind;
  readonly title: string;
}

/** Every stable error code the product can report, with its kind. Add new codes here, never rename one. */
export const ERROR_CODES = {
  // input parsing
  BAD_ARGUMENT: { kind: 'usage', title: 'a command-line argument or request field is malformed' },
  BAD_DURATION: { kind: 'usage', title: 'a duration could not be read' },
  BAD_TIME: { kind: 'usage', title: 'a time could not be read as RFC 3339 or is not on the calendar' },
  UNSUPPORTED_KEY_TYPE: { kind: 'usage', title: 'the key type is not one rollover issues or accepts' },
  BAD_PEM: { kind: 'input', title: 'a PEM or DER input is garbage or truncated' },
  BAD_CERTIFICATE: { kind: 'input', title: 'a certificate could not be parsed' },
  BAD_KEY: { kind: 'input', title: 'a private key could not be parsed' },
  BAD_CSR: {
    kind: 'input',
    title: 'a certificate signing request could not be parsed or its signature is wrong',
  },
  WRONG_PASSPHRASE: { kind: 'input', title: 'an encrypted private key did not open with the passphrase' },
  PASSPHRASE_REQUIRED: { kind: 'input', title: 'an encrypted key needs a passphrase and none was given' },
  WRONG_PASSWORD: {
    kind: 'input',
    title: 'a PKCS#12 or JKS store did not open with the password (or its MAC is broken)',
  },
  BAD_KEYSTORE: { kind: 'input', title: 'a PKCS#12 or JKS file is malformed' },
  KEYSTORE_LIMIT: {
    kind: 'too-large',
    title: 'a keystore or key asks for more than rollover reads (key-derivation iterations, entries)',
  },
  UNSUPPORTED_FORMAT: { kind: 'unsupported', title: 'the input is in a format rollover does not read' },
  // credential checks (ARCHITECTURE §5)
  KEY_MISMATCH: { kind: 'invalid', title: 'the private key does not belong to the certificate' },
  CHAIN_INCOMPLETE: { kind: 'invalid', title: 'the chain does not build to the given root' },
  NOT_YET_VALID: { kind: 'invalid', title: 'the certificate is not yet valid at the instant checked' },
  EXPIRED: { kind: 'invalid', title: 'the certificate has expired at the instant checked' },
  VALIDITY_TOO_SHORT: { kind: 'invalid', title: 'the certificate ends before the required period is over' },
  HOST_NOT_COVERED: {
    kind: 'invalid',
    title: 'a host name or address is missing from the subject alternative names',
  },
  LEAF_IS_CA: { kind: 'invalid', title: 'a CA certificate was given where a server certificate belongs' },
  NO_SERVER_AUTH: { kind: 'invalid', title: 'the certificate lacks the serverAuth extended key usage' },
  BAD_KEY_USAGE: { kind: 'invalid', title: 'the key usage does not suit a TLS server with this key type' },
  SHA1_SIGNATURE: { kind: 'invalid', title: 'a certificate in the chain is signed with SHA-1' },
  WEAK_KEY: { kind: 'invalid', title: 'the key is too weak (RSA under 2048 bits or an unsupported curve)' },
  KEY_NOT_IN_TLS_PROFILE: {
    kind: 'invalid',
    title: "the virtual server's TLS profile does not serve this key type or size",
  },
  ROOT_EXPIRES_FIRST: { kind: 'invalid', title: 'the root expires before the certificate does' },
  NOT_A_CA: { kind: 'invalid', title: 'a certificate used as CA is not a CA' },
  NOT_A_ROOT: { kind: 'invalid', title: 'a CA given where a root belongs is not a self-signed root' },
  ROOTS_SHARE_KEY: { kind: 'invalid', title: 'two roots that must differ have the same public key' },
  ROOTS_SHARE_SUBJECT: { kind: 'invalid', title: 'two roots that must differ have the same subject name' },
  BRIDGE_MISMATCH: { kind: 'invalid', title: 'a bridge certificate does not stand for the credential root' },
  BRIDGE_UNTIL_OUT_OF_RANGE: {
    kind: 'invalid',
    title: 'the bridge deadline is not after T, or outlasts the bridge certificate or the old root',
  },
  OCSP_RESPONSE_INVALID: {
    kind: 'invalid',
    title:
      'an OCSP response is unreadable, unsuccessful, for another certificate, out of its validity, or not signed by the issuer or a responder it delegated',
  },
  // files and directories
  FILE_NOT_FOUND: { kind: 'not-found', title: 'a file or directory does not exist' },
  FILE_EXISTS: { kind: 'conflict', title: 'the output already holds a credential or file' },
  NOT_WRITABLE: { kind: 'environment', title: 'a file or directory is not writable' },
  IO_ERROR: { kind: 'environment', title: 'a file could not be read or written' },
  FILE_TOO_LARGE: {
    kind: 'too-large',
    title: 'an input file is larger than any certificate, key or store rollover reads',
  },
  FILE_CHANGED: {
    kind: 'conflict',
    title: 'a file changed on disk between reading it and replacing it: nothing was written',
  },
  STORE_DAMAGED: {
    kind: 'environment',
    title: 'the store is damaged (a broken page, not a database, a gap in its migrations): restore a backup',
  },
  STORE_MISSING: {
    kind: 'environment',
    title: 'the data directory has a master key but its store is gone: restore a backup',
  },
  LINK_UNSAFE: {
    kind: 'environment',
    title:
      'a path is a dangling symbolic link, a hard-linked file or not a regular file: writing it would break it',
  },
  // the built-in data plane
  NOTHING_STAGED: { kind: 'conflict', title: 'nothing is staged to activate' },
  NO_PREVIOUS: { kind: 'conflict', title: 'there is no previous credential to roll back to' },
  // truststores
  ALIAS_EXISTS: { kind: 'conflict', title: 'an alias is already taken by another certificate' },
  ENTRY_NOT_FOUND: { kind: 'not-found', title: 'no truststore entry matches' },
  NOT_A_CA_CERT: { kind: 'invalid', title: 'a leaf certificate was given where a CA root belongs' },
  PRIVATE_KEY_IN_TRUSTSTORE: { kind: 'invalid', title: 'the truststore holds a private key' },
  REMOVAL_UNSAFE: { kind: 'conflict', title: 'removing this root now would break a sender' },
  PASSWORD_REQUIRED: { kind: 'input', title: 'a PKCS#12 or JKS store needs its password and none was given' },
  HASH_LINK_BROKEN: {
    kind: 'invalid',
    title: 'a hashed CA directory lacks a <hash>.N link OpenSSL needs, or has a gap or dangling link',
  },
  BUNDLE_STALE: {
    kind: 'invalid',
    title: 'the system CA bundle does not hold every local CA: update-ca-certificates has not run',
  },
  NOT_JAVA_TRUSTED: {
    kind: 'invalid',
    title: 'a PKCS#12 certificate entry lacks the attribute Java needs to trust it',
  },
  // network
  CONNECT_FAILED: { kind: 'unavailable', title: 'the server did not answer' },
  TLS_FAILED: { kind: 'unavailable', title: 'the TLS handshake failed' },
  NOT_TLS: { kind: 'unavailable', title: 'the server did not speak TLS' },
  UNKNOWN_CA: { kind: 'invalid', title: 'the served chain does not lead to any anchor of the truststore' },
  REPORT_FAILED: { kind: 'unavailable', title: 'the coordinator did not accept a report' },
  URL_REFUSED: {
    kind: 'invalid',
    title: 'an outbound URL is refused: its scheme, address or redirect is not allowed by the operator',
  },
  // announcements
  NOTICE_INVALID: {
    kind: 'invalid',
    title: 'an announcement is not signed by the coordinator, or was changed after signing',
  },
  ROOT_MISMATCH: { kind: 'invalid', title: 'a root certificate is not the one the announcement names' },
  // generic
  NOT_YET: { kind: 'not-yet', title: 'this capability is not built yet' },
  CONFLICT: { kind: 'conflict', title: 'the request conflicts with the current state' },
  NAME_TAKEN: { kind: 'conflict', title: 'an object with this name already exists' },
  STILL_IN_USE: { kind: 'conflict', title: 'the object is still used by (or refers to) other objects' },
  WRONG_STATE: { kind: 'conflict', title: 'the object is not in a state that allows this now' },
  NOTHING_TO_REMIND: {
    kind: 'conflict',
    title: 'no sender asked for has a step of its own to remind of now',
  },
  TIMED_OUT: { kind: 'unavailable', title: 'something waited for did not happen in time' },
  DATA_PLANE_REFUSED: {
    kind: 'unavailable',
    title: 'the proxy behind a data plane (HAProxy, nginx) refused a change',
  },
  NOT_FOUND: { kind: 'not-found', title: 'the object does not exist or is not visible to you' },
  UNAUTHENTICATED: { kind: 'unauthenticated', title: 'no valid credentials were given' },
  FORBIDDEN: { kind: 'forbidden', title: 'the caller may not do this' },
  INTERNAL: { kind: 'internal', title: 'an unexpected error' },
  // coordinator
  WRONG_MASTER_KEY: { kind: 'environment', title: 'the master key does not open this data directory' },
  RATE_LIMITED: { kind: 'rate-limited', title: 'too many attempts; wait and try again' },
  BODY_TOO_LARGE: { kind: 'too-large', title: 'the request body is larger than the server accepts' },
  INVITATION_INVALID: { kind: 'gone', title: 'the invitation link is unknown, used or expired' },
  SIGN_IN_LINK_INVALID: { kind: 'gone', title: 'the sign-in link is unknown, used or expired' },
  AUDIT_BROKEN: {
    kind: 'environment',
    title: 'the audit log does not verify: a row was edited, inserted or deleted',
  },
  SERVER_RUNNING: { kind: 'conflict', title: 'the data directory is in use by a running server' },
  LINK_INVALID: {
    kind: 'gone',
    title: 'a personal sender link is unknown, expired or replaced by a newer one',
  },
  POSTPONE_TOO_LATE: {
    kind: 'conflict',
    title: 'a postpone came after the cut-off before the exchange time',
  },
  RENEWAL_UNDER_WAY: {
    kind: 'conflict',
    title: 'a renewal is already under way on one of these virtual servers',
  },
  NOTHING_TO_RENEW: { kind: 'conflict', title: 'the virtual server serves no credential yet' },
  GRACE_AFTER_EXPIRY: {
    kind: 'invalid',
    title: "a grace deadline lies after the old certificate's notAfter minus one hour",
  },
  IN_GRACE: {
    kind: 'conflict',
    title:
      'senders are still served the old credential (grace): complete once it is over, or confirm with a reason',
  },
  SAME_CREDENTIAL: { kind: 'conflict', title: 'the new credential is the one already served' },
  ALREADY_SERVING: {
    kind: 'conflict',
    title: 'the virtual server already serves a credential: change it with a renewal',
  },
  ROOTS_DIFFER: {
    kind: 'conflict',
    title: 'the virtual servers of one renewal must move from the same old root',
  },
  CA_HAS_NO_KEY: {
    kind: 'conflict',
    title: 'the CA is an external root: the coordinator holds no key to issue with',
  },
  NODES_PENDING: { kind: 'conflict', title: 'not every node has acknowledged the staging yet' },
  OPERATING_MODEL: {
    kind: 'conflict',
    title: "a role holder's organisation breaks the tenant's operating model",
  },
  SELF_REMOVAL: { kind: 'conflict', title: 'a user cannot remove themself' },
  ROLLBACK_WINDOW_CLOSED: { kind: 'conflict', title: 'the rollback window after the exchange has closed' },
  OPEN_ITEMS: {
    kind: 'conflict',
    title:
      'items are still open (senders failing or not proven, old root still trusted): confirm with a reason',
  },
} as const satisfies Record<string, CodeSpec>;

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

/** True when `text` is a known error code (for answers read back from another process). */
export function isErrorCode(text: unknown): text is ErrorCode {
  return typeof text === 'string' && Object.hasOwn(ERROR_CODES, text);
}

/** The kind of a code. */
export function kindOf(code: ErrorCode): ErrorKind {
  return ERROR_CODES[code].kind;
}

/** The one-line title of a code. */
export function titleOf(code: ErrorCode): string {
  return ERROR_CODES[code].title;
}

/** The same error with `details.hint` set: an edge's advice in its own terms (a flag, a route). */
export function withHint(e: RolloverError, hint: string): RolloverError {
  return new RolloverError(e.code, e.message, { ...e.details, hint });
}
