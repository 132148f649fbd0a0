/** Each (node, virtual server) a renewal drives: staging acknowledged, verification after T. */

/** Identifies one row: the renewal, the node and the virtual server, at one announcement sequence. */
export interface RenewalNodeKey {
  renewalId: string;
  nodeId: string;
  virtualServerId: string;
  /** A row written for an earlier announcement (a postpone re-announces) is not touched. */
  sequence: number;
}

/** The source-exception table last sent to a node for a virtual server, and what it answered. */
export interface NodeExceptions {
  /** When the table was sent (ISO). */
  sentAt: string;
  /** What was sent: the whole desired table. */
  entries: Array<{ cidr: string; serve: 'old' | 'new'; until?: string }>;
  /** The automatic-fallback deadline sent (null: off). */
  autoUntil: string | null;
  /**
   * applied: the node reports exactly this table; differs: it reports another (see `detail`);
   * not-yet: its agent does not apply source exceptions (NOT_YET); failed: the call failed.
   */
  outcome: 'applied' | 'differs' | 'not-yet' | 'failed';
  detail: string | null;
  /** Entries the node added by itself (automatic fallback), as it reported them. */
  auto: Array<{ cidr: string; until: string | null }>;
}

/** One node's progress on one virtual server of a renewal. */
export interface RenewalNode extends RenewalNodeKey {
  stagedAckAt: string | null;
  verifiedAt: string | null;
  servedSha256: string | null;
  /** The TLS profile the node reported when it acknowledged staging (null: not reported). */
  tlsProfile: string | null;
  lastError: string | null;
  /** The source exceptions last sent and the node's answer; null before any was sent. */
  exceptions: NodeExceptions | null;
  /**
   * The coordinator's own verification handshakes with this node, by the source address they came
   * from (canonical): the node counts them as any client's, the traffic attribution takes them off.
   */
  probes: Record<string, number>;
}

/** What may change on a row. */
export type RenewalNodePatch = Partial<
  Pick<
    RenewalNode,
    'stagedAckAt' | 'verifiedAt' | 'servedSha256' | 'lastError' | 'exceptions' | 'tlsProfile' | 'probes'
  >
>;

/** The renewal-node rows. */
export interface RenewalNodes {
  /** Replaces a renewal's rows with fresh ones for `sequence` (nothing staged or verified yet). */
  arm(
    renewalId: string,
    sequence: number,
    pairs: ReadonlyArray<{ nodeId: string; virtualServerId: string }>,
  ): Promise<void>;
  /** A renewal's rows (only those of `sequence` when given), by node then virtual server. */
  list(renewalId: string, sequence?: number): Promise<RenewalNode[]>;
  /** Changes one row; a row since re-announced under another sequence is left alone. */
  update(key: RenewalNodeKey, patch: RenewalNodePatch): Promise<void>;
}
