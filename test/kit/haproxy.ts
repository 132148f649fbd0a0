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
}): Promise<HaproxyProcess> {
  const socketPath = join(p.dir, 'admin.sock');
  const cfg = join(p.dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    [
      'global',
      `  stats socket ${socketPath} mode 600 level admin`,
      '  maxconn 512',
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
