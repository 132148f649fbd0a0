import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { TLS_PROFILES, TLS_VERSIONS } from '../pki/tls-profile.js';
import { fail } from '../shared/errors.js';
import { type HostPort, parseHostPort } from '../shared/host-port.js';

const VirtualServer = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash and underscore'),
    hosts: z.array(z.string().min(1)).min(1),
    /** The listener senders connect to (observed after a swap). */
    listen: z.string(),
    /** The credential directory served on first start (tls.key, tls.crt, ca.crt). */
    credential: z.string(),
    /** HAProxy: the absolute `crt` path of this frontend, exactly as in haproxy.cfg. */
    crt: z.string().optional(),
    /** HAProxy (route): the `crt` of the internal frontend serving the old credential to stragglers. */
    oldCrt: z.string().optional(),
    /** HAProxy (route): the map file of the public TCP frontend, exactly as in haproxy.cfg. */
    map: z.string().optional(),
    /** nginx (reload): the absolute `ssl_certificate` and `ssl_certificate_key` paths. */
    cert: z.string().optional(),
    key: z.string().optional(),
    /** nginx (time): the directory of NAME.map and the per-credential files (see docs/adapters.md). */
    dir: z.string().optional(),
    /**
     * nginx (time): this server block's own `error_log PATH info;` — refused handshakes read from it
     * give automatic fallback (`lb grace --auto`).
     */
    errorLog: z.string().optional(),
    /** The TLS profile the proxy serves this virtual server with (default intermediate), and overrides. */
    tlsProfile: z.enum(TLS_PROFILES).optional(),
    ciphers: z.string().min(1).optional(),
    minVersion: z.enum(TLS_VERSIONS).optional(),
    /** nginx (time): `UID:GID` of nginx's worker user, which reads the key on every handshake. */
    fileOwner: z
      .string()
      .regex(/^\d+(:\d+)?$/, 'UID:GID')
      .optional(),
  })
  .strict();

/** The agent configuration file (JSON or YAML). */
export const AgentConfigSchema = z
  .object({
    kind: z.enum(['haproxy', 'nginx']),
    stateDir: z.string(),
    control: z.string().default('127.0.0.1:0'),
    /** HAProxy: the Runtime API socket (`stats socket PATH mode 600 level admin`). */
    socket: z.string().optional(),
    /**
     * HAProxy: `commit` (one TLS frontend, its certificate committed at T) or `route` (a TCP frontend
     * routing by client address to an old and a new TLS frontend: grace and early entries, no reload).
     */
    haproxyMode: z.enum(['commit', 'route']).default('commit'),
    /**
     * HAProxy (route): HOST:PORT (UDP) where the agent hears HAProxy's error log of the new side's TLS
     * frontends (`rollover-tls-fail VS %ci %[ssl_fc_err_str]`): automatic fallback (`lb grace --auto`).
     */
    failureLog: z.string().optional(),
    /** nginx (time): at most one reload per this many ms for changes of the source exceptions alone. */
    reloadBatchMs: z.number().int().min(0).default(5000),
    /** nginx: the master's pid file. */
    pidFile: z.string().optional(),
    /** nginx: `reload` (files renamed and a reload at T) or `time` (nginx switches by its clock at T). */
    nginxMode: z.enum(['reload', 'time']).default('reload'),
    /** How long before T the agent prepares the swap. */
    prepareLeadMs: z.number().int().min(0).default(2000),
    /** The proxy's configuration file (haproxy.cfg, nginx.conf): checked at start against the TLS profiles. */
    proxyConfig: z.string().optional(),
    virtualServers: z.array(VirtualServer).min(1),
  })
  .strict();

/** A checked agent configuration. */
export type AgentConfig = z.infer<typeof AgentConfigSchema> & { controlAddress: HostPort };

/** Checks a parsed configuration: the fields each kind needs, absolute paths, unique names. */
export function resolveAgentConfig(raw: unknown, path: string): AgentConfig {
  const parsed = AgentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    fail('BAD_ARGUMENT', `${path}: ${i.path.join('.') || 'config'}: ${i.message}`);
  }
  const c = parsed.data;
  const abs = (p: string | undefined, what: string) => {
    if (!p || !isAbsolute(p)) fail('BAD_ARGUMENT', `${path}: ${what} must be an absolute path`);
  };
  if (c.kind === 'haproxy') {
    abs(c.socket, 'socket');
    for (const v of c.virtualServers) {
      abs(v.crt, `virtualServers.${v.name}.crt (as in haproxy.cfg)`);
      if (c.haproxyMode === 'route') {
        abs(v.oldCrt, `virtualServers.${v.name}.oldCrt (as in haproxy.cfg)`);
        abs(v.map, `virtualServers.${v.name}.map (as in haproxy.cfg)`);
      }
    }
  } else {
    abs(c.pidFile, 'pidFile');
    for (const v of c.virtualServers) {
      if (c.nginxMode === 'time') abs(v.dir, `virtualServers.${v.name}.dir`);
      else {
        abs(v.cert, `virtualServers.${v.name}.cert`);
        abs(v.key, `virtualServers.${v.name}.key`);
      }
    }
  }
  if (c.failureLog !== undefined) {
    if (c.kind !== 'haproxy' || c.haproxyMode !== 'route')
      fail('BAD_ARGUMENT', `${path}: failureLog needs kind haproxy with haproxyMode route`);
    parseHostPort(c.failureLog);
  }
  for (const v of c.virtualServers) {
    if (v.errorLog === undefined) continue;
    if (c.kind !== 'nginx' || c.nginxMode !== 'time')
      fail('BAD_ARGUMENT', `${path}: virtualServers.${v.name}.errorLog needs kind nginx with nginxMode time`);
    abs(v.errorLog, `virtualServers.${v.name}.errorLog`);
  }
  const names = c.virtualServers.map((v) => v.name);
  if (new Set(names).size !== names.length)
    fail('BAD_ARGUMENT', `${path}: virtual server names must be unique`);
  for (const v of c.virtualServers) parseHostPort(v.listen);
  return { ...c, controlAddress: parseHostPort(c.control) };
}
