/**
 * Secure contexts under a virtual server's TLS policy: every context the data plane builds (active,
 * staged, previous, preview; whichever a source exception picks) comes from here, so the protocol
 * versions, suites, groups and signature algorithms never change with the certificate. Client-initiated
 * renegotiation is refused by OpenSSL (`SSL_OP_NO_RENEGOTIATION`) before a handshake starts, so
 * Node's own limit (`tls.CLIENT_RENEG_LIMIT`, 3 per 10 minutes) is never reached.
 */
import { constants } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import { secureContextOptions, type TlsPolicy } from '../pki/tls-profile.js';
import type { CredentialRecord } from './credential-record.js';

/** The secure-context options of a policy, renegotiation refused. */
export function policyOptions(policy: TlsPolicy) {
  return secureContextOptions(policy, constants.SSL_OP_NO_RENEGOTIATION);
}

/**
 * Builds a server secure context for a credential under a policy (with its bridge appended when
 * `bridged`); with `ticket` (48 bytes, see session-tickets.ts) its session tickets are issued and
 * accepted under that key, valid for `lifetimeS`; with `'off'` none are issued or accepted.
 */
export function buildSecureContext(
  r: CredentialRecord,
  policy: TlsPolicy,
  bridged = false,
  ticket?: { key: Buffer; lifetimeS: number } | 'off',
): SecureContext {
  // Leaf + intermediates (+ the bridge); the root stays out of the handshake as clients hold it already.
  const cert = bridged && r.bridge ? r.certPem + r.bridge.certPem : r.certPem;
  const ctx = createSecureContext({
    ...(ticket === 'off'
      ? // Resumption off: no ticket issued or accepted (every handshake a full one).
        secureContextOptions(policy, constants.SSL_OP_NO_RENEGOTIATION | constants.SSL_OP_NO_TICKET)
      : policyOptions(policy)),
    key: r.keyPem,
    cert,
    ...(ticket && ticket !== 'off' ? { sessionTimeout: ticket.lifetimeS } : {}),
  });
  if (ticket && ticket !== 'off')
    (ctx.context as { setTicketKeys(k: Buffer): void }).setTicketKeys(ticket.key);
  return ctx;
}

/** Why OpenSSL cannot use a policy (an unknown cipher, group or signature algorithm), or undefined. */
export function checkTlsPolicy(policy: TlsPolicy): string | undefined {
  try {
    createSecureContext(policyOptions(policy));
    return undefined;
  } catch (e) {
    return `the TLS settings are refused by OpenSSL: ${(e as Error).message}`;
  }
}
