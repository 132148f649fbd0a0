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

/** Node reports, one per node (a new one replaces the last). */
export interface NodeReports {
  latest(nodeId: string): Promise<NodeReport | undefined>;
  /** Keeps `status` and `failures` as the node sent them (JSON), replacing its earlier report. */
  record(nodeId: string, reportedAt: string, status: unknown, failures: readonly unknown[]): Promise<void>;
}
