/**
 * The shapes the web UI reads from the coordinator API (docs/api.md). Types only: the web bundle
 * never imports server code at run time. Inventory shapes come from src/api/types.ts (inferred from
 * the zod schemas); renewal shapes follow the renewal workflow contract (issue 6).
 */

/** The roles a user can hold (src/access/roles.ts). */
export type Role = 'lb-admin' | 'tenant-admin' | 'sender-admin' | 'integration-developer' | 'auditor';

import type {
  AuditVerdict,
  CertificateAuthority,
  CredentialInfo,
  RenewalStatusViewJson,
  Sender,
  SenderStatusJson,
  Tenant,
  User,
  VirtualServer,
} from '../../api/types.js';

export type { AuditVerdict, CredentialInfo, Sender, Tenant, VirtualServer };
/** What is true for one sender now (derived by the coordinator; every page speaks from it). */
export type SenderStatus = SenderStatusJson;
/** What is true for a renewal now (derived by the coordinator). */
export type RenewalStatusView = RenewalStatusViewJson;

/** GET /me. */
export type Me = Omit<User, 'roles'> & { roles: { role: Role; scope: string | null }[] };

/** A CA as shown (never its key). */
export type CaInfo = CertificateAuthority;

/** One audit event (a JSON line of /audit/events). */
export interface AuditEvent {
  seq: number;
  at?: string;
  actor?: string;
  action?: string;
  [k: string]: unknown;
}

/** Per-state sender counts of a renewal. */
export interface Readiness {
  pending: number;
  notified: number;
  acknowledged: number;
  verified: number;
  failing: number;
  'old-root-removed': number;
}

/** GET /renewals item. */
export interface RenewalSummary {
  id: string;
  state: string;
  /** The state refined by what happened (held-at-gate, completed-with-open-items…). */
  phase?: string;
  /** One line for lists, e.g. "completed with 2 senders failing". */
  headline?: string;
  exchangeAt: string;
  virtualServers: { id: string; name: string; hosts: string[] }[];
  newRootSha256: string | null;
  oldRootSha256: string | null;
  readiness?: Readiness;
}

/** One recorded step of a renewal. */
export interface RenewalStep {
  /** 1–6, or null for a record outside the six steps (gate, reminder…). */
  step: number | null;
  kind: string;
  role: string;
  actor: string | null;
  at: string;
  /** The step's evidence: any JSON. */
  detail?: unknown;
}

/** A sender's readiness in a renewal. */
export interface SenderReadiness {
  id: string;
  name: string;
  tenantId: string;
  state: string;
  reason?: string | null;
  updatedAt: string | null;
  failuresAfterT: number;
  status?: SenderStatus;
}

/** GET /renewals/{id}. */
export interface RenewalDetail extends RenewalSummary {
  /** The real exchange instant (null before it). */
  exchangedAt?: string | null;
  safeRemovalAt: string | null;
  status?: RenewalStatusView;
  completion?: {
    at: string;
    by: string;
    forced: boolean;
    reason: string | null;
    open: { failing: number; notProven: number; oldRootTrusted: number };
  } | null;
  gateAt: string | null;
  postponeDeadline: string | null;
  rollbackWindowSeconds: number;
  gatePolicy: string;
  /** The gate counts evidence of kind `observed` (a preview handshake from a sender's address). */
  acceptObserved?: boolean;
  /** Addresses seen before T that match no sender, and "grace them too" (null: not shown to this caller). */
  unknownClients?: {
    headline: string;
    clients: {
      address: string;
      firstSeenAt: string;
      lastSeenAt: string;
      handshakes: number;
      graced: boolean;
      gracedAt: string | null;
      gracedBy: string | null;
      note: string;
    }[];
    graceThem: { available: boolean; reason: string };
  } | null;
  /** The bridge between the roots and its deadline (null: none is served). */
  bridge?: {
    mode: 'forward' | 'both';
    until: string;
    forward: { sha256: string; notAfter: string; issuer: string };
    reverse: { sha256: string; notAfter: string; issuer: string } | null;
  } | null;
  gate: {
    /** The gate has run (recorded; a postpone re-opens it); before that the decision is a preview. */
    decided: boolean;
    decision: string;
    notReady: string[];
    reason: string | null;
    override?: { by: string; reason: string };
  } | null;
  steps: RenewalStep[];
  tenants: {
    id: string;
    name: string;
    operatingModel: string;
    forwarded: boolean;
    forwardedAt: string | null;
    forwardedBy: string | null;
  }[];
  senders: SenderReadiness[];
  nodes: {
    id: string;
    name: string;
    stagedAckAt: string | null;
    /** What the node holds of the new credential, in words (derived on the server). */
    staging?: { state: string; text: string };
    verifiedAt: string | null;
    servedSha256: string | null;
    /** The TLS profile the node reported when it acknowledged staging. */
    tlsProfile?: string | null;
    late: boolean;
    lastError?: string | null;
    /** The source exceptions last sent and the node's answer (not-yet: its agent does not apply them). */
    exceptions?: {
      outcome: 'applied' | 'differs' | 'not-yet' | 'failed';
      detail: string | null;
      sentAt: string;
      entries: number;
      autoEntries: number;
    } | null;
  }[];
  announcementUrl: string | null;
  statusUrl: string | null;
  sequence?: number;
  /** Where `sender verify` proves the new root now. */
  prove?: { url: string; servername: string; exchanged: boolean };
  /** Where a sender in grace proves it: its addresses are still served the old credential. */
  proveInGrace?: { url: string; servername: string; exchanged: boolean };
}

/** GET /links/{token}: what a sender admin sees through the personal link. */
export interface SenderLink {
  renewal: RenewalSummary & {
    safeRemovalAt: string | null;
    exchangedAt?: string | null;
    held?: { since: string; reason: string } | null;
  };
  sender: { id: string; name: string; truststoreKind?: string };
  fingerprint: string;
  kitFiles: string[];
  /** Base URL of the kit files (the file name is appended). */
  kitUrl?: string;
  previewUrl: string | null;
  verifyCommand: string;
  state: string;
  /** What is true for this sender now (derived by the coordinator). */
  status?: SenderStatus;
  removalAllowed: boolean;
  /** Why removal is (not yet) allowed. */
  removalReason?: string;
  expiresAt?: string;
}

/** GET /inbox item: an in-app notice (announcement, forward, reminder) for the signed-in user. */
export interface InboxItem {
  id?: string;
  subject?: string;
  body?: string;
  renewalId?: string | null;
  createdAt?: string;
  at?: string;
  [k: string]: unknown;
}

/** GET /expiry item: a virtual server's credential and root expiry, and the latest safe T. */
export interface ExpiryItem {
  virtualServer: { id: string; name: string; hosts: string[] };
  credential: { id: string; fingerprint: string; notAfter: string };
  root: { sha256: string; notAfter: string };
  latestSafeExchange: string;
  proposal: { startBy: string; due: boolean };
}
