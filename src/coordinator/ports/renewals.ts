/** The renewal records the workflow reads and writes, as domain values (JSON columns already parsed). */
import type { GateDecision, GatePolicy } from '../../renewal/gate.js';
import type { RenewalState } from '../../renewal/states.js';

/** An lb-admin's override of a blocked gate. */
export interface GateOverride {
  by: string;
  reason: string;
  at?: string;
}

/** Per node, per client address: handshake failures counted at T (so only later ones are attributed). */
export type FailureBaseline = Record<string, Record<string, number>>;

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
  /** T as planned. */
  exchangeAt: string | null;
  /** When the exchange really happened (T, or earlier on "exchange now"); null before. */
  exchangedAt: string | null;
  gateAt: string | null;
  postponeDeadline: string | null;
  safeRemovalAt: string | null;
  rollbackWindowSeconds: number;
  /** The last gate decision, if the gate ran. */
  gate: GateDecision | null;
  gateOverride: GateOverride | null;
  failuresBaseline: FailureBaseline | null;
  createdAt: string;
  updatedAt: string;
}

/** Reading and updating renewals (in the unit of work it was taken from). */
export interface RenewalRepo {
  /** A renewal by id, or undefined. */
  get(id: string): Promise<Renewal | undefined>;
  /** Records the gate's decision. */
  setGate(id: string, gate: GateDecision): Promise<void>;
  /** Records the failure counts taken at T. */
  setFailuresBaseline(id: string, baseline: FailureBaseline): Promise<void>;
}
