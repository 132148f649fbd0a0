/** The latest report of each data-plane node that pulls its state (src/coordinator/remote-nodes.ts). */
import type { NodeControl, NodeVsStatus } from '../renewal/node-control.js';

/** One client's handshake counts, as nodes report them. */
export type ReportedClient = Awaited<ReturnType<NodeControl['failures']>>[number];

/** A node's latest report, parsed. */
export interface NodeReport {
  nodeId: string;
  reportedAt: string;
  status: { virtualServers: NodeVsStatus[] };
  failures: ReportedClient[];
}

/** The source exceptions wanted of one virtual server of a pulling node (what its desired state carries). */
export interface PulledExceptions {
  /** The whole table (null: not sent yet). */
  entries: Array<{ cidr: string; serve: 'old' | 'new'; until?: string; auto?: boolean }> | null;
  /** The automatic-fallback deadline (null: off). */
  autoUntil: string | null;
  setAt: string;
}

/** Node reports, one per node (a new one replaces the last). */
export interface NodeReports {
  latest(nodeId: string): Promise<NodeReport | undefined>;
  /** Keeps `status` and `failures` as the node sent them (JSON), replacing its earlier report. */
  record(nodeId: string, reportedAt: string, status: unknown, failures: readonly unknown[]): Promise<void>;
  /** Sets the table (`entries`) or the fallback deadline (`autoUntil`) wanted of a virtual server of the node. */
  wantExceptions(
    nodeId: string,
    virtualServer: string,
    change: Partial<Pick<PulledExceptions, 'entries' | 'autoUntil'>>,
    at: string,
  ): Promise<void>;
  /** The source exceptions wanted of each virtual server of the node, by virtual-server name. */
  wantedExceptions(nodeId: string): Promise<Record<string, PulledExceptions>>;
}
