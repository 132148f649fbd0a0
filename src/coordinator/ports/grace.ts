/** Per-sender grace as the exceptions job writes it and the status reads it (readiness.grace). */

/** The grace the coordinator decided for one sender, with what the nodes of its virtual server answered. */
export interface StoredSenderGrace {
  /** Some of its addresses are served the old credential until this instant (ISO), or null. */
  oldUntil: string | null;
  /** Its addresses (canonical CIDR) served the old credential. */
  oldCidrs: string[];
  /** The senders not proven who share or overlap its addresses and so hold them on the old credential. */
  heldBy: Array<{ id: string; name: string }>;
  /** Its addresses switched to the new credential before T (early). */
  earlyCidrs: string[];
  /** Nodes of its virtual server: how many, how many apply the table sent, how many answered "not yet". */
  nodes: { total: number; applied: number; notYet: number };
}

/** One sender of a renewal as the exceptions job needs it. */
export interface GraceSenderRow {
  readinessId: string;
  senderId: string;
  name: string;
  tenantId: string;
  /** The virtual server its tenant is served by. */
  virtualServerId: string;
  addresses: string[];
  grace: StoredSenderGrace | null;
}

/** Reading and writing per-sender grace. */
export interface GraceRepo {
  /** Every sender of a renewal, by sender id. */
  senders(renewalId: string): Promise<GraceSenderRow[]>;
  /** Records one sender's grace (null: none). */
  setSenderGrace(readinessId: string, grace: StoredSenderGrace | null): Promise<void>;
  /** The senders of a renewal still served the old credential at `now` (ISO), by sender id. */
  inGraceAt(renewalId: string, now: string): Promise<string[]>;
  /**
   * A digest of what a renewal's grace is computed from in the store: each sender's readiness row
   * (state, proof, evidence, observation, traffic and the rest, its own grace aside: that is what the
   * job writes), its name, source addresses and virtual server, and the unknown clients graced. Equal
   * digests mean none of it changed; one that cannot tell returns a new value every time.
   */
  inputsDigest(renewalId: string): Promise<string>;
}
