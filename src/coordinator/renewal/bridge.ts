/**
 * The bridge a renewal plan serves between the old and the new root (docs/design/20261202.bridge-
 * certificates.md). The LB admin supplies the bridge certificates made with `rollover ca cross-sign`;
 * the plan checks that each stands for the right root and was issued by the other one, and that the
 * bridge deadline lies after T and never after the forward bridge's or the old root's expiry.
 */
import { type Cert, issuedBy, readOneCertificate } from '../../pki/certificate.js';
import { standsFor } from '../../pki/cross-sign.js';
import { encodeCertificatesPem } from '../../pki/formats/pem.js';
import { fail } from '../../shared/errors.js';
import { parseInstant } from '../../shared/time.js';
import type { BridgeCertificate, RenewalBridge } from '../ports/renewals.js';

/** The bridge modes of a plan. */
export const BRIDGE_MODES = ['off', 'forward', 'both'] as const;
/** A bridge mode. */
export type BridgeMode = (typeof BRIDGE_MODES)[number];

/** The bridge fields of a plan, as given. */
export interface BridgePlanInput {
  bridge?: BridgeMode | undefined;
  bridgeUntil?: string | undefined;
  /** The forward bridge (issued by the old root for the new root), PEM. */
  bridgeForwardPem?: string | undefined;
  /** The reverse bridge (issued by the new root for the old root), PEM; mode `both` only. */
  bridgeReversePem?: string | undefined;
}

/** Checks the fields that need no certificate (before anything is imported or issued). */
export function checkBridgeFields(input: BridgePlanInput): void {
  const mode = input.bridge ?? 'off';
  if (!BRIDGE_MODES.includes(mode))
    fail('BAD_ARGUMENT', `the bridge mode is off, forward or both, not "${mode}"`, { field: 'bridge' });
  if (mode === 'off') {
    for (const f of ['bridgeUntil', 'bridgeForwardPem', 'bridgeReversePem'] as const)
      if (input[f] !== undefined)
        fail('BAD_ARGUMENT', `${f} is given but the bridge is off: choose --bridge forward or both`, {
          field: f,
        });
    return;
  }
  if (input.bridgeUntil === undefined)
    fail('BAD_ARGUMENT', 'a bridge needs its deadline (bridgeUntil, an instant after T)', {
      field: 'bridgeUntil',
    });
  parseInstant(input.bridgeUntil);
  if (input.bridgeForwardPem === undefined)
    fail(
      'BAD_ARGUMENT',
      'a bridge needs the forward bridge certificate (`rollover ca cross-sign --ca OLD --subject-ca NEW`)',
      { field: 'bridgeForwardPem' },
    );
  if (mode === 'both' && input.bridgeReversePem === undefined)
    fail(
      'BAD_ARGUMENT',
      'bridge mode both needs the reverse bridge certificate too (`rollover ca cross-sign --ca NEW --subject-ca OLD`)',
      { field: 'bridgeReversePem' },
    );
  if (mode === 'forward' && input.bridgeReversePem !== undefined)
    fail('BAD_ARGUMENT', 'a reverse bridge is served only with bridge mode both', {
      field: 'bridgeReversePem',
    });
}

function certificateFacts(c: Cert): BridgeCertificate {
  return {
    pem: encodeCertificatesPem([c.der]),
    sha256: c.sha256,
    notAfter: c.notAfter.toISOString(),
    issuer: c.x.issuer,
  };
}

function bridgeCert(pem: string, which: 'forward' | 'reverse', subject: Cert, issuer: Cert): Cert {
  const c = readOneCertificate(pem, `${which} bridge`);
  const field = which === 'forward' ? 'bridgeForwardPem' : 'bridgeReversePem';
  if (!standsFor(c, subject) || !issuedBy(c, issuer))
    fail(
      'BRIDGE_MISMATCH',
      `the ${which} bridge (${c.x.subject}, issued by ${c.x.issuer}) must carry the ${
        which === 'forward' ? 'new' : 'old'
      } root "${subject.x.subject}" and its key, issued by the ${which === 'forward' ? 'old' : 'new'} root "${
        issuer.x.subject
      }": make it with \`rollover ca cross-sign --ca ${which === 'forward' ? 'OLD --subject-ca NEW' : 'NEW --subject-ca OLD'}\``,
      { field },
    );
  return c;
}

/**
 * The plan's bridge, checked against the two roots: the forward bridge must be valid from T until the
 * deadline, the reverse one from now until T; the deadline lies after T and never after the forward
 * bridge's or the old root's expiry (BRIDGE_UNTIL_OUT_OF_RANGE). Null when the bridge is off.
 */
export function checkBridge(
  input: BridgePlanInput,
  c: { oldRoot: Cert; newRoot: Cert; exchangeAt: Date; now: Date },
): RenewalBridge | null {
  checkBridgeFields(input);
  const mode = input.bridge ?? 'off';
  if (mode === 'off') return null;
  const until = parseInstant(input.bridgeUntil!);
  const forward = bridgeCert(input.bridgeForwardPem!, 'forward', c.newRoot, c.oldRoot);
  const reverse =
    mode === 'both' ? bridgeCert(input.bridgeReversePem!, 'reverse', c.oldRoot, c.newRoot) : undefined;
  if (until <= c.exchangeAt)
    fail(
      'BRIDGE_UNTIL_OUT_OF_RANGE',
      `the bridge deadline ${until.toISOString()} must lie after T (${c.exchangeAt.toISOString()})`,
      { field: 'bridgeUntil' },
    );
  const limit = new Date(Math.min(forward.notAfter.getTime(), c.oldRoot.notAfter.getTime()));
  if (until > limit)
    fail(
      'BRIDGE_UNTIL_OUT_OF_RANGE',
      `the bridge deadline ${until.toISOString()} is after the ${
        forward.notAfter <= c.oldRoot.notAfter ? 'forward bridge' : 'old root'
      } expires (${limit.toISOString()}): choose ${limit.toISOString()} or earlier`,
      { field: 'bridgeUntil' },
    );
  if (forward.notBefore > c.exchangeAt)
    fail(
      'NOT_YET_VALID',
      `the forward bridge is valid only from ${forward.notBefore.toISOString()}, after T`,
      {
        field: 'bridgeForwardPem',
      },
    );
  if (reverse) {
    if (reverse.notBefore > c.now)
      fail('NOT_YET_VALID', `the reverse bridge is valid only from ${reverse.notBefore.toISOString()}`, {
        field: 'bridgeReversePem',
      });
    if (reverse.notAfter < c.exchangeAt)
      fail('EXPIRED', `the reverse bridge expires at ${reverse.notAfter.toISOString()}, before T`, {
        field: 'bridgeReversePem',
      });
  }
  return {
    mode,
    until: until.toISOString(),
    forward: certificateFacts(forward),
    reverse: reverse ? certificateFacts(reverse) : null,
  };
}

/** The bridge as the renewal's views and audit show it (no PEM). */
export function bridgeView(b: RenewalBridge | null) {
  if (!b) return null;
  const facts = ({ sha256, notAfter, issuer }: BridgeCertificate) => ({ sha256, notAfter, issuer });
  return {
    mode: b.mode,
    until: b.until,
    forward: facts(b.forward),
    reverse: b.reverse ? facts(b.reverse) : null,
  };
}
