/**
 * Secrets the workflow keeps (node control tokens, webhook secrets, the announcement key, the link
 * signing key): AES-256-GCM under a key derived from the store's master-key-derived key, bound to a
 * context, so nothing here is readable without the master key.
 */
import { createHmac } from 'node:crypto';
import { type MasterKey, seal, unseal } from '../../store/seal.js';
import type { Store } from '../../store/store.js';

function workflowKey(store: Store, purpose: string): Buffer {
  return createHmac('sha256', store.auditKey()).update(`rollover:renewal:${purpose}`).digest();
}

/** Seals `plain` for `context`. */
export function sealSecret(store: Store, context: string, plain: string): string {
  return seal(workflowKey(store, 'seal') as MasterKey, plain, context);
}

/** Opens what {@link sealSecret} sealed for the same context. */
export function unsealSecret(store: Store, context: string, sealed: string): string {
  return unseal(workflowKey(store, 'seal') as MasterKey, sealed, context).toString('utf8');
}

/** The HMAC key personal sender links are signed with. */
export function linkKey(store: Store): Buffer {
  return workflowKey(store, 'links');
}
