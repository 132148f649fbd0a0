/**
 * The backends (tenant endpoints) of one virtual server: an undici connection pool per backend
 * (HTTP/1.1 keep-alive, or TLS to the backend), round-robin over those the health check last found
 * up, and a passive mark-down when a connection attempt fails.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { buildConnector, Pool } from 'undici';
import type { BackendConfig } from './config.js';

/**
 * undici derives a request's TLS server name from its Host header and reconnects whenever it
 * changes; a proxy forwards the client's Host, so every request to an https backend carries this
 * constant instead, and the connector below sets the real server name.
 */
export const BACKEND_SERVERNAME = 'rollover-backend';

/** One backend and its pool. */
export interface Backend {
  url: string;
  pool: Pool;
  /** The value to pass as `servername` on each request (see BACKEND_SERVERNAME). */
  servername: string | undefined;
  up: boolean;
  /** Why the last check or request marked it down. */
  lastError?: string;
}

/** Options of a backend set. */
export interface BackendSetOptions {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  idleMs: number;
  healthCheck: { path: string; intervalMs: number; timeoutMs: number };
  /** Called when a backend goes up or down. */
  onChange?: (b: Backend) => void;
}

/** Round-robin, health-checked backends. */
export class BackendSet {
  readonly backends: Backend[];
  private next = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    configs: BackendConfig[],
    private readonly opts: BackendSetOptions,
  ) {
    this.backends = configs.map((c) => ({
      url: c.url,
      pool: makePool(c, opts),
      up: true,
      servername: c.url.startsWith('https:') ? BACKEND_SERVERNAME : undefined,
    }));
  }

  /** The next backend that is up, or undefined when none is. */
  pick(): Backend | undefined {
    const n = this.backends.length;
    for (let i = 0; i < n; i++) {
      const b = this.backends[this.next++ % n]!;
      if (b.up) return b;
    }
    return undefined;
  }

  /** Marks a backend down (a failed connection) or up (a passing check). */
  mark(b: Backend, up: boolean, error?: string): void {
    if (error !== undefined) b.lastError = error;
    if (b.up === up) return;
    b.up = up;
    this.opts.onChange?.(b);
  }

  /** Checks every backend once: an HTTP GET on the health path; any status below 500 is up. */
  async checkAll(): Promise<void> {
    await Promise.all(this.backends.map((b) => this.check(b)));
  }

  private async check(b: Backend): Promise<void> {
    const { path, timeoutMs } = this.opts.healthCheck;
    try {
      const res = await b.pool.request({
        method: 'GET',
        path,
        headers: { 'user-agent': 'rollover-lb-health' },
        ...(b.servername ? { servername: b.servername } : {}),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump();
      if (res.statusCode < 500) this.mark(b, true);
      else this.mark(b, false, `health check answered ${res.statusCode}`);
    } catch (e) {
      this.mark(b, false, `health check failed: ${(e as Error).message}`);
    }
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

  /** Stops checks and closes the pools (after in-flight requests finish). */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.backends.map((b) => b.pool.close().catch(() => undefined)));
  }

  /** Destroys the pools at once. */
  async destroy(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all(this.backends.map((b) => b.pool.destroy().catch(() => undefined)));
  }
}

function makePool(c: BackendConfig, o: BackendSetOptions): Pool {
  const common = {
    connections: 256,
    pipelining: 1,
    keepAliveTimeout: o.idleMs,
    headersTimeout: o.responseTimeoutMs,
    bodyTimeout: o.responseTimeoutMs,
  };
  if (!c.url.startsWith('https:'))
    return new Pool(c.url, { ...common, connect: { timeout: o.connectTimeoutMs } });
  const host = new URL(c.url).hostname.replace(/^\[|\]$/g, '');
  // SNI: the configured name, else the URL's host name; none for an IP address (verified against it).
  const sni = c.servername ?? (isIP(host) ? undefined : host);
  const connector = buildConnector({
    timeout: o.connectTimeoutMs,
    rejectUnauthorized: !c.insecure,
    ...(c.ca ? { ca: readFileSync(c.ca) } : {}),
    ...(sni ? { servername: sni } : {}),
  });
  return new Pool(c.url, {
    ...common,
    connect: (opts, cb) => connector({ ...opts, servername: sni as string }, cb),
  });
}
