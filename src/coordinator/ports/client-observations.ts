/**
 * What the nodes saw of client addresses around a renewal, as facts: per sender, the latest handshake
 * with the new credential on the preview listener (passive proof, evidence of kind `observed`); per
 * renewal, the addresses seen handshaking on the main listener before T, and which of them an lb-admin
 * put into the renewal's grace set ("grace them too").
 */

/** A sender's handshakes with the new credential on the preview listener, from one of its addresses. */
export interface Observation {
  /** The first and the latest such handshake seen. */
  firstAt: string;
  at: string;
  /** The client address of the latest one. */
  client: string;
  /** How many were counted (summed over nodes and addresses). */
  handshakes: number;
}

/** A sender of a renewal as the observation job needs it. */
export interface ObservedSender {
  readinessId: string;
  senderId: string;
  sourceAddresses: string[];
  observed: Observation | null;
}

/** A client address seen handshaking on the main listener before T. */
export interface SeenClient {
  address: string;
  firstSeenAt: string;
  lastSeenAt: string;
  handshakes: number;
  /** When and by whom an lb-admin added it to the renewal's grace set; null: not graced. */
  gracedAt: string | null;
  gracedBy: string | null;
}

/** A sender's observation and latest proof, for the gate (an observation older than a failed proof does not stand). */
export interface SenderObservation {
  senderId: string;
  observed: Observation;
  proof: { ok: boolean; at: string } | null;
}

/** Observations and seen clients (in the unit of work the port was taken from). */
export interface ClientObservations {
  /** The renewal's senders with their source addresses and current observation, by sender id. */
  senders(renewalId: string): Promise<ObservedSender[]>;
  /** Records a sender's observation (replaces the previous one). */
  setObserved(readinessId: string, o: Observation): Promise<void>;
  /** The senders of a renewal that have an observation, with their latest proof. */
  observations(renewalId: string): Promise<SenderObservation[]>;
  /**
   * Records addresses seen on the main listener: a new address is added, a known one gets the later
   * `lastSeenAt` and the larger count (the grace decision stays).
   */
  recordSeen(
    renewalId: string,
    clients: ReadonlyArray<{ address: string; lastSeenAt: string; handshakes: number }>,
  ): Promise<void>;
  /** Every address seen for a renewal, by address. */
  seen(renewalId: string): Promise<SeenClient[]>;
  /** Adds seen addresses to the renewal's grace set; returns those newly added (sorted). */
  grace(renewalId: string, addresses: readonly string[], by: string, at: string): Promise<string[]>;
  /** The addresses in the renewal's grace set by the lb-admin's decision (for the desired exception table). */
  graced(renewalId: string): Promise<string[]>;
  /** The source addresses (and CIDRs) of every sender in the inventory, to tell unknown clients apart. */
  inventoryAddresses(): Promise<string[]>;
}
