/**
 * The data plane's configuration: a file (JSON or YAML) or, for one virtual server, command-line
 * flags. Validated with zod into one resolved shape; durations are written like `2s` or `PT2S`.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { resolveTlsPolicy, TLS_PROFILES, TLS_VERSIONS, type TlsPolicy } from '../pki/tls-profile.js';
import { parseDuration } from '../shared/duration.js';
import { fail } from '../shared/errors.js';
import { type HostPort, parseHostPort } from '../shared/host-port.js';
import { checkTlsPolicy } from './tls-context.js';

const duration = z.union([z.string(), z.number()]);

const backendSchema = z.union([
  z.string(),
  z.object({
    url: z.string(),
    /** PEM file of the CA that signed an https backend's certificate (default: the system store). */
    ca: z.string().optional(),
    /** TLS server name for an https backend (default: the URL's host). */
    servername: z.string().optional(),
    /** Skip verifying an https backend's certificate (tests and labs only). */
    insecure: z.boolean().optional(),
  }),
]);

const virtualServerSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore only'),
  listen: z.string(),
  hosts: z.array(z.string()).min(1),
  credential: z.string(),
  preview: z.string().optional(),
  backends: z.array(backendSchema).min(1),
  /** http: an HTTP/1.1 reverse proxy; tcp: the decrypted stream piped to a backend (PROXY protocol). */
  mode: z.enum(['http', 'tcp']).optional(),
  /** tcp mode: the PROXY protocol header written to the backend before the client's bytes. */
  proxyProtocol: z.enum(['v2', 'v1', 'off']).optional(),
  /** tcp mode: the ALPN protocols offered to clients, in the server's order of preference. */
  alpn: z.array(z.string().min(1).max(255)).min(1).optional(),
  healthCheck: z
    .object({ path: z.string().optional(), interval: duration.optional(), timeout: duration.optional() })
    .optional(),
  timeouts: z
    .object({
      connect: duration.optional(),
      response: duration.optional(),
      handshake: duration.optional(),
      idle: duration.optional(),
      header: duration.optional(),
    })
    .optional(),
  /** Mozilla-style TLS profile (default intermediate). */
  tlsProfile: z.enum(TLS_PROFILES).optional(),
  /** OpenSSL cipher list for TLS 1.2 and below, replacing the profile's. */
  ciphers: z.string().min(1).optional(),
  /** The lowest protocol version offered, replacing the profile's. */
  minVersion: z.enum(TLS_VERSIONS).optional(),
  /** http mode: a Strict-Transport-Security header on every proxied response. */
  hsts: z
    .object({ maxAge: duration, includeSubDomains: z.boolean().optional(), preload: z.boolean().optional() })
    .strict()
    .optional(),
});

const configSchema = z.object({
  stateDir: z.string(),
  control: z.string().optional(),
  metrics: z.string().optional(),
  workers: z.number().int().positive().optional(),
  drainTimeout: duration.optional(),
  /** Session-ticket key rotation (tickets are accepted for two periods). */
  ticketRotation: duration.optional(),
  /** Session resumption by tickets (default true). */
  sessionTickets: z.boolean().optional(),
  logLevel: z.string().optional(),
  virtualServers: z.array(virtualServerSchema).min(1),
});

/** A backend (tenant endpoint) after validation. */
export interface BackendConfig {
  url: string;
  ca?: string;
  servername?: string;
  insecure: boolean;
}

/** How a virtual server proxies: parsing HTTP, or piping the decrypted stream. */
export type ProxyMode = 'http' | 'tcp';

/** The PROXY protocol version a tcp-mode virtual server writes to its backends. */
export type ProxyProtocol = 'v2' | 'v1' | 'off';

/** One virtual server after validation. */
export interface VirtualServerConfig {
  name: string;
  /** http (default): HTTP/1.1 reverse proxy; tcp: decrypted stream to a tcp:// or tls:// backend. */
  mode: ProxyMode;
  /** tcp mode only (http mode: 'off'). */
  proxyProtocol: ProxyProtocol;
  /** ALPN protocols offered to clients (tcp mode; http mode offers none). */
  alpn: string[];
  listen: HostPort;
  hosts: string[];
  /** The initial credential directory; the state directory wins once it holds a slot. */
  credential: string;
  preview?: HostPort;
  backends: BackendConfig[];
  /** `path` absent: a TCP connect (tcp mode only; http mode defaults to `/`). */
  healthCheck: { path?: string; intervalMs: number; timeoutMs: number };
  /** `headerMs`: a client's request line and headers must arrive within it (http mode; then 408). */
  timeouts: { connectMs: number; responseMs: number; handshakeMs: number; idleMs: number; headerMs: number };
  /** The TLS policy every context of this virtual server is built with (profile and overrides). */
  tls: TlsPolicy;
  /** http mode: the Strict-Transport-Security value set on every proxied response (absent: none). */
  hsts?: string;
}

/** The whole data-plane configuration after validation. */
export interface LbConfig {
  stateDir: string;
  control: HostPort;
  metrics?: HostPort;
  workers: number;
  drainTimeoutMs: number;
  /** Session-ticket key rotation period (default an hour). */
  ticketRotationMs: number;
  /** Session resumption by tickets (default true). */
  sessionTickets: boolean;
  logLevel: string;
  virtualServers: VirtualServerConfig[];
}

const ms = (v: string | number | undefined, fallback: number): number =>
  v === undefined ? fallback : typeof v === 'number' ? v : parseDuration(v);

/** Validates a parsed configuration object; paths are taken as given (resolve them before). */
export function resolveConfig(raw: unknown, defaults: { workers: number }): LbConfig {
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    fail('BAD_ARGUMENT', `configuration: ${issue.path.join('.') || '(top)'}: ${issue.message}`, {
      issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const c = r.data;
  const names = new Set<string>();
  const listens = new Set<string>();
  const virtualServers = c.virtualServers.map((v): VirtualServerConfig => {
    if (names.has(v.name)) fail('BAD_ARGUMENT', `configuration: two virtual servers are named "${v.name}"`);
    names.add(v.name);
    const listen = parseHostPort(v.listen, '0.0.0.0');
    const preview = v.preview ? parseHostPort(v.preview, '0.0.0.0') : undefined;
    for (const a of [listen, preview]) {
      if (!a || a.port === 0) continue;
      const key = `${a.host}:${a.port}`;
      if (listens.has(key)) fail('BAD_ARGUMENT', `configuration: ${key} is used twice`);
      listens.add(key);
    }
    const mode = v.mode ?? 'http';
    if (mode === 'http' && (v.proxyProtocol !== undefined || v.alpn !== undefined)) {
      fail('BAD_ARGUMENT', `configuration: ${v.name}: proxyProtocol and alpn apply to mode: tcp only`);
    }
    if (mode === 'tcp' && v.hsts) {
      fail('BAD_ARGUMENT', `configuration: ${v.name}: hsts needs mode: http (tcp mode does not see HTTP)`);
    }
    const schemes = mode === 'http' ? ['http:', 'https:'] : ['tcp:', 'tls:'];
    const healthPath = v.healthCheck?.path ?? (mode === 'http' ? '/' : undefined);
    return {
      name: v.name,
      mode,
      proxyProtocol: mode === 'tcp' ? (v.proxyProtocol ?? 'v2') : 'off',
      alpn: mode === 'tcp' ? (v.alpn ?? ['http/1.1']) : [],
      listen,
      hosts: v.hosts,
      credential: v.credential,
      ...(preview ? { preview } : {}),
      backends: v.backends.map((b) => {
        const o = typeof b === 'string' ? { url: b } : b;
        let u: URL;
        try {
          u = new URL(o.url);
        } catch {
          return fail('BAD_ARGUMENT', `configuration: backend "${o.url}" is not a URL`);
        }
        if (!schemes.includes(u.protocol)) {
          fail(
            'BAD_ARGUMENT',
            mode === 'http'
              ? `configuration: backend "${o.url}" must be http:// or https:// (or set mode: tcp)`
              : `configuration: backend "${o.url}" must be tcp://HOST:PORT or tls://HOST:PORT in mode: tcp`,
          );
        }
        if (mode === 'tcp' && (!u.port || u.pathname.replace(/^\/$/, '') || u.search)) {
          fail('BAD_ARGUMENT', `configuration: backend "${o.url}" must be written ${u.protocol}//HOST:PORT`);
        }
        return {
          url: mode === 'http' ? u.origin : `${u.protocol}//${u.host}`,
          ...(o.ca ? { ca: o.ca } : {}),
          ...(o.servername ? { servername: o.servername } : {}),
          insecure: o.insecure ?? false,
        };
      }),
      healthCheck: {
        ...(healthPath !== undefined ? { path: healthPath } : {}),
        intervalMs: ms(v.healthCheck?.interval, 2000),
        timeoutMs: ms(v.healthCheck?.timeout, 1000),
      },
      timeouts: {
        headerMs: ms(v.timeouts?.header, 10_000),
        connectMs: ms(v.timeouts?.connect, 5000),
        responseMs: ms(v.timeouts?.response, 60_000),
        handshakeMs: ms(v.timeouts?.handshake, 10_000),
        // A tunnel (WebSocket, HTTP/2) idles longer between messages than a keep-alive connection.
        idleMs: ms(v.timeouts?.idle, mode === 'http' ? 5000 : 600_000),
      },
      tls: tlsPolicyOf(v),
      ...(v.hsts ? { hsts: hstsValue(v.hsts) } : {}),
    };
  });
  return {
    stateDir: c.stateDir,
    control: parseHostPort(c.control ?? '127.0.0.1:0'),
    ...(c.metrics ? { metrics: parseHostPort(c.metrics) } : {}),
    workers: c.workers ?? defaults.workers,
    drainTimeoutMs: ms(c.drainTimeout, 30_000),
    sessionTickets: c.sessionTickets ?? true,
    ticketRotationMs: Math.max(1000, ms(c.ticketRotation, 3_600_000)),
    logLevel: c.logLevel ?? 'info',
    virtualServers,
  };
}

/** The virtual server's TLS policy; a cipher list OpenSSL cannot use is refused here, not at the first handshake. */
function tlsPolicyOf(v: z.infer<typeof virtualServerSchema>): TlsPolicy {
  const policy = resolveTlsPolicy(v.tlsProfile, { ciphers: v.ciphers, minVersion: v.minVersion });
  const problem = checkTlsPolicy(policy);
  if (problem) fail('BAD_ARGUMENT', `configuration: virtual server "${v.name}": ${problem}`);
  return policy;
}

/** The Strict-Transport-Security value of an `hsts` setting. */
function hstsValue(h: { maxAge: string | number; includeSubDomains?: boolean; preload?: boolean }): string {
  const seconds = Math.floor(ms(h.maxAge, 0) / 1000);
  if (!(seconds >= 0)) fail('BAD_ARGUMENT', 'configuration: hsts.maxAge must be a duration');
  return `max-age=${seconds}${h.includeSubDomains ? '; includeSubDomains' : ''}${h.preload ? '; preload' : ''}`;
}

/** Parses configuration text: JSON when it starts with `{`, YAML otherwise. */
export function parseConfigText(text: string, path: string): unknown {
  try {
    return text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    return fail('BAD_ARGUMENT', `${path} is neither valid JSON nor YAML: ${(e as Error).message}`);
  }
}
