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
  /** per-handshake mode: the one file both directives read on every handshake. */
  combinedPath: string;
  stop(): Promise<void>;
}

/** Writes nginx.conf into `dir` (certificate files must exist) and starts nginx; stopped at file end. */
export async function startNginx(p: {
  dir: string;
  port: number;
  backendPort: number;
  serverName: string;
  /** `per-handshake`: certificate and key from one file named through a variable (read per handshake). */
  mode?: 'reload' | 'per-handshake';
}): Promise<NginxProcess> {
  const certPath = join(p.dir, 'tls.crt');
  const keyPath = join(p.dir, 'tls.key');
  const pidFile = join(p.dir, 'nginx.pid');
  const combinedPath = join(p.dir, 'vs1.pem');
  const perHandshake = p.mode === 'per-handshake';
  const certLines = perHandshake
    ? `ssl_certificate $vs1_pem;\n    ssl_certificate_key $vs1_pem;`
    : `ssl_certificate ${certPath};\n    ssl_certificate_key ${keyPath};`;
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
  map $ssl_server_name $vs1_pem { default ${combinedPath}; }
  server {
    listen 127.0.0.1:${p.port} ssl;
    server_name ${p.serverName};
    ${certLines}
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
    combinedPath,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGQUIT');
      await new Promise((r) => child.once('exit', r));
    },
  };
  onFileEnd(() => proc.stop());
  return proc;
}
