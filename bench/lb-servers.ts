/**
 * Benchmark helpers for the load-balancer benchmarks: minted credentials on disk, the three servers
 * (rollover's built-in data plane, nginx, HAProxy) and an nginx backend, each as a child process,
 * with their CPU time read from /proc (the whole process tree).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join, resolve } from 'node:path';
import { writeCredentialDir } from '../src/files/credential-dir.js';
import { createCa } from '../src/pki/authority.js';
import { type Credential, issueCredential } from '../src/pki/credential.js';
import { encodeCertificatesPem } from '../src/pki/formats/pem.js';
import type { KeyType } from '../src/pki/keys.js';
import { privateKeyToPem } from '../src/pki/keys.js';

/** The repository root (bench files run from dist/bench). */
export const REPO = resolve(import.meta.dirname, '../..');

/** Installs nginx, haproxy and wrk with apt-get when absent (the benchmark needs them side by side). */
export function ensureBenchTools(): void {
  const need: string[] = [];
  if (!existsSync('/usr/sbin/nginx')) need.push('nginx');
  if (!existsSync('/usr/sbin/haproxy')) need.push('haproxy');
  if (!existsSync('/usr/bin/wrk')) need.push('wrk');
  // nginx `stream` (tcp-mode rows) is a dynamic module in Debian's package.
  if (!existsSync(NGINX_STREAM_MODULE)) need.push('libnginx-mod-stream');
  if (need.length === 0) return;
  console.error(`installing ${need.join(', ')} with apt-get…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...need], {
    stdio: 'ignore',
    env,
  });
}

/** Where Debian's libnginx-mod-stream puts the stream module. */
export const NGINX_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A root and a server credential, written as a credential directory and as the PEM files nginx and HAProxy read. */
export async function mintBenchCredential(
  dir: string,
  name: string,
  keyType: KeyType = 'ec-p256',
): Promise<{
  cred: Credential;
  dir: string;
  certFile: string;
  keyFile: string;
  pemFile: string;
  rootFile: string;
}> {
  const now = new Date();
  const ca = await createCa({ subject: `CN=${name} Root,O=rollover bench`, keyType, days: 30, now });
  const cred = await issueCredential({ ca, keyType, hosts: ['lb.test'], ips: ['127.0.0.1'], days: 7, now });
  const d = join(dir, name);
  await writeCredentialDir(d, cred);
  const certPem = encodeCertificatesPem(cred.chain.map((c) => c.der));
  const keyPem = privateKeyToPem(cred.key.keyObject);
  const pemFile = join(d, 'combined.pem');
  writeFileSync(pemFile, certPem + keyPem, { mode: 0o600 });
  return {
    cred,
    dir: d,
    certFile: join(d, 'tls.crt'),
    keyFile: join(d, 'tls.key'),
    pemFile,
    rootFile: join(d, 'ca.crt'),
  };
}

/** A started server process. */
export interface Proc {
  name: string;
  child: ChildProcess;
  port: number;
  stop: () => Promise<void>;
}

function track(name: string, child: ChildProcess, port: number): Proc {
  return {
    name,
    child,
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(t);
    },
  };
}

/** Waits until something accepts TCP connections on the port. */
export async function waitForPort(port: number, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on ${port} after ${ms} ms`);
}

/** 100 bytes, the response body every benchmark backend answers. */
export const BODY_100 = 'x'.repeat(99) + '\n';

/**
 * An nginx backend answering 100 bytes (the same backend for all three proxies); `ppPort` is a second
 * listener that expects a PROXY header (v1 or v2) first, for the tcp-mode rows.
 */
export async function startNginxBackend(dir: string): Promise<Proc & { ppPort: number }> {
  const port = await freePort();
  const ppPort = await freePort();
  const prefix = join(dir, 'nginx-backend');
  execFileSync('mkdir', ['-p', join(prefix, 'logs')]);
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    listen 127.0.0.1:${ppPort} proxy_protocol backlog=4096;
    location / { default_type text/plain; return 200 "${BODY_100.trimEnd()}\\n"; }
  }
}
`,
  );
  const child = spawn(
    '/usr/sbin/nginx',
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: 'inherit',
    },
  );
  await waitForPort(port);
  return { ...track('backend', child, port), ppPort };
}

/** nginx as a TLS-terminating proxy, one worker, upstream keep-alive. */
export async function startNginxProxy(
  dir: string,
  pemCert: string,
  pemKey: string,
  backendPort: number,
): Promise<Proc> {
  const port = await freePort();
  const prefix = join(dir, 'nginx-proxy');
  execFileSync('mkdir', ['-p', join(prefix, 'logs')]);
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  # wrk keeps the TLS session across reconnects (SSL_clear): refuse resumption so that every
  # handshake is a full one, as rollover's per-handshake contexts do.
  ssl_session_cache off;
  ssl_session_tickets off;
  client_body_temp_path ${prefix}/body; proxy_temp_path ${prefix}/proxy; fastcgi_temp_path ${prefix}/fcgi;
  uwsgi_temp_path ${prefix}/uwsgi; scgi_temp_path ${prefix}/scgi;
  upstream be { server 127.0.0.1:${backendPort}; keepalive 64; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${port} ssl backlog=4096;
    ssl_certificate ${pemCert};
    ssl_certificate_key ${pemKey};
    location / {
      proxy_pass http://be;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`,
  );
  const child = spawn(
    '/usr/sbin/nginx',
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: 'inherit',
    },
  );
  await waitForPort(port);
  return track('nginx', child, port);
}

/** HAProxy as a TLS-terminating proxy, one thread, connection reuse to the backend. */
export async function startHaproxy(dir: string, pemFile: string, backendPort: number): Promise<Proc> {
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global
  nbthread 1
  maxconn 4096
  # no session cache and no tickets: full handshakes only (see the nginx note)
  tune.ssl.cachesize 0
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option forwardfor
  http-reuse always
frontend fe
  bind 127.0.0.1:${port} ssl crt ${pemFile} no-tls-tickets
  http-request set-header X-Forwarded-Proto https
  default_backend be
backend be
  server b1 127.0.0.1:${backendPort}
`,
  );
  const child = spawn('/usr/sbin/haproxy', ['-f', cfg, '-db'], { stdio: 'inherit' });
  await waitForPort(port);
  return track('haproxy', child, port);
}

/** rollover's built-in data plane with one worker (`lb run --workers 1`). */
export async function startRolloverLb(
  dir: string,
  credentialDir: string,
  backendPort: number,
  nodeArgs: string[] = [],
  o: { name?: string; backend?: string; args?: string[] } = {},
): Promise<Proc & { stateDir: string; metricsPort: number }> {
  const port = await freePort();
  const metricsPort = await freePort();
  const stateDir = join(dir, o.name ? `lb-state-${o.name.replace(/\W+/g, '-')}` : 'lb-state');
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(REPO, 'bin/rollover.js'),
      'lb',
      'run',
      '--listen',
      `127.0.0.1:${port}`,
      '--host',
      'lb.test',
      '--host',
      '127.0.0.1',
      '--credential',
      credentialDir,
      '--backend',
      o.backend ?? `http://127.0.0.1:${backendPort}`,
      '--state-dir',
      stateDir,
      '--workers',
      '1',
      ...(o.args ?? []),
      '--metrics',
      `127.0.0.1:${metricsPort}`,
      '--log-level',
      'error',
    ],
    { stdio: 'inherit', cwd: dir },
  );
  await waitForPort(port);
  return { ...track(o.name ?? 'rollover', child, port), stateDir, metricsPort };
}

/** CPU seconds (user + system) of a process and all its descendants. */
export function cpuSeconds(pid: number): number {
  const tick = 100; // USER_HZ on Linux
  const parents = new Map<number, number>();
  const cpu = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(d), Number(f[1]));
      cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / tick);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  const want = new Set([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [p, pp] of parents) {
      if (!want.has(p) && want.has(pp)) {
        want.add(p);
        grew = true;
      }
    }
  }
  for (const p of want) total += cpu.get(p) ?? 0;
  return total;
}

/**
 * HAProxy in route mode (docs/adapters.md, `haproxyMode: route`), tuned like {@link startHaproxy}: a
 * TCP frontend routes each connection by `src` against a map of steps to one of two TLS frontends over
 * `abns@` with PROXY v2. `mapLines` are written after the catch-all entries (`0.0.0.0/0 0`: the new side).
 */
export async function startHaproxyRoute(
  dir: string,
  pemFile: string,
  backendPort: number,
  mapLines: string[] = [],
): Promise<Proc> {
  const port = await freePort();
  const cfg = join(dir, 'haproxy-route.cfg');
  const map = join(dir, 'haproxy-route.map');
  writeFileSync(map, ['0.0.0.0/0 0', '::/0 0', ...mapLines, ''].join('\n'));
  const tag = `rollover-bench-${process.pid}-${port}`;
  writeFileSync(
    cfg,
    `global
  nbthread 1
  maxconn 4096
  tune.ssl.cachesize 0
defaults
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend public
  mode tcp
  bind 127.0.0.1:${port}
  tcp-request content set-var(sess.rollover_from) src,map_ip_int(${map},0)
  acl rollover_new date(0,ms),sub(sess.rollover_from) ge 0
  use_backend to_new if rollover_new
  default_backend to_old
backend to_old
  mode tcp
  server old abns@${tag}-old send-proxy-v2
backend to_new
  mode tcp
  server new abns@${tag}-new send-proxy-v2
frontend tls_old
  mode http
  option forwardfor
  bind abns@${tag}-old accept-proxy ssl crt ${pemFile} no-tls-tickets
  http-request set-header X-Forwarded-Proto https
  default_backend be
frontend tls_new
  mode http
  option forwardfor
  bind abns@${tag}-new accept-proxy ssl crt ${pemFile} no-tls-tickets
  http-request set-header X-Forwarded-Proto https
  default_backend be
backend be
  mode http
  http-reuse always
  server b1 127.0.0.1:${backendPort}
`,
  );
  const child = spawn('/usr/sbin/haproxy', ['-f', cfg, '-db'], { stdio: 'inherit' });
  await waitForPort(port);
  return track('haproxy route', child, port);
}

/**
 * nginx `stream`: TLS terminated, the stream passed to the backend with `proxy_protocol on` (nginx
 * writes PROXY v1; it has no v2 sender). `resume`: session cache and tickets on.
 */
export async function startNginxStream(
  dir: string,
  pemCert: string,
  pemKey: string,
  backendPpPort: number,
  resume: boolean,
): Promise<Proc> {
  const port = await freePort();
  const prefix = join(dir, `nginx-stream-${resume ? 'resume' : 'full'}`);
  execFileSync('mkdir', ['-p', join(prefix, 'logs')]);
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `load_module ${NGINX_STREAM_MODULE};
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log error;
events { worker_connections 4096; }
stream {
  ${resume ? 'ssl_session_cache shared:S:10m; ssl_session_tickets on;' : 'ssl_session_cache off; ssl_session_tickets off;'}
  # nginx 1.22 offers only up to TLS 1.2 by default; rollover and HAProxy offer 1.3.
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen 127.0.0.1:${port} ssl backlog=4096;
    ssl_certificate ${pemCert};
    ssl_certificate_key ${pemKey};
    proxy_pass 127.0.0.1:${backendPpPort};
    proxy_protocol on;
  }
}
`,
  );
  const child = spawn(
    '/usr/sbin/nginx',
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-g', 'daemon off;'],
    {
      stdio: 'inherit',
    },
  );
  await waitForPort(port);
  return track(`nginx stream${resume ? ' (resume)' : ''}`, child, port);
}

/** HAProxy `mode tcp` with `send-proxy-v2`, one thread. `resume`: session cache and tickets on. */
export async function startHaproxyTcp(
  dir: string,
  pemFile: string,
  backendPpPort: number,
  resume: boolean,
): Promise<Proc> {
  const port = await freePort();
  const cfg = join(dir, `haproxy-tcp-${resume ? 'resume' : 'full'}.cfg`);
  writeFileSync(
    cfg,
    `global
  nbthread 1
  maxconn 4096
  ${resume ? 'tune.ssl.cachesize 20000' : 'tune.ssl.cachesize 0'}
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend fe
  bind 127.0.0.1:${port} ssl crt ${pemFile} ssl-min-ver TLSv1.2 ssl-max-ver TLSv1.3${resume ? '' : ' no-tls-tickets'}
  default_backend be
backend be
  server b1 127.0.0.1:${backendPpPort} send-proxy-v2
`,
  );
  const child = spawn('/usr/sbin/haproxy', ['-f', cfg, '-db'], { stdio: 'inherit' });
  await waitForPort(port);
  return track(`haproxy tcp${resume ? ' (resume)' : ''}`, child, port);
}
