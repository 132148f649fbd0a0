/**
 * The port for driving one data-plane node (docs/lb.md): stage, unstage, activate, rollback, status,
 * the per-client handshake-failure table and the source exceptions (per-sender grace). The HTTP adapter is src/adapters/node-control-http.ts.
 */
import type { TlsProfileStatus } from '../../pki/tls-profile.js';

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
  staged: { sha256: string; activateAt: string; bridge?: { sha256: string; until: string } } | null;
  /** The TLS profile the node serves this virtual server with (absent on planes that do not report it). */
  tlsProfile?: TlsProfileStatus;
  /** The source exceptions the node applies (absent on planes that do not report them). */
  exceptions?: Array<{
    cidr: string;
    serve: 'old' | 'new';
    until: string | null;
    live: boolean;
    auto: boolean;
  }>;
  /** Automatic fallback: until when a refused new certificate graces the address (null: off). */
  autoGrace?: { until: string } | null;
}

/** A change of a virtual server's source exceptions as the coordinator sends it (instants RFC 3339). */
export type ExceptionsChange =
  /** The whole desired table (entries the node added by itself are carried with `auto`). */
  | { op: 'replace'; entries: Array<{ cidr: string; serve: 'old' | 'new'; until?: string; auto?: boolean }> }
  /** Automatic fallback until `until` (null: off). */
  | { op: 'auto'; until: string | null };

/**
 * One row of a node's per-client handshake table, as the coordinator reads it: failures by reason,
 * and completed handshakes by served credential. Declared here (the data plane's table,
 * src/lb/telemetry.ts, conforms: the HTTP adapter hands it over as this type).
 */
export interface ClientFailures {
  client: string;
  virtualServer: string;
  /** Failures by reason (unknown_ca, bad_certificate, alert, timeout, closed, other). */
  reasons: Partial<Record<string, number>>;
  /** The last failure ('' when only successes were seen). */
  last: string;
  /** Completed handshakes on the main listener per served certificate (SHA-256), when any. */
  ok?: Record<string, number>;
  /** The last completed handshake per served certificate. */
  okLast?: Record<string, string>;
  /** Completed handshakes on the preview listener per served certificate (SHA-256), when any. */
  preview?: Record<string, number>;
  /** The last completed preview handshake per served certificate. */
  previewLast?: Record<string, string>;
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
      /** The renewal's grace policy: senders not proven keep the old credential after T (unready), or nobody (off). */
      grace?: boolean;
      /** A renewal's bridges: forward from T until `until`; reverse (mode both) on the old credential until T. */
      bridges?: { forwardPem: string; until: string; reversePem?: string };
    },
  ): Promise<NodeVsStatus>;
  unstage(ep: NodeEndpoint, vs: string): Promise<NodeVsStatus>;
  activate(ep: NodeEndpoint, vs: string): Promise<NodeVsStatus>;
  rollback(ep: NodeEndpoint, vs: string): Promise<NodeVsStatus>;
  status(ep: NodeEndpoint): Promise<{ virtualServers: NodeVsStatus[] }>;
  failures(ep: NodeEndpoint): Promise<ClientFailures[]>;
  /** Changes the source exceptions; answers the virtual server's status (NOT_YET where the agent has none). */
  exceptions(ep: NodeEndpoint, vs: string, change: ExceptionsChange): Promise<NodeVsStatus>;
}
