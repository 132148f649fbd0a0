/**
 * Secrets the workflow keeps (node control tokens, webhook secrets, the announcement key, the link
 * signing key), through the coordinator's SecretBox port: sealed under a key derived from the master
 * key and bound to a context, so nothing here is readable without the master key.
 */
import type { SecretBox } from '../ports/secrets.js';

/** Seals `plain` for `context`. */
export function sealSecret(store: { secrets: SecretBox }, context: string, plain: string): string {
  return store.secrets.seal(context, plain);
}

/** Opens what {@link sealSecret} sealed for the same context. */
export function unsealSecret(store: { secrets: SecretBox }, context: string, sealed: string): string {
  return store.secrets.unseal(context, sealed);
}

/** The HMAC key personal sender links are signed with. */
export function linkKey(store: { secrets: SecretBox }): Buffer {
  return store.secrets.linkKey();
}
