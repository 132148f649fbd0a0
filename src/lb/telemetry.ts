/**
 * Prometheus metrics of the data plane, named in cert-manager's style. One registry per node (or per
 * worker; the primary aggregates them). Handshake failures are also kept per client address, in a
 * bounded table, so the coordinator can tell which sender still lacks the new root.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Why a handshake failed, as counted. */
export type HandshakeFailureReason =
  | 'unknown_ca'
  | 'bad_certificate'
  | 'alert'
  | 'timeout'
  | 'closed'
  | 'other';

/** Classifies a TLS error seen by the server into a failure reason. */
export function classifyTlsError(err: Error & { code?: string }): HandshakeFailureReason {
  const code = err.code ?? '';
  const text = `${code} ${err.message}`.toUpperCase();
  if (text.includes('UNKNOWN_CA')) return 'unknown_ca';
  if (text.includes('BAD_CERTIFICATE') || text.includes('CERTIFICATE_UNKNOWN')) return 'bad_certificate';
  if (text.includes('ALERT')) return 'alert';
  if (code === 'ECONNRESET' || code === 'EPIPE' || text.includes('SOCKET HANG UP')) return 'closed';
  return 'other';
}

/** Distinct client addresses kept in the per-client failure table before new ones count as "other". */
export const MAX_CLIENTS = 1000;

/** One row of the per-client handshake table: failures by reason, and successes by served credential. */
export interface ClientFailures {
  client: string;
  virtualServer: string;
  reasons: Partial<Record<HandshakeFailureReason, number>>;
  /** The last failure ('' when only successes were seen). */
  last: string;
  /** Completed handshakes on the main listener per served certificate (SHA-256), when any. */
  ok?: Record<string, number>;
  /** The last completed handshake per served certificate. */
  okLast?: Record<string, string>;
  /**
   * Completed handshakes on the preview listener per served certificate (SHA-256), when any: the
   * passive proof that this client already trusts the staged credential.
   */
  preview?: Record<string, number>;
  /** The last completed preview handshake per served certificate. */
  previewLast?: Record<string, string>;
}

/** The data plane's metrics. */
export class LbTelemetry {
  readonly registry: Registry;
  readonly handshakes: Counter<'virtual_server' | 'fingerprint' | 'listener' | 'credential'>;
  readonly graceEntries: Gauge<'virtual_server'>;
  readonly handshakeFailures: Counter<'virtual_server' | 'reason' | 'listener'>;
  readonly clientHandshakeFailures: Counter<'virtual_server' | 'client' | 'reason'>;
  readonly requests: Counter<'virtual_server' | 'code'>;
  readonly backendErrors: Counter<'virtual_server' | 'backend' | 'kind'>;
  readonly backendUp: Gauge<'virtual_server' | 'backend'>;
  readonly expiration: Gauge<'virtual_server' | 'fingerprint' | 'slot'>;
  readonly activateAt: Gauge<'virtual_server' | 'fingerprint'>;
  readonly lateness: Gauge<'virtual_server'>;
  readonly connections: Counter<'virtual_server'>;
  readonly sessionHandshakes: Counter<'virtual_server' | 'listener' | 'kind'>;
  readonly bytes: Counter<'virtual_server' | 'direction'>;
  private readonly clients = new Map<string, ClientFailures>();

  constructor(registry = new Registry()) {
    this.registry = registry;
    // Process metrics, among them the event-loop delay that bounds how late a ClientHello is read.
    collectDefaultMetrics({ register: registry });
    const r = [registry];
    this.handshakes = new Counter({
      name: 'rollover_lb_handshakes_total',
      help: 'Completed TLS handshakes per served certificate fingerprint (SHA-256); credential is old (the one being replaced: before T or in grace) or new',
      labelNames: ['virtual_server', 'fingerprint', 'listener', 'credential'],
      registers: r,
    });
    this.graceEntries = new Gauge({
      name: 'rollover_lb_grace_entries',
      help: 'Grace entries (serve the old credential) in the source-exception table',
      labelNames: ['virtual_server'],
      registers: r,
      // Every worker holds the same table: the cluster reports it once, not summed.
      aggregator: 'max',
    });
    this.handshakeFailures = new Counter({
      name: 'rollover_lb_handshake_failures_total',
      help: 'Failed TLS handshakes by reason (unknown_ca, bad_certificate, alert, timeout, closed, other)',
      labelNames: ['virtual_server', 'reason', 'listener'],
      registers: r,
    });
    this.clientHandshakeFailures = new Counter({
      name: 'rollover_lb_client_handshake_failures_total',
      help: `Failed TLS handshakes per client address and reason (first ${MAX_CLIENTS} addresses; then client="other")`,
      labelNames: ['virtual_server', 'client', 'reason'],
      registers: r,
    });
    this.requests = new Counter({
      name: 'rollover_lb_requests_total',
      help: 'Proxied requests by response status class',
      labelNames: ['virtual_server', 'code'],
      registers: r,
    });
    this.backendErrors = new Counter({
      name: 'rollover_lb_backend_errors_total',
      help: 'Backend failures by kind (connect, timeout, reset, other)',
      labelNames: ['virtual_server', 'backend', 'kind'],
      registers: r,
    });
    this.backendUp = new Gauge({
      name: 'rollover_lb_backend_up',
      help: '1 when the health check last found the backend up',
      labelNames: ['virtual_server', 'backend'],
      registers: r,
      aggregator: 'min',
    });
    this.expiration = new Gauge({
      name: 'rollover_lb_certificate_expiration_timestamp_seconds',
      help: 'notAfter of the active and staged certificates, seconds since the epoch',
      labelNames: ['virtual_server', 'fingerprint', 'slot'],
      registers: r,
      aggregator: 'first',
    });
    this.activateAt = new Gauge({
      name: 'rollover_lb_staged_activation_timestamp_seconds',
      help: 'The instant T the staged certificate takes over, seconds since the epoch',
      labelNames: ['virtual_server', 'fingerprint'],
      registers: r,
      aggregator: 'first',
    });
    this.lateness = new Gauge({
      name: 'rollover_lb_exchange_lateness_seconds',
      help: 'Time from T to the ClientHello of the first handshake served the new certificate',
      labelNames: ['virtual_server'],
      registers: r,
      aggregator: 'max',
    });
    this.sessionHandshakes = new Counter({
      name: 'rollover_lb_handshakes_by_kind_total',
      help: 'Completed TLS handshakes by kind: full, or resumed from a session ticket',
      labelNames: ['virtual_server', 'listener', 'kind'],
      registers: r,
    });
    this.connections = new Counter({
      name: 'rollover_lb_connections_total',
      help: 'tcp mode: client connections piped to a backend',
      labelNames: ['virtual_server'],
      registers: r,
    });
    this.bytes = new Counter({
      name: 'rollover_lb_bytes_total',
      help: 'tcp mode: bytes carried by closed tunnels (direction client_to_backend or backend_to_client; PROXY header not counted)',
      labelNames: ['virtual_server', 'direction'],
      registers: r,
    });
  }

  /** Counts a handshake failure for its virtual server and client address. */
  handshakeFailed(
    vs: string,
    listener: string,
    client: string,
    reason: HandshakeFailureReason,
    at: Date,
  ): void {
    this.handshakeFailures.inc({ virtual_server: vs, reason, listener });
    const key = `${vs}\u0000${client}`;
    let row = this.clients.get(key);
    if (!row && this.clients.size < MAX_CLIENTS) {
      row = { client, virtualServer: vs, reasons: {}, last: at.toISOString() };
      this.clients.set(key, row);
    }
    this.clientHandshakeFailures.inc({ virtual_server: vs, client: row ? client : 'other', reason });
    if (row) {
      row.reasons[reason] = (row.reasons[reason] ?? 0) + 1;
      row.last = at.toISOString();
    }
  }

  /**
   * Counts a completed handshake on the main listener for its client address and served certificate,
   * so the coordinator can tell which sender works on the new credential (and which sends nothing).
   */
  handshakeSucceeded(vs: string, client: string, sha256: string, at: Date): void {
    const key = `${vs}\u0000${client}`;
    let row = this.clients.get(key);
    if (!row && this.clients.size < MAX_CLIENTS) {
      row = { client, virtualServer: vs, reasons: {}, last: '' };
      this.clients.set(key, row);
    }
    if (!row) return;
    row.ok ??= {};
    row.okLast ??= {};
    row.ok[sha256] = (row.ok[sha256] ?? 0) + 1;
    row.okLast[sha256] = at.toISOString();
  }

  /**
   * Counts a completed handshake on the preview listener for its client address and served
   * certificate (kept apart from the main listener's, which attribute traffic after the exchange).
   */
  previewHandshakeSucceeded(vs: string, client: string, sha256: string, at: Date): void {
    const key = `${vs}\u0000${client}`;
    let row = this.clients.get(key);
    if (!row && this.clients.size < MAX_CLIENTS) {
      row = { client, virtualServer: vs, reasons: {}, last: '' };
      this.clients.set(key, row);
    }
    if (!row) return;
    row.preview ??= {};
    row.previewLast ??= {};
    row.preview[sha256] = (row.preview[sha256] ?? 0) + 1;
    row.previewLast[sha256] = at.toISOString();
  }

  /** The per-client failure table (bounded). */
  clientFailures(): ClientFailures[] {
    return [...this.clients.values()];
  }
}
