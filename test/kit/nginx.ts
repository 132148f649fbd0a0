import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mapFile, NginxTimeSwitchDriver, slotVariable } from '../../src/adapters/nginx/time-switch.js';
import { observeLeaf } from '../../src/adapters/observe.js';
import type { CredentialRecord } from '../../src/lb/credential-record.js';
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
  /**
   * Switch by time (src/adapters/nginx/time-switch.ts): the files and map of virtual server `name`
   * live in `dir`, starting with `initial`; nginx's workers (user nobody) read them.
   */
  timeSwitch?: { name: string; initial: CredentialRecord };
  /** Also listen on [::1]:`port`. */
  ipv6?: boolean;
  /** The server block's own error log at level info (refused handshakes, for automatic fallback). */
  serverErrorLog?: string;
  /** More directives for the server block (for example the agent's TLS include). */
  serverLines?: string[];
}): Promise<NginxProcess> {
  const certPath = join(p.dir, 'tls.crt');
  const keyPath = join(p.dir, 'tls.key');
  const pidFile = join(p.dir, 'nginx.pid');
  mkdirSync(join(p.dir, 'tmp'), { recursive: true });
  let tlsLines = `ssl_certificate ${certPath};\n    ssl_certificate_key ${keyPath};`;
  let include = '';
  if (p.timeSwitch) {
    const { name, initial } = p.timeSwitch;
    const slot = NginxTimeSwitchDriver.slot(initial);
    chmodSync(p.dir, 0o755);
    writeFileSync(join(p.dir, `${name}-${slot}.crt`), initial.certPem);
    writeFileSync(join(p.dir, `${name}-${slot}.key`), initial.keyPem, { mode: 0o600 });
    chownSync(join(p.dir, `${name}-${slot}.key`), 65534, 65534);
    writeFileSync(join(p.dir, `${name}.map`), mapFile(name, slot));
    include = `include ${join(p.dir, `${name}.map`)};`;
    const v = `$${slotVariable(name)}`;
    tlsLines = `ssl_certificate ${join(p.dir, `${name}-${v}.crt`)};\n    ssl_certificate_key ${join(p.dir, `${name}-${v}.key`)};`;
  }
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
  ${include}
  server {
    listen 127.0.0.1:${p.port} ssl;${p.ipv6 ? `\n    listen [::1]:${p.port} ssl;` : ''}
    server_name ${p.serverName};${p.serverErrorLog ? `\n    error_log ${p.serverErrorLog} info;` : ''}
    ${tlsLines}${(p.serverLines ?? []).map((l) => `\n    ${l}`).join('')}
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
  // Registered before waiting, so an nginx that never becomes ready is stopped too.
  onFileEnd(() => proc.stop());
  await waitFor(
    async () =>
      child.exitCode === null && (await observeLeaf({ host: '127.0.0.1', port: p.port, timeoutMs: 500 })),
    `nginx to start (${stderr})`,
  );
  return proc;
}
