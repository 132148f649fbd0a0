import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { observeLeaf } from '../../src/adapters/observe.js';
import { onFileEnd } from './cleanup.js';
import { waitFor } from './net.js';

/** A real nginx with one TLS server block proxying to a back-end, run in the foreground from `dir`. */
export interface NginxProcess {
  port: number;
  pidFile: string;
  certPath: string;
  keyPath: string;
  stop(): Promise<void>;
}

/** Writes nginx.conf into `dir` (certificate files must exist) and starts nginx; stopped at file end. */
export async function startNginx(p: {
  dir: string;
  port: number;
  backendPort: number;
  serverName: string;
}): Promise<NginxProcess> {
  const certPath = join(p.dir, 'tls.crt');
  const keyPath = join(p.dir, 'tls.key');
  const pidFile = join(p.dir, 'nginx.pid');
  mkdirSync(join(p.dir, 'tmp'), { recursive: true });
  const conf = join(p.dir, 'nginx.conf');
  const t = join(p.dir, 'tmp');
  writeFileSync(
    conf,
    `worker_processes 1;
pid ${pidFile};
error_log ${join(p.dir, 'error.log')} warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${t}/body; proxy_temp_path ${t}/proxy; fastcgi_temp_path ${t}/fcgi;
  uwsgi_temp_path ${t}/uwsgi; scgi_temp_path ${t}/scgi;
  server {
    listen 127.0.0.1:${p.port} ssl;
    server_name ${p.serverName};
    ssl_certificate ${certPath};
    ssl_certificate_key ${keyPath};
    location / { proxy_pass http://127.0.0.1:${p.backendPort}; }
  }
}
`,
  );
  const child: ChildProcess = spawn('nginx', ['-p', p.dir, '-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  await waitFor(
    async () =>
      child.exitCode === null && (await observeLeaf({ host: '127.0.0.1', port: p.port, timeoutMs: 500 })),
    `nginx to start (${stderr})`,
  );
  const proc: NginxProcess = {
    port: p.port,
    pidFile,
    certPath,
    keyPath,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT');
      await new Promise((r) => child.once('exit', r));
    },
  };
  onFileEnd(() => proc.stop());
  return proc;
}
