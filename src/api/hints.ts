/**
 * Advice in the API's own terms (fields, routes) for codes whose remedy depends on the edge: the
 * cores say what is wrong, this edge says how to fix it through the API, in `details.hint`.
 */
import type { ErrorCode } from '../shared/errors.js';
import type { Problem } from '../shared/problem.js';

const HINTS: Partial<Record<ErrorCode, string>> = {
  PASSPHRASE_REQUIRED:
    'send the private key unencrypted (PKCS#8 PEM) in keyPem over TLS; the coordinator seals it at rest',
};

/** The problem with the API's hint for its code, unless it carries one already. */
export function withApiHint(p: Problem): Problem {
  const hint = HINTS[p.code];
  return hint && p.hint === undefined ? { ...p, hint } : p;
}
