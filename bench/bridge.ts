/**
 * `npm run bench:bridge`: what a bridge costs per handshake. One credential (leaf under an issuing CA
 * under a new root, ECDSA P-256) served by the built-in node without and with the forward bridge
 * (staged with `bridges`, the way a renewal serves it), and by nginx (one worker) and HAProxy (one
 * thread) with the plain and the bridged chain file, all in one run on the same nginx backend. Figures: bytes the server sends in a
 * full handshake (TLS 1.3 and 1.2), and new handshakes per server core-second (wrk with
 * `Connection: close`, the server's CPU time read from /proc), runs alternating plain and bridged (in
 * both orders) to spread the noise of a shared machine. nginx 1.22 offers TLS up to 1.2 by default, so
 * its handshakes (and its TLS 1.3 byte count) are TLS 1.2 ones; the built-in node's are TLS 1.3.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { writeCredentialDir } from '../src/files/credential-dir.js';
import { controlClientFor } from '../src/lb/control-client.js';
import { recordFromCredential } from '../src/lb/credential-record.js';
import { createCa } from '../src/pki/authority.js';
import { issueCredential } from '../src/pki/credential.js';
import { crossSignRoot } from '../src/pki/cross-sign.js';
import { encodeCertificatesPem } from '../src/pki/formats/pem.js';
import {
  cpuSeconds,
  ensureBenchTools,
  type Proc,
  startHaproxy,
  startNginxBackend,
  startNginxProxy,
  startRolloverLb,
} from './lb-servers.js';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

/** New handshakes (one request per connection) against a server, with the server's CPU time. */
async function handshakes(p: Proc, seconds: number): Promise<{ n: number; cpu: number; errors: number }> {
  const pid = p.child.pid!;
  const cpu0 = cpuSeconds(pid);
  const { stdout } = await run(
    'wrk',
    ['-t1', '-c16', `-d${seconds}s`, '-H', 'Connection: close', `https://127.0.0.1:${p.port}/`],
    { maxBuffer: 1 << 20 },
  );
  const cpu = cpuSeconds(pid) - cpu0;
  const n = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  return { n, cpu, errors: non2xx + (sock ? sock.slice(1).reduce((x, y) => x + Number(y), 0) : 0) };
}

/** Bytes the server sent until the client's handshake completed (full handshake, no resumption). */
function handshakeBytes(port: number, version: 'TLSv1.3' | 'TLSv1.2'): Promise<number | string> {
  return new Promise((resolve) => {
    const raw = netConnect(port, '127.0.0.1');
    const t = tlsConnect({
      socket: raw,
      servername: 'lb.test',
      rejectUnauthorized: false,
      minVersion: version,
      maxVersion: version,
    });
    t.once('secureConnect', () => {
      const n = raw.bytesRead;
      t.destroy();
      resolve(n);
    });
    t.once('error', (e: NodeJS.ErrnoException) => resolve(`refused (${e.code})`));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-bridge-'));
const procs: Proc[] = [];
try {
  ensureBenchTools();
  const now = new Date();
  const oldRoot = await createCa({
    subject: 'CN=Bench Old Root,O=rollover bench',
    keyType: 'ec-p256',
    days: 30,
    now,
  });
  const newRoot = await createCa({
    subject: 'CN=Bench New Root,O=rollover bench',
    keyType: 'ec-p256',
    days: 30,
    now,
  });
  const issuing = await createCa({
    subject: 'CN=Bench Issuing CA,O=rollover bench',
    keyType: 'ec-p256',
    days: 20,
    now,
    issuer: newRoot,
  });
  const cred = await issueCredential({
    ca: issuing,
    keyType: 'ec-p256',
    hosts: ['lb.test'],
    ips: ['127.0.0.1'],
    days: 7,
    now,
  });
  const forward = await crossSignRoot({ issuer: oldRoot, subject: newRoot.cert, now });
  const forwardPem = encodeCertificatesPem([forward.der]);
  const credDir = join(dir, 'credential');
  await writeCredentialDir(credDir, cred);
  const bridgedCert = join(dir, 'bridged.crt');
  writeFileSync(bridgedCert, encodeCertificatesPem(cred.chain.map((c) => c.der)) + forwardPem);

  const backend = await startNginxBackend(dir);
  procs.push(backend);
  // Full handshakes only, as for nginx and HAProxy (wrk keeps the session across reconnects).
  const lb = await startRolloverLb(dir, credDir, backend.port, [], { args: ['--no-session-tickets'] });
  procs.push(lb);
  const nginxPlain = await startNginxProxy(
    join(dir, 'np'),
    join(credDir, 'tls.crt'),
    join(credDir, 'tls.key'),
    backend.port,
  );
  procs.push(nginxPlain);
  const keyPem = (await import('../src/pki/keys.js')).privateKeyToPem(cred.key.keyObject);
  const chainPem = encodeCertificatesPem(cred.chain.map((c) => c.der));
  const haproxyPlainDir = join(dir, 'hp');
  const haproxyBridgedDir = join(dir, 'hb');
  mkdirSync(haproxyPlainDir);
  mkdirSync(haproxyBridgedDir);
  writeFileSync(join(haproxyPlainDir, 'combined.pem'), chainPem + keyPem, { mode: 0o600 });
  writeFileSync(join(haproxyBridgedDir, 'combined.pem'), chainPem + forwardPem + keyPem, { mode: 0o600 });
  const haproxyPlain = await startHaproxy(
    haproxyPlainDir,
    join(haproxyPlainDir, 'combined.pem'),
    backend.port,
  );
  procs.push(haproxyPlain);
  const haproxyBridged = await startHaproxy(
    haproxyBridgedDir,
    join(haproxyBridgedDir, 'combined.pem'),
    backend.port,
  );
  procs.push(haproxyBridged);
  const nginxBridged = await startNginxProxy(
    join(dir, 'nb'),
    bridgedCert,
    join(credDir, 'tls.key'),
    backend.port,
  );
  procs.push(nginxBridged);

  // The built-in node serves the same leaf either plain or with the bridge, switched by a stage.
  const control = await controlClientFor(lb.stateDir);
  const r = recordFromCredential(cred);
  const serve = async (bridged: boolean) => {
    const at = Date.now() + 300;
    await control.stage('default', {
      keyPem: r.keyPem,
      certPem: r.certPem,
      rootPem: r.rootPem,
      activateAt: new Date(at).toISOString(),
      ...(bridged ? { bridges: { forwardPem, until: new Date(at + 3_600_000).toISOString() } } : {}),
    });
    await new Promise((res) => setTimeout(res, 400));
  };

  const bytes: Record<string, Record<string, number | string>> = {};
  for (const bridged of [false, true]) {
    await serve(bridged);
    const name = `built-in ${bridged ? 'bridged' : 'plain'}`;
    bytes[name] = {
      'TLSv1.3': await handshakeBytes(lb.port, 'TLSv1.3'),
      'TLSv1.2': await handshakeBytes(lb.port, 'TLSv1.2'),
    };
  }
  for (const [name, p] of [
    ['nginx plain', nginxPlain],
    ['nginx bridged', nginxBridged],
    ['HAProxy plain', haproxyPlain],
    ['HAProxy bridged', haproxyBridged],
  ] as const)
    bytes[name] = {
      'TLSv1.3': await handshakeBytes(p.port, 'TLSv1.3'),
      'TLSv1.2': await handshakeBytes(p.port, 'TLSv1.2'),
    };

  const sum: Record<string, { n: number; cpu: number; errors: number }> = {};
  const add = (name: string, f: { n: number; cpu: number; errors: number }) => {
    const s = sum[name] ?? { n: 0, cpu: 0, errors: 0 };
    sum[name] = s;
    s.n += f.n;
    s.cpu += f.cpu;
    s.errors += f.errors;
    console.error(
      `${name}: ${(f.n / Math.max(f.cpu, 0.01)).toFixed(0)} handshakes per core-s (cpu ${f.cpu.toFixed(2)} s, errors ${f.errors})`,
    );
  };
  // Warm the built-in node up (JIT) before anything is counted; then alternate the order per round
  // (plain first, then bridged first) so that a drift of the shared machine does not favour one.
  await handshakes(lb, 3);
  for (let round = 0; round < ROUNDS; round++) {
    for (const bridged of round % 2 === 0 ? [false, true] : [true, false]) {
      await serve(bridged);
      await handshakes(lb, 1); // warm-up after the change
      add(`built-in ${bridged ? 'bridged' : 'plain'}`, await handshakes(lb, SECONDS));
      const ng = bridged ? nginxBridged : nginxPlain;
      await handshakes(ng, 1);
      add(`nginx ${bridged ? 'bridged' : 'plain'}`, await handshakes(ng, SECONDS));
      const hp = bridged ? haproxyBridged : haproxyPlain;
      await handshakes(hp, 1);
      add(`HAProxy ${bridged ? 'bridged' : 'plain'}`, await handshakes(hp, SECONDS));
    }
  }
  const perCore = (name: string) => sum[name]!.n / sum[name]!.cpu;
  console.log(
    `\n| measured ${new Date().toISOString().slice(0, 10)} | server bytes in a TLS 1.3 handshake | TLS 1.2 | new handshakes per server core-s | bridged / plain | ratio to nginx with the same chain |`,
  );
  console.log('|---|---|---|---|---|---|');
  for (const name of [
    'built-in plain',
    'built-in bridged',
    'nginx plain',
    'nginx bridged',
    'HAProxy plain',
    'HAProxy bridged',
  ]) {
    const plain = name.replace('bridged', 'plain');
    const nginx = name.replace('built-in', 'nginx').replace('HAProxy', 'nginx');
    console.log(
      `| ${name} | ${bytes[name]!['TLSv1.3']} | ${bytes[name]!['TLSv1.2']} | ${perCore(name).toFixed(0)} | ${(perCore(name) / perCore(plain)).toFixed(3)} | ${(perCore(name) / perCore(nginx)).toFixed(2)}× |`,
    );
  }
  console.log(
    `\nthe forward bridge is ${forward.der.length} bytes of DER; errors: ${Object.values(sum).reduce((n, s) => n + s.errors, 0)}`,
  );
} finally {
  for (const p of procs.reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
}
