/**
 * The backends of a tcp-mode virtual server (`tcp://HOST:PORT`, or `tls://HOST:PORT` for TLS to the
 * backend): round-robin over those up, a health check by TCP connect (a TLS handshake for tls://) or,
 * when a path is configured, an HTTP GET after the PROXY header's LOCAL form; a failed connection
 * marks a backend down at once.
 */
import { readFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import type { BackendConfig, ProxyProtocol } from './config.js';
import { proxyV1Header, proxyV2Local } from './proxy-protocol.js';

/** One tcp-mode backend. */
export interface TcpBackend {
  url: string;
  host: string;
  port: number;
  tls: boolean;
  up: boolean;
  lastError?: string;
  /** Options for tls.connect (tls:// only). */
  tlsOptions?: { ca?: Buffer; servername?: string; rejectUnauthorized: boolean };
}

/** Options of a tcp backend set. */
export interface TcpBackendOptions {
  connectTimeoutMs: number;
  proxyProtocol: ProxyProtocol;
  healthCheck: { path?: string; intervalMs: number; timeoutMs: number };
  onChange?: (b: TcpBackend) => void;
}

/** Round-robin, health-checked tcp/tls backends. */
export class TcpBackendSet {
  readonly backends: TcpBackend[];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    configs: BackendConfig[],
    private readonly opts: TcpBackendOptions,
  ) {
    this.backends = configs.map((c) => {
      const u = new URL(c.url);
      const host = u.hostname.replace(/^\[|\]$/g, '');
      const tls = u.protocol === 'tls:';
      return {
        url: c.url,
        host,
        port: Number(u.port),
        tls,
        up: true,
        ...(tls
          ? {
              tlsOptions: {
                ...(c.ca ? { ca: readFileSync(c.ca) } : {}),
                ...(c.servername || !/^[\d.:]+$/.test(host) ? { servername: c.servername ?? host } : {}),
                rejectUnauthorized: !c.insecure,
              },
            }
          : {}),
      };
    });
  }

  /** The next backend that is up, or undefined when none is. */
  pick(): TcpBackend | undefined {
    const n = this.backends.length;
    for (let i = 0; i < n; i++) {
      const b = this.backends[this.next++ % n]!;
      if (b.up) return b;
    }
    return undefined;
  }

  /** Marks a backend down (a failed connection) or up (a passing check). */
  mark(b: TcpBackend, up: boolean, error?: string): void {
    if (error !== undefined) b.lastError = error;
    if (b.up === up) return;
    b.up = up;
    this.opts.onChange?.(b);
  }

  /**
   * Opens a connection to a backend; `ready` once it can carry bytes (connected, or handshaken for
   * tls://). `alpn` is offered to a tls:// backend so it speaks what the client agreed.
   */
  connect(b: TcpBackend, alpn?: string): Socket {
    const timeout = this.opts.connectTimeoutMs;
    if (b.tls) {
      return tlsConnect({
        host: b.host,
        port: b.port,
        ...b.tlsOptions,
        ...(alpn ? { ALPNProtocols: [alpn] } : {}),
        allowHalfOpen: true,
        timeout,
      } as ConnectionOptions);
    }
    return netConnect({ host: b.host, port: b.port, allowHalfOpen: true, noDelay: true, timeout });
  }

  /** Checks every backend once. */
  async checkAll(): Promise<void> {
    await Promise.all(this.backends.map((b) => this.check(b)));
  }

  private check(b: TcpBackend): Promise<void> {
    const { path, timeoutMs } = this.opts.healthCheck;
    return new Promise((resolve) => {
      const s = this.connect(b);
      let finished = false;
      const done = (error?: string) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        s.destroy();
        if (error === undefined) this.mark(b, true);
        else this.mark(b, false, `health check failed: ${error}`);
        resolve();
      };
      const timer = setTimeout(() => done('timed out'), timeoutMs);
      s.on('error', (e) => done(e.message));
      s.once(b.tls ? 'secureConnect' : 'connect', () => {
        if (path === undefined) return done();
        // The backend expects a PROXY header first: the LOCAL form says "the balancer itself".
        const pp = this.opts.proxyProtocol;
        const head = pp === 'v2' ? proxyV2Local() : pp === 'v1' ? proxyV1Header() : Buffer.alloc(0);
        s.write(
          Buffer.concat([
            head,
            Buffer.from(
              `GET ${path} HTTP/1.1\r\nHost: ${b.host}\r\nUser-Agent: rollover-lb-health\r\nConnection: close\r\n\r\n`,
              'latin1',
            ),
          ]),
        );
        let got = '';
        s.on('data', (c: Buffer) => {
          got += c.toString('latin1');
          const m = /^HTTP\/1\.[01] (\d{3})/.exec(got);
          if (m) done(Number(m[1]) < 500 ? undefined : `health check answered ${m[1]}`);
          else if (got.length > 64 || got.includes('\n')) done('not an HTTP answer');
        });
        s.once('end', () => done('closed before answering'));
      });
    });
  }

  /** Starts periodic checks (the first runs at once). */
  startHealthChecks(): void {
    const tick = () => {
      this.checkAll().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.opts.healthCheck.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Stops the checks. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
