/** The renewal records the workflow reads and writes, as domain values (JSON columns already parsed). */
import type { GateDecision, GatePolicy } from '../../renewal/gate.js';
import type { GracePolicy } from '../../renewal/grace.js';
import type { Completion } from '../../renewal/renewal-status.js';
import type { RenewalState } from '../../renewal/states.js';

/** An lb-admin's override of a blocked gate. */
export interface GateOverride {
  by: string;
  reason: string;
  at?: string;
}

/** Per node, per client address: handshake failures counted at T (so only later ones are attributed). */
export type FailureBaseline = Record<string, Record<string, number>>;

/** A certificate a renewal serves as a bridge, with the facts shown for it. */
export interface BridgeCertificate {
  pem: string;
  sha256: string;
  notAfter: string;
  /** The root that issued it (one line). */
  issuer: string;
}

/**
 * The renewal's bridge between the old and the new root: `forward` serves the new credential with the
 * forward bridge from T until `until`; `both` also serves the old credential with the reverse bridge
 * from the announcement until T.
 */
export interface RenewalBridge {
  mode: 'forward' | 'both';
  /** The bridge deadline (after T, never after the forward bridge's or the old root's expiry). */
  until: string;
  /** Issued by the old root for the new root's name and key. */
  forward: BridgeCertificate;
  /** Issued by the new root for the old root's name and key (mode `both` only). */
  reverse: BridgeCertificate | null;
}

/** A renewal's completion as recorded (instant as ISO text; `graceEnded`: senders whose grace it ended). */
export type RenewalCompletion = Omit<Completion, 'at'> & { at: string; graceEnded?: number };

/** One renewal as the workflow sees it. */
export interface Renewal {
  id: string;
  virtualServerId: string;
  oldCredentialId: string | null;
  newCredentialId: string | null;
  state: RenewalState;
  /** Announcement sequence: 0 first, +1 per postpone. */
  sequence: number;
  gatePolicy: GatePolicy;
  /** The gate counts a handshake seen on the preview listener (evidence `observed`) as readiness. */
  acceptObserved?: boolean;
  /** T as planned. */
  exchangeAt: string | null;
  /** When the exchange really happened (T, or earlier on "exchange now"); null before. */
  exchangedAt: string | null;
  gateAt: string | null;
  postponeDeadline: string | null;
  safeRemovalAt: string | null;
  rollbackWindowSeconds: number;
  /** When the reminders of the current sequence are due (ISO instants). */
  reminders: string[];
  /** The last gate decision, if the gate ran. */
  gate: GateDecision | null;
  gateOverride: GateOverride | null;
  failuresBaseline: FailureBaseline | null;
  /** The bridge between the roots, or null (mode off). */
  bridge: RenewalBridge | null;
  /** Per-sender grace and early switch (renewals planned before grace existed: none). */
  grace: GracePolicy;
  /** The SHA-256 of the old and the new root (the store always sets them; null: not known). */
  oldRootSha256?: string | null;
  newRootSha256?: string | null;
  /** How it was completed (null: not completed; the store always sets it). */
  completion?: RenewalCompletion | null;
  createdAt: string;
  updatedAt: string;
}

/** A renewal as a plan writes it; the rest starts empty (state planned, sequence 0, no gate yet). */
export type NewRenewal = Pick<
  Renewal,
  | 'id'
  | 'virtualServerId'
  | 'oldCredentialId'
  | 'newCredentialId'
  | 'exchangeAt'
  | 'gateAt'
  | 'postponeDeadline'
  | 'safeRemovalAt'
  | 'rollbackWindowSeconds'
  | 'reminders'
  | 'gatePolicy'
  | 'createdAt'
> & { acceptObserved: boolean; oldRootSha256: string | null; newRootSha256: string | null };

/** What moves with a renewal's state (only the fields given change). */
export interface RenewalStateChange {
  exchangeAt?: string;
  gateAt?: string;
  postponeDeadline?: string;
  safeRemovalAt?: string;
  exchangedAt?: string;
  reminders?: string[];
  sequence?: number;
  /** null: the gate's last decision is forgotten (a postpone). */
  gate?: null;
  completion?: RenewalCompletion;
}

/** Reading and updating renewals (in the unit of work it was taken from). */
export interface RenewalRepo {
  /** A renewal by id, or undefined. */
  get(id: string): Promise<Renewal | undefined>;
  /** Adds a planned renewal (updated when created; grace off and no bridge until they are set). */
  add(renewal: NewRenewal): Promise<void>;
  /** Records the gate's decision. */
  setGate(id: string, gate: GateDecision): Promise<void>;
  /** Records an lb-admin's override of a blocked gate (the renewal is updated at its instant). */
  setGateOverride(id: string, override: GateOverride & { at: string }): Promise<void>;
  /** Records the grace policy (at planning; a postpone moves the deadline with T). */
  setGrace(id: string, grace: GracePolicy): Promise<void>;
  /** Records the failure counts taken at T. */
  setFailuresBaseline(id: string, baseline: FailureBaseline): Promise<void>;
  /** Records the bridge a plan chose (null: off). */
  setBridge(id: string, bridge: RenewalBridge | null): Promise<void>;
  /** The newest renewal of a virtual server that is not finished (completed, rolled back, cancelled). */
  openFor(virtualServerId: string): Promise<Renewal | undefined>;
  /** Moves the renewal to `state` (updated at `at`), with what moves with it. */
  setState(id: string, state: RenewalState, at: string, change?: RenewalStateChange): Promise<void>;
  /** The ids of a renewal's virtual servers: its first, then any others by id (none: no such renewal). */
  virtualServerIds(renewalId: string): Promise<string[]>;
  /** Adds virtual servers to a renewal beside its first (a renewal of several virtual servers). */
  addVirtualServers(renewalId: string, virtualServerIds: readonly string[]): Promise<void>;
  /** Opens a forwarding (state announced) for each tenant that has none for this renewal yet. */
  addForwardings(renewalId: string, tenantIds: readonly string[], at: string): Promise<void>;
  /**
   * Marks the tenants' forwardings forwarded (by whom, the note passed on); returns the tenants that
   * were not forwarded before, by id (a tenant forwarded already, or without a forwarding, is left out).
   */
  markForwarded(
    renewalId: string,
    tenantIds: readonly string[],
    by: { actor: string; message: string | null; at: string },
  ): Promise<string[]>;
}
