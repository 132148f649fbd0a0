/**
 * A credential as the data plane keeps it: PEM text ready for `tls.createSecureContext`, plus the
 * facts status and telemetry report (fingerprint, expiry). Converted from and to the PKI core's
 * `Credential` so that the same checks run on what is served.
 */

import { readCertificates, readOneCertificate } from '../pki/certificate.js';
import { assertCredential, type CheckResult } from '../pki/checks.js';
import type { Credential } from '../pki/credential.js';
import { assertBridgeFor } from '../pki/cross-sign.js';
import { encodeCertificatesPem } from '../pki/formats/pem.js';
import { dn } from '../pki/inspect.js';
import { privateKeyToPem, readPrivateKey } from '../pki/keys.js';
import { fail } from '../shared/errors.js';

/** A served credential: PEMs plus the leaf's facts. Holds an unencrypted key: never log it. */
export interface CredentialRecord {
  /** Leaf SHA-256, lowercase hex. */
  sha256: string;
  /** Leaf subject, one line. */
  subject: string;
  /** Leaf notAfter, ISO 8601. */
  notAfter: string;
  /** The root's SHA-256 (the root the chain was checked against). */
  rootSha256: string;
  /** Key algorithm of the leaf: `ec` or `rsa`. */
  keyAlgorithm: string;
  keyPem: string;
  /** tls.crt: leaf then intermediates. */
  certPem: string;
  /** ca.crt: the root. */
  rootPem: string;
  /**
   * A bridge served after the chain until `until` (ms): a certificate carrying this record's root name
   * and key, issued by another root, so clients trusting either root validate. Never on the preview
   * listener. Absent: no bridge.
   */
  bridge?: ServedBridge | undefined;
  /**
   * The rollback window staged with this credential (the stage request's `validForMs`, ms after T):
   * how long after T sessions of the credential it replaces may still resume while grace is on.
   */
  rollbackWindowMs?: number | undefined;
  /**
   * The renewal's grace policy as staged with this credential (the stage request's `grace`): true when
   * senders not proven keep the old credential after T, false after a key compromise (nobody does).
   * Absent: not said (a stage by hand); the node then goes by its automatic-fallback setting.
   */
  grace?: boolean | undefined;
}

/** A bridge certificate a record is served with, and until when. */
export interface ServedBridge {
  certPem: string;
  sha256: string;
  /** Served while the handshake's instant is before this (ms since the epoch). */
  until: number;
}

/** Whether a handshake at `now` gets `r` with its bridge appended. */
export function bridgedAt(r: CredentialRecord, now: number): boolean {
  return r.bridge !== undefined && now < r.bridge.until;
}

/**
 * Checks that `bridgePem` stands for the record's root (its name and key, issued by another root) and is
 * valid from `from` until `until`; returns the served bridge. Chain-only: the key and leaf do not change.
 */
export function checkedBridge(
  r: CredentialRecord,
  bridgePem: string,
  from: number,
  until: number,
): ServedBridge {
  if (!Number.isFinite(until)) fail('BAD_TIME', 'the bridge deadline is not a valid instant');
  if (until <= from)
    fail(
      'BRIDGE_UNTIL_OUT_OF_RANGE',
      `the bridge deadline ${new Date(until).toISOString()} must lie after ${new Date(from).toISOString()}`,
    );
  const bridge = readOneCertificate(bridgePem, 'bridge certificate');
  const root = readOneCertificate(r.rootPem, 'root certificate');
  assertBridgeFor(bridge, root, new Date(from));
  if (bridge.notAfter.getTime() < until)
    fail(
      'BRIDGE_UNTIL_OUT_OF_RANGE',
      `the bridge expires at ${bridge.notAfter.toISOString()}, before its deadline ${new Date(until).toISOString()}`,
    );
  return { certPem: encodeCertificatesPem([bridge.der]), sha256: bridge.sha256, until };
}

/** Makes a record from a parsed credential. */
export function recordFromCredential(cred: Credential): CredentialRecord {
  const leaf = cred.chain[0];
  if (!leaf) fail('BAD_CERTIFICATE', 'tls.crt holds no certificate');
  return {
    sha256: leaf.sha256,
    subject: dn(leaf.x.subject),
    notAfter: leaf.notAfter.toISOString(),
    rootSha256: cred.root.sha256,
    keyAlgorithm: cred.key.info.algorithm,
    keyPem: privateKeyToPem(cred.key.keyObject),
    certPem: encodeCertificatesPem(cred.chain.map((c) => c.der)),
    rootPem: encodeCertificatesPem([cred.root.der]),
  };
}

/** Parses the PEMs of a record (or of a stage request) back into a credential for the checks. */
export function credentialFromPems(p: { keyPem: string; certPem: string; rootPem: string }): Credential {
  return {
    key: readPrivateKey(p.keyPem),
    chain: readCertificates(p.certPem),
    root: readOneCertificate(p.rootPem, 'root certificate'),
  };
}

/** The public facts of a record (no key), for status output. */
export function publicFacts(r: CredentialRecord): Omit<
  CredentialRecord,
  'keyPem' | 'certPem' | 'rootPem' | 'bridge'
> & {
  bridge?: { sha256: string; until: string };
} {
  return {
    sha256: r.sha256,
    subject: r.subject,
    notAfter: r.notAfter,
    rootSha256: r.rootSha256,
    keyAlgorithm: r.keyAlgorithm,
    ...(r.bridge
      ? { bridge: { sha256: r.bridge.sha256, until: new Date(r.bridge.until).toISOString() } }
      : {}),
  };
}

/**
 * Checks a credential to be staged for a virtual server's hosts at T (and for `validForMs` after it)
 * and returns it as a record; throws the first failing check. Every kind of data plane stages
 * through this, so none can be handed a credential the PKI core would refuse.
 */
export function checkedStageRecord(
  hosts: string[],
  req: { keyPem: string; certPem: string; rootPem: string; activateAt: Date; validForMs?: number },
): { record: CredentialRecord; checks: CheckResult[] } {
  if (Number.isNaN(req.activateAt.getTime())) fail('BAD_TIME', 'activateAt is not a valid instant');
  const cred = credentialFromPems(req);
  const checks = assertCredential({
    key: cred.key,
    chain: cred.chain,
    root: cred.root,
    hosts,
    validAt: req.activateAt,
    validForMs: req.validForMs ?? 0,
  });
  return { record: recordFromCredential(cred), checks };
}
