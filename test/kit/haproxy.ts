import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeCommand } from '../../src/adapters/haproxy/runtime-api.js';
import { onFileEnd } from './cleanup.js';
import { waitFor } from './net.js';

/** A real HAProxy serving one TLS frontend from `crtPath` to a back-end, with an admin Runtime API socket. */
export interface HaproxyProcess {
  socketPath: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Writes haproxy.cfg into `dir` and starts haproxy in the foreground; stopped when the test file ends. */
export async function startHaproxy(p: {
  dir: string;
  port: number;
  crtPath: string;
  backendPort: number;
  /** More `global` directives (for example a TLS profile's ssl-default-bind-* lines). */
  globalLines?: string[];
}): Promise<HaproxyProcess> {
  const socketPath = join(p.dir, 'admin.sock');
  const cfg = join(p.dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      `  stats socket ${socketPath} mode 600 level admin`,
      '  maxconn 512',
      ...(p.globalLines ?? []).map((l) => `  ${l}`),
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 10s',
      '  timeout server 10s',
      'frontend fe',
      `  bind 127.0.0.1:${p.port} ssl crt ${p.crtPath}`,
      '  default_backend be',
      'backend be',
      `  server s1 127.0.0.1:${p.backendPort}`,
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const proc: HaproxyProcess = {
    socketPath,
    port: p.port,
    async start() {
      rmSync(socketPath, { force: true });
      child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (c) => {
        stderr += c;
      });
      await waitFor(
        async () =>
          child?.exitCode === null && /Name: HAProxy/.test(await runtimeCommand(socketPath, 'show info')),
        `haproxy to start (${stderr})`,
      );
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const c = child;
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    },
  };
  // Registered before starting, so a HAProxy that never becomes ready is stopped too.
  onFileEnd(() => proc.stop());
  await proc.start();
  return proc;
}

/**
 * A real HAProxy in route mode (docs/adapters.md): a TCP frontend on 127.0.0.1:`port` sends each
 * connection, by `date(0,ms)` against the step `map` gives its source address, to one of two internal
 * TLS frontends over `abns@` sockets with PROXY v2 (old: `oldCrt`, new: `newCrt`).
 */
export async function startHaproxyRoute(p: {
  dir: string;
  port: number;
  oldCrt: string;
  newCrt: string;
  map: string;
  backendPort: number;
  /** Also listen on [::1]:`port`. */
  ipv6?: boolean;
  /** UDP port of the agent's failure log: the new side logs refused handshakes there. */
  failureLog?: number;
}): Promise<HaproxyProcess> {
  const socketPath = join(p.dir, 'admin.sock');
  const cfg = join(p.dir, 'haproxy.cfg');
  // abns@ names are global on the machine: make them unique per run.
  const tag = `rollover-${process.pid}-${p.port}`;
  writeFileSync(cfg, routeConfig({ ...p, socketPath, tag }));
  return runHaproxy(cfg, socketPath, p.port);
}

/** The route-mode haproxy.cfg of docs/adapters.md (also used by bench:lb and bench:dataplanes). */
export function routeConfig(p: {
  port: number;
  oldCrt: string;
  newCrt: string;
  map: string;
  backendPort: number;
  socketPath: string;
  tag: string;
  threads?: number;
  /** Also listen on [::1]:`port`. */
  ipv6?: boolean;
  /** UDP port of the agent's failure log: the new side logs refused handshakes there. */
  failureLog?: number;
}): string {
  return [
    'global',
    `  stats socket ${p.socketPath} mode 600 level admin`,
    '  maxconn 512',
    ...(p.threads ? [`  nbthread ${p.threads}`] : []),
    'defaults',
    '  timeout connect 2s',
    '  timeout client 10s',
    '  timeout server 10s',
    'frontend public',
    '  mode tcp',
    `  bind 127.0.0.1:${p.port}`,
    ...(p.ipv6 ? [`  bind ::1:${p.port}`] : []),
    `  tcp-request content set-var(sess.rollover_from) src,map_ip_int(${p.map},0)`,
    '  acl rollover_new date(0,ms),sub(sess.rollover_from) ge 0',
    '  use_backend to_new if rollover_new',
    '  default_backend to_old',
    'backend to_old',
    '  mode tcp',
    `  server old abns@${p.tag}-old send-proxy-v2`,
    'backend to_new',
    '  mode tcp',
    `  server new abns@${p.tag}-new send-proxy-v2`,
    'frontend tls_old',
    '  mode http',
    `  bind abns@${p.tag}-old accept-proxy ssl crt ${p.oldCrt}`,
    '  default_backend be',
    'frontend tls_new',
    '  mode http',
    `  bind abns@${p.tag}-new accept-proxy ssl crt ${p.newCrt}`,
    ...(p.failureLog
      ? [
          `  log 127.0.0.1:${p.failureLog} local0 info`,
          '  option dontlog-normal',
          '  error-log-format "rollover-tls-fail vs1 %ci %[ssl_fc_err_str]"',
        ]
      : []),
    '  default_backend be',
    'backend be',
    '  mode http',
    `  server s1 127.0.0.1:${p.backendPort}`,
    '',
  ].join('\n');
}

async function runHaproxy(cfg: string, socketPath: string, port: number): Promise<HaproxyProcess> {
  let child: ChildProcess | undefined;
  const proc: HaproxyProcess = {
    socketPath,
    port,
    async start() {
      rmSync(socketPath, { force: true });
      child = spawn('haproxy', ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (c) => {
        stderr += c;
      });
      await waitFor(
        async () =>
          child?.exitCode === null && /Name: HAProxy/.test(await runtimeCommand(socketPath, 'show info')),
        `haproxy to start (${stderr})`,
      );
    },
    async stop() {
      if (!child || child.exitCode !== null) return;
      const c = child;
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    },
  };
  onFileEnd(() => proc.stop());
  await proc.start();
  return proc;
}
