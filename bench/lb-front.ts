/**
 * What the per-handshake credential choice costs: the data plane's TLS front (read the ClientHello,
 * pick a prebuilt context, wrap) against a plain `https.createServer` carrying the same proxy, both
 * in a child process each, same certificate and nginx backend; wrk for new handshakes
 * (`Connection: close`) and keep-alive. Run: `node dist/bench/lb-front.js` (after `npx tsc -p .`).
 */
import { execFile, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BackendSet } from '../src/lb/backends.js';
import { createProxyHandler } from '../src/lb/proxy.js';
import {
  cpuSeconds,
  ensureBenchTools,
  freePort,
  mintBenchCredential,
  type Proc,
  startNginxBackend,
  startRolloverLb,
  waitForPort,
} from './lb-servers.js';

const run = promisify(execFile);

if (process.argv[2] === 'plain') {
  // Child: a plain node:https server with the data plane's proxy handler.
  const [, , , certFile, keyFile, backendPort, port] = process.argv;
  const backends = new BackendSet([{ url: `http://127.0.0.1:${backendPort}`, insecure: false }], {
    connectTimeoutMs: 5000,
    responseTimeoutMs: 60_000,
    idleMs: 5000,
    healthCheck: { path: '/', intervalMs: 60_000, timeoutMs: 1000 },
  });
  const handler = createProxyHandler(backends, { response: () => undefined, backendError: () => undefined });
  createServer({ cert: readFileSync(certFile!), key: readFileSync(keyFile!) }, handler).listen(
    Number(port),
    '127.0.0.1',
  );
} else {
  const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-front-'));
  const procs: Proc[] = [];
  try {
    ensureBenchTools();
    const c = await mintBenchCredential(dir, 'front');
    const backend = await startNginxBackend(dir);
    procs.push(backend);
    const lb = await startRolloverLb(dir, c.dir, backend.port);
    procs.push(lb);
    const plainPort = await freePort();
    const child = fork(
      process.argv[1]!,
      ['plain', c.certFile, c.keyFile, String(backend.port), String(plainPort)],
      {
        stdio: 'inherit',
      },
    );
    await waitForPort(plainPort);
    const plain: Proc = {
      name: 'plain node:https',
      child,
      port: plainPort,
      stop: async () => {
        child.kill('SIGKILL');
      },
    };
    procs.push(plain);
    for (const close of [true, false]) {
      for (const p of [lb, plain, lb, plain]) {
        const cpu0 = cpuSeconds(p.child.pid!);
        const args = ['-t1', close ? '-c16' : '-c50', '-d5s', ...(close ? ['-H', 'Connection: close'] : [])];
        const { stdout } = await run('wrk', [...args, `https://127.0.0.1:${p.port}/`]);
        const cpu = cpuSeconds(p.child.pid!) - cpu0;
        const n = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
        console.log(
          `${close ? 'handshakes' : 'keep-alive'}  ${p.name.padEnd(17)} ${(n / 5).toFixed(0).padStart(6)}/s  cpu ${cpu.toFixed(2)} s  per core-s ${(n / cpu).toFixed(0)}`,
        );
      }
    }
  } finally {
    for (const p of procs.reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
