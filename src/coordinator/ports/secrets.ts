/**
 * Secrets the coordinator keeps (node control tokens, webhook secrets, the announcement key) sealed
 * under a key derived from the master key and bound to a context, and the key sender links are signed
 * with. Nothing here is readable without the master key.
 */
export interface SecretBox {
  /** Seals `plain` for `context`. */
  seal(context: string, plain: string): string;
  /** Opens what {@link SecretBox.seal} sealed for the same context; refuses another context. */
  unseal(context: string, sealed: string): string;
  /** The HMAC key personal sender links are signed with. */
  linkKey(): Buffer;
}
