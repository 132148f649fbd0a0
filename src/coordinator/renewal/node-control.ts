/**
 * The port for driving one data-plane node (docs/lb.md): stage, unstage, activate, rollback, status
 * and the per-client handshake-failure table. The HTTP adapter is src/adapters/node-control-http.ts.
 */
import type { ClientFailures } from '../../lb/telemetry.js';

/** Where a node's control API is, and its bearer token. */
export interface NodeEndpoint {
  url: string;
  token: string;
}

/** What the coordinator needs of a virtual server's status on a node. */
export interface NodeVsStatus {
  name: string;
  hosts: string[];
  listen?: string;
  preview?: string;
  served: { sha256: string };
  staged: { sha256: string; activateAt: string } | null;
}

/** The control verbs the workflow uses. */
export interface NodeControl {
  stage(
    ep: NodeEndpoint,
    vs: string,
    req: {
      keyPem: string;
      certPem: string;
      rootPem: string;
      activateAt: string;
      validForMs: number;
      /** A renewal's bridges: forward from T until `until`; reverse (mode both) on the old credential until T. */
      bridges?: { forwardPem: string; until: string; reversePem?: string };
    },
  ): Promise<NodeVsStatus>;
  unstage(ep: NodeEndpoint, vs: string): Promise<NodeVsStatus>;
  activate(ep: NodeEndpoint, vs: string): Promise<NodeVsStatus>;
  rollback(ep: NodeEndpoint, vs: string): Promise<NodeVsStatus>;
  status(ep: NodeEndpoint): Promise<{ virtualServers: NodeVsStatus[] }>;
  failures(ep: NodeEndpoint): Promise<ClientFailures[]>;
}
