/**
 * One virtual server at run time: its listener and preview listener (TLS fronts), the HTTP server
 * they hand secured sockets to, the proxy, the backends and the prebuilt contexts. Serving only:
 * state transitions live in the DataPlane, which calls `apply` with each new slot.
 */
import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { formatHostPort, type HostPort } from '../shared/host-port.js';
import type { Clock } from '../shared/time.js';
import { BackendSet } from './backends.js';
import type { VirtualServerConfig } from './config.js';
import { ContextSlot } from './context-slot.js';
import type { CredentialRecord } from './credential-record.js';
import { OcspStapler, type OcspStaplerOptions } from './ocsp-stapling.js';
import { createProxyHandler, httpServerOptions } from './proxy.js';
import type { TicketSecrets } from './session-tickets.js';
import type { VsEntry } from './slot-table.js';
import { shouldAutoGrace } from './source-exceptions.js';
import { TcpBackendSet } from './tcp-backends.js';
import type { LbTelemetry } from './telemetry.js';
import { createTlsFront, type FrontSocket } from './tls-front.js';
import { createTunnelHandler } from './tunnel.js';

/** Runtime dependencies of a virtual server. */
export interface VirtualServerDeps {
  clock: Clock;
  telemetry: LbTelemetry;
  log: Logger;
  /** When true the listeners are shared with other cluster workers (exclusive: false). */
  shared?: boolean;
  /** Automatic fallback: asks the control side to put `client` into grace (it checks the policy again). */
  autoGrace?: (virtualServer: string, client: string) => void;
  /** The node's session-ticket secrets (shared by every worker); a runtime of its own makes some. */
  ticketSecrets?: TicketSecrets;
  /** False: session resumption off (every handshake a full one). */
  sessionTickets?: boolean;
  /** The ticket key rotation period (tickets live two periods). */
  ticketRotationMs?: number;
  /** OCSP stapling tunables (fetch timeout, retry backoff). */
  ocsp?: OcspStaplerOptions;
}

/** A running virtual server. */
export class VirtualServerRuntime {
  readonly contexts: ContextSlot;
  readonly backends: BackendSet | TcpBackendSet;
  /** http mode: the server secured sockets are handed to. */
  private readonly http: HttpServer | undefined;
  /** tcp mode: pipes a secured socket to a backend. */
  private readonly tunnel: ((socket: FrontSocket) => void) | undefined;
  private front: Server | undefined;
  private previewFront: Server | undefined;
  private readonly sockets = new Set<TLSSocket>();
  private draining = false;
  /** Bound addresses once listening. */
  listenAddress: HostPort | undefined;
  previewAddress: HostPort | undefined;

  constructor(
    readonly config: VirtualServerConfig,
    entry: VsEntry,
    private readonly deps: VirtualServerDeps,
  ) {
    const { telemetry, log } = deps;
    const vs = config.name;
    this.ocsp = new OcspStapler(deps.clock, log.child({ virtualServer: vs }), deps.ocsp);
    this.contexts = new ContextSlot(
      entry,
      config.tls,
      deps.ticketSecrets,
      deps.sessionTickets ?? true,
      deps.ticketRotationMs,
    );
    const onChange = (b: { url: string; up: boolean; lastError?: string }) => {
      telemetry.backendUp.set({ virtual_server: vs, backend: b.url }, b.up ? 1 : 0);
      log.warn({ virtualServer: vs, backend: b.url, up: b.up, reason: b.lastError }, 'backend state changed');
    };
    const backendError = (backend: string, kind: string, err: Error) => {
      telemetry.backendErrors.inc({ virtual_server: vs, backend, kind });
      log.warn({ virtualServer: vs, backend, kind, err: err.message }, 'backend request failed');
    };
    if (config.mode === 'tcp') {
      const backends = new TcpBackendSet(config.backends, {
        connectTimeoutMs: config.timeouts.connectMs,
        proxyProtocol: config.proxyProtocol,
        healthCheck: config.healthCheck,
        onChange,
      });
      this.backends = backends;
      const connections = telemetry.connections.labels({ virtual_server: vs });
      const toBackend = telemetry.bytes.labels({ virtual_server: vs, direction: 'client_to_backend' });
      const toClient = telemetry.bytes.labels({ virtual_server: vs, direction: 'backend_to_client' });
      this.tunnel = createTunnelHandler(
        backends,
        { proxyProtocol: config.proxyProtocol, idleMs: config.timeouts.idleMs },
        {
          opened: () => connections.inc(),
          closed: (a, b) => {
            toBackend.inc(a);
            toClient.inc(b);
          },
          backendError,
        },
      );
      this.http = undefined;
    } else {
      this.backends = new BackendSet(config.backends, {
        connectTimeoutMs: config.timeouts.connectMs,
        responseTimeoutMs: config.timeouts.responseMs,
        idleMs: config.timeouts.idleMs,
        healthCheck: { ...config.healthCheck, path: config.healthCheck.path ?? '/' },
        onChange,
      });
      const requests = telemetry.requests;
      const byClass = ['1xx', '2xx', '3xx', '4xx', '5xx'].map((code) =>
        requests.labels({ virtual_server: vs, code }),
      );
      const handler = createProxyHandler(
        this.backends,
        {
          response: (status) => byClass[Math.min(4, Math.max(0, Math.floor(status / 100) - 1))]!.inc(),
          backendError,
        },
        config.hsts ? { hsts: config.hsts } : {},
      );
      const http = createHttpServer(httpServerOptions(config.timeouts), (req, res) => {
        if (this.draining) res.shouldKeepAlive = false;
        handler(req, res);
      });
      // The HTTP server never listens itself (the TLS fronts hand it sockets); 'listening' switches on
      // its connection tracking, which enforces request/header timeouts and lets a drain close idle ones.
      http.emit('listening');
      this.http = http;
      this.tunnel = undefined;
    }
    for (const b of this.backends.backends)
      telemetry.backendUp.set({ virtual_server: vs, backend: b.url }, 1);
    this.lastSlot = entry.slot;
    this.exportGauges();
    this.trackStapling(entry);
  }

  /** New session-ticket secrets (a rotation). */
  setTicketSecrets(secrets: TicketSecrets): void {
    this.contexts.setTicketSecrets(secrets);
  }

  /** Replaces the slot and exceptions (contexts of new credentials are built here, ahead of T). */
  apply(entry: VsEntry): void {
    this.contexts.apply(entry);
    this.lastSlot = entry.slot;
    this.exportGauges();
    this.trackStapling(entry);
  }

  /** Fetches and refreshes OCSP responses for the credentials of the slot (handshakes read it only). */
  private readonly ocsp: OcspStapler;

  /** The credentials the node holds (active, staged, previous): their OCSP responses are kept fresh. */
  private trackStapling({ slot }: VsEntry): void {
    this.ocsp.track([slot.active, slot.staged?.credential, slot.previous]);
  }

  private exportGauges(): void {
    const { telemetry } = this.deps;
    const vs = this.config.name;
    for (const l of this.expirationLabels) telemetry.expiration.remove(l);
    for (const l of this.activateLabels) telemetry.activateAt.remove(l);
    this.expirationLabels = [];
    this.activateLabels = [];
    telemetry.graceEntries.set({ virtual_server: vs }, this.contexts.graceEntries());
    const slot = this.lastSlot;
    if (!slot) return;
    const set = (r: CredentialRecord, name: string) => {
      const labels = { virtual_server: vs, fingerprint: r.sha256, slot: name };
      telemetry.expiration.set(labels, Date.parse(r.notAfter) / 1000);
      this.expirationLabels.push(labels);
    };
    set(slot.active, 'active');
    if (slot.staged) {
      set(slot.staged.credential, 'staged');
      const labels = { virtual_server: vs, fingerprint: slot.staged.credential.sha256 };
      telemetry.activateAt.set(labels, slot.staged.activateAt / 1000);
      this.activateLabels.push(labels);
    }
  }

  private expirationLabels: Array<Record<'virtual_server' | 'fingerprint' | 'slot', string>> = [];
  private activateLabels: Array<Record<'virtual_server' | 'fingerprint', string>> = [];

  /** The last slot applied (kept for gauges). */
  lastSlot: VsEntry['slot'] | undefined;

  /** Starts the listener, the preview listener and the health checks. */
  async start(): Promise<void> {
    const { clock, telemetry, log } = this.deps;
    const vs = this.config.name;
    const kinds = (kind: string) =>
      (['main', 'preview'] as const).map((listener) =>
        telemetry.sessionHandshakes.labels({ virtual_server: vs, listener, kind }),
      );
    const fullCount = kinds('full');
    const resumedCount = kinds('resumed');
    const make = (listener: 'main' | 'preview') =>
      createTlsFront({
        clock,
        handshakeTimeoutMs: this.config.timeouts.handshakeMs,
        staple: (choice) => this.ocsp.stapleFor(choice.sha256),
        ...(this.config.mode === 'tcp' ? { alpn: this.config.alpn, allowHalfOpen: true } : {}),
        choose:
          listener === 'main'
            ? (t, client, hello) => this.contexts.choose(t, client, hello)
            : (_t, _client, hello) => this.contexts.preview(hello),
        secured: (socket, { sha256, credentialIs }, arrivedAt) => {
          telemetry.handshakes.inc({
            virtual_server: vs,
            fingerprint: sha256,
            listener,
            credential: credentialIs,
          });
          if (listener === 'preview')
            telemetry.previewHandshakeSucceeded(
              vs,
              socket.remoteAddress ?? 'unknown',
              sha256,
              new Date(arrivedAt),
            );
          (socket.isSessionReused() ? resumedCount : fullCount)[listener === 'main' ? 0 : 1]!.inc();
          if (listener === 'main') {
            telemetry.handshakeSucceeded(vs, socket.remoteAddress ?? 'unknown', sha256, new Date(arrivedAt));
            const at = this.contexts.stagedActivateAt();
            if (at !== undefined && arrivedAt >= at && this.contexts.firstStagedHandshakeAt === arrivedAt) {
              telemetry.lateness.set({ virtual_server: vs }, (arrivedAt - at) / 1000);
              log.info(
                { virtualServer: vs, fingerprint: sha256, latenessMs: arrivedAt - at },
                'exchange: first handshake with the new certificate',
              );
            }
          }
          if (this.draining) {
            socket.destroy();
            return;
          }
          this.sockets.add(socket);
          socket.once('close', () => this.sockets.delete(socket));
          if (this.tunnel) this.tunnel(socket);
          else this.http!.emit('connection', socket);
        },
        failed: (client, reason, err, choice) => {
          telemetry.handshakeFailed(vs, listener, client, reason, new Date(clock.now()));
          if (
            listener === 'main' &&
            choice &&
            shouldAutoGrace({ ...choice, reason }, this.contexts.autoGraceUntil, clock.now())
          ) {
            log.warn(
              { virtualServer: vs, client, reason },
              'automatic fallback: the client refused the new certificate; putting it into grace',
            );
            this.deps.autoGrace?.(vs, client);
          }
          if (reason !== 'closed') {
            log.warn(
              { virtualServer: vs, listener, client, reason, err: err?.message },
              'TLS handshake failed',
            );
          }
        },
      });
    this.front = make('main');
    this.listenAddress = await listen(this.front, this.config.listen, this.deps.shared);
    if (this.config.preview) {
      this.previewFront = make('preview');
      this.previewAddress = await listen(this.previewFront, this.config.preview, this.deps.shared);
    }
    this.backends.startHealthChecks();
    log.info(
      {
        virtualServer: vs,
        listen: formatHostPort(this.listenAddress),
        preview: this.previewAddress ? formatHostPort(this.previewAddress) : undefined,
      },
      'virtual server listening',
    );
  }

  /**
   * Stops accepting, lets open connections finish their requests (each gets `Connection: close`;
   * in tcp mode a tunnel runs until either side closes it), then closes the backends. Connections
   * still open after `timeoutMs` are cut.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    this.ocsp.close();
    const closing = [this.front, this.previewFront]
      .filter(Boolean)
      .map((s) => new Promise((r) => s!.close(r)));
    this.http?.closeIdleConnections();
    const deadline = Date.now() + timeoutMs;
    while (this.sockets.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      this.http?.closeIdleConnections();
    }
    for (const s of this.sockets) s.destroy();
    this.http?.close(() => undefined);
    await Promise.all(closing);
    await this.backends.close();
  }

  /** Open client connections (after the handshake). */
  openConnections(): number {
    return this.sockets.size;
  }
}

async function listen(server: Server, at: HostPort, shared = false): Promise<HostPort> {
  server.listen({ host: at.host, port: at.port, exclusive: !shared, backlog: 4096 });
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([e]) => {
      throw e;
    }),
  ]);
  const a = server.address() as AddressInfo;
  return { host: a.address, port: a.port };
}
