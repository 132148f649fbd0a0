/**
 * `npm run bench:lb`: the built-in data plane side by side with nginx and HAProxy, in one run, on
 * the same certificate (ECDSA P-256) and the same nginx backend answering 100 bytes. Each server
 * runs one worker/thread. wrk drives keep-alive proxied requests, then new TLS handshakes
 * (`Connection: close`: one full handshake per request). Each server's CPU time is read from /proc,
 * so the per-core-second figures hold even on a shared machine.
 * Then tcp mode (issue 16): rollover `--mode tcp --proxy-protocol v2` against nginx `stream` with
 * `proxy_protocol` and HAProxy `mode tcp` with `send-proxy-v2`, all to the same nginx backend reading
 * the PROXY header: keep-alive requests through the tunnel, full handshakes (session resumption off
 * everywhere) and resumed handshakes (`openssl s_time -reuse`, 4 at once, each resuming its first
 * session on every connection; tickets and caches on). wrk is not used for the resumed row: it keeps
 * the last session across reconnects (SSL_clear), and a TLS 1.3 ticket is spent once, so against
 * servers that issue no new ticket on resumption (Node, HAProxy) only every second wrk connection resumes.
 * The http rows run rollover with `--no-session-tickets`, like nginx and HAProxy with caches off.
 * Then the built-in node again, with a credential staged (so every handshake consults the table),
 * without and with 10 000 grace entries (`BENCH_TABLE=0` skips it): the cost of the lookup per handshake.
 * Then HAProxy's route mode (docs/adapters.md: a TCP frontend routing by `src` to TLS frontends over
 * `abns@`) against the plain TLS frontend, with a 10 000-entry map (`BENCH_ROUTE=0` skips it,
 * `BENCH_ROUTE=only` runs only that): the cost of the extra hop.
 * `BENCH_RESUME=only` runs only resumed handshakes, TLS 1.3 then TLS 1.2 (fixed by the client), on the
 * three tcp-mode servers: the same protocol on all (nginx and HAProxy offer TLS 1.2 and 1.3).
 * `BENCH_PROFILES=only` runs only the TLS profiles (docs/tls.md): new handshakes per server core-second
 * of the built-in node with `--tls-profile modern | intermediate | old` (EC P-256, and RSA 2048 for
 * intermediate and old, which serves RSA only), wrk's client negotiating TLS 1.3.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { controlClientFor } from '../src/lb/control-client.js';
import { recordFromCredential } from '../src/lb/credential-record.js';
import {
  cpuSeconds,
  ensureBenchTools,
  mintBenchCredential,
  type Proc,
  startHaproxy,
  startHaproxyRoute,
  startHaproxyTcp,
  startNginxBackend,
  startNginxProxy,
  startNginxStream,
  startRolloverLb,
} from './lb-servers.js';

const run = promisify(execFile);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

interface Figure {
  requests: number;
  seconds: number;
  rps: number;
  cpu: number;
  perCore: number;
  errors: number;
}

/** Runs wrk against a server and measures the server's CPU time over the run. */
async function wrk(p: Proc, seconds: number, close: boolean): Promise<Figure> {
  const pid = p.child.pid!;
  const args = [
    '-t1',
    `-c${close ? 16 : CONNECTIONS}`,
    `-d${seconds}s`,
    ...(close ? ['-H', 'Connection: close'] : []),
  ];
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const { stdout } = await run('wrk', [...args, `https://127.0.0.1:${p.port}/`], { maxBuffer: 1 << 20 });
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (sock ? sock.slice(1).reduce((n, x) => n + Number(x), 0) : 0);
  return {
    requests,
    seconds: elapsed,
    rps: requests / seconds,
    cpu,
    perCore: requests / Math.max(cpu, 0.01),
    errors,
  };
}

const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-lb-'));
const procs: Proc[] = [];
try {
  ensureBenchTools();
  const c = await mintBenchCredential(dir, 'bench');
  const backend = await startNginxBackend(dir);
  procs.push(backend);
  if (process.env.BENCH_ROUTE === 'only') await routeFigures(c.pemFile, backend.port);
  else if (process.env.BENCH_PROFILES === 'only') await profileFigures(c, backend, procs);
  else if (process.env.BENCH_RESUME === 'only') await resumeFigures(c, backend, procs);
  else await mainFigures(c, backend, procs);
} finally {
  for (const p of procs.reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** Handshake cost per TLS profile on the built-in node (one server at a time, full handshakes). */
async function profileFigures(
  c: Awaited<ReturnType<typeof mintBenchCredential>>,
  backend: Proc,
  procs: Proc[],
) {
  console.error(`load average at start: ${loadAverage()}`);
  const rsa = await mintBenchCredential(dir, 'bench-rsa', 'rsa-2048');
  const rows: string[] = [];
  for (const [profile, cred, key] of [
    ['modern', c, 'EC P-256'],
    ['intermediate', c, 'EC P-256'],
    ['intermediate', rsa, 'RSA 2048'],
    ['old', rsa, 'RSA 2048'],
  ] as const) {
    const lb = await startRolloverLb(dir, cred.dir, backend.port, [], {
      name: `${profile}-${key}`,
      args: ['--no-session-tickets', '--tls-profile', profile],
    });
    procs.push(lb);
    await wrk(lb, 1, true);
    const f = await wrk(lb, SECONDS, true);
    console.error(
      `${profile} ${key}: ${f.perCore.toFixed(0)} handshakes per core-s (cpu ${f.cpu.toFixed(2)} s, errors ${f.errors})`,
    );
    rows.push(
      `| ${profile} | ${key} | ${f.rps.toFixed(0)} | ${f.cpu.toFixed(2)} | ${f.perCore.toFixed(0)} | ${f.errors} |`,
    );
    await lb.stop();
  }
  console.log(
    `\n| measured ${new Date().toISOString().slice(0, 10)} | certificate | new handshakes/s | server CPU s | handshakes per core-s | errors |`,
  );
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

/** The built-in node, nginx and HAProxy side by side, then the table and route figures. */
async function mainFigures(c: Awaited<ReturnType<typeof mintBenchCredential>>, backend: Proc, procs: Proc[]) {
  console.error(`load average at start: ${loadAverage()}`);
  const servers = [
    // Full handshakes only, as nginx and HAProxy below (wrk offers its session on every reconnect).
    await startRolloverLb(dir, c.dir, backend.port, [], { args: ['--no-session-tickets'] }),
    await startNginxProxy(dir, c.certFile, c.keyFile, backend.port),
    await startHaproxy(dir, c.pemFile, backend.port),
  ];
  procs.push(...servers);
  const results: Record<string, { keepAlive: Figure; handshakes: Figure }> = {};
  for (const s of servers) {
    await wrk(s, 2, false); // warm-up (JIT, pools)
    const keepAlive = await wrk(s, SECONDS, false);
    const handshakes = await wrk(s, SECONDS, true);
    results[s.name] = { keepAlive, handshakes };
    console.error(
      `${s.name}: keep-alive ${keepAlive.rps.toFixed(0)} req/s (${keepAlive.perCore.toFixed(0)} per core-s, cpu ${keepAlive.cpu.toFixed(2)} s, errors ${keepAlive.errors}); ` +
        `handshakes ${handshakes.rps.toFixed(0)}/s (${handshakes.perCore.toFixed(0)} per core-s, cpu ${handshakes.cpu.toFixed(2)} s, errors ${handshakes.errors})`,
    );
  }
  const n = results.nginx!;
  console.log(
    `\n| measured ${new Date().toISOString().slice(0, 10)} | keep-alive req/s | server CPU s | req per core-s | ratio to nginx | new handshakes/s | server CPU s | handshakes per core-s | ratio to nginx |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `| ${name} | ${r.keepAlive.rps.toFixed(0)} | ${r.keepAlive.cpu.toFixed(2)} | ${r.keepAlive.perCore.toFixed(0)} | ${(r.keepAlive.perCore / n.keepAlive.perCore).toFixed(2)}× | ` +
        `${r.handshakes.rps.toFixed(0)} | ${r.handshakes.cpu.toFixed(2)} | ${r.handshakes.perCore.toFixed(0)} | ${(r.handshakes.perCore / n.handshakes.perCore).toFixed(2)}× |`,
    );
  }
  if (process.env.BENCH_TCP !== '0')
    await tcpFigures(c, backend as Proc & { ppPort: number }, n.keepAlive.perCore, procs);
  if (process.env.BENCH_TABLE !== '0') await tableFigures(servers[0] as Proc & { stateDir: string }, c.cred);
  if (process.env.BENCH_ROUTE !== '0') await routeFigures(c.pemFile, backend.port);
  const errs = Object.values(results).reduce((x, r) => x + r.keepAlive.errors + r.handshakes.errors, 0);
  console.log(
    `\n${SECONDS} s per figure, wrk -t1, ${CONNECTIONS} keep-alive connections / 16 closing connections; errors in all runs: ${errs}`,
  );
}

/**
 * Handshakes per core-second of the built-in node with a staged credential (T an hour ahead, so each
 * handshake runs the exchange rule), without a table and with 10 000 single-address grace entries plus
 * 100 /24 ranges, none matching the client: the lookup is paid on every handshake. Runs alternate to
 * spread the noise of a shared machine.
 */
async function tableFigures(
  lb: Proc & { stateDir: string },
  cred: import('../src/pki/credential.js').Credential,
) {
  const control = await controlClientFor(lb.stateDir);
  const r = recordFromCredential(cred);
  const hour = Date.now() + 3_600_000;
  await control.stage('default', {
    keyPem: r.keyPem,
    certPem: r.certPem,
    rootPem: r.rootPem,
    activateAt: new Date(hour).toISOString(),
  });
  const until = new Date(hour + 3_600_000).toISOString();
  const entries = [
    ...Array.from({ length: 10_000 }, (_, i) => ({
      cidr: `10.${(i >> 8) & 255}.${i & 255}.7`,
      serve: 'old' as const,
      until,
    })),
    ...Array.from({ length: 100 }, (_, i) => ({ cidr: `172.16.${i}.0/24`, serve: 'old' as const, until })),
  ];
  const rounds = Number(process.env.BENCH_TABLE_ROUNDS ?? 2);
  const sum = { none: { n: 0, cpu: 0 }, table: { n: 0, cpu: 0 } };
  for (let round = 0; round < rounds; round++) {
    for (const which of ['none', 'table'] as const) {
      await control.exceptions('default', { op: 'replace', entries: which === 'table' ? entries : [] });
      await wrk(lb, 1, true); // warm-up after the change
      const f = await wrk(lb, SECONDS, true);
      sum[which].n += f.requests;
      sum[which].cpu += f.cpu;
      console.error(
        `rollover staged, ${which === 'table' ? '10 100 entries' : 'no table'}: ${f.perCore.toFixed(0)} handshakes per core-s (cpu ${f.cpu.toFixed(2)} s, errors ${f.errors})`,
      );
    }
  }
  const none = sum.none.n / sum.none.cpu;
  const table = sum.table.n / sum.table.cpu;
  console.log(`\n| built-in node, credential staged | handshakes per core-s |`);
  console.log('|---|---|');
  console.log(`| no source exceptions | ${none.toFixed(0)} |`);
  console.log(
    `| 10 000 addresses + 100 /24 ranges in grace | ${table.toFixed(0)} (${((table / none - 1) * 100).toFixed(1)} %) |`,
  );
  await control.exceptions('default', { op: 'replace', entries: [] });
  await control.unstage('default');
}

/**
 * HAProxy with one TLS frontend against HAProxy in route mode (TCP frontend → `abns@` + PROXY v2 →
 * TLS frontend), both one thread, the route map holding 10 000 addresses + 100 /24 ranges that do not
 * match the client. Rounds alternate to spread the noise of a shared machine.
 */
async function routeFigures(pemFile: string, backendPort: number) {
  const far = Date.now() + 3_600_000;
  const lines = [
    ...Array.from({ length: 10_000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.7/32 ${far}`),
    ...Array.from({ length: 100 }, (_, i) => `172.16.${i}.0/24 ${far}`),
  ];
  const rdir = mkdtempSync(join(tmpdir(), 'rollover-bench-route-'));
  const plain = await startHaproxy(rdir, pemFile, backendPort);
  const route = await startHaproxyRoute(rdir, pemFile, backendPort, lines).catch(async (e) => {
    await plain.stop();
    throw e;
  });
  try {
    await compareRoute(plain, route);
  } finally {
    // Stopped here, once (a second stop of an exited child would wait for an exit already seen).
    await plain.stop();
    await route.stop();
    rmSync(rdir, { recursive: true, force: true });
  }
}

async function compareRoute(plain: Proc, route: Proc) {
  const sum: Record<string, { ka: number; kaCpu: number; hs: number; hsCpu: number; errors: number }> = {};
  const rounds = Number(process.env.BENCH_ROUTE_ROUNDS ?? 2);
  for (let round = 0; round < rounds; round++) {
    for (const p of [plain, route]) {
      if (round === 0) await wrk(p, 1, false);
      const ka = await wrk(p, SECONDS, false);
      const hs = await wrk(p, SECONDS, true);
      sum[p.name] ??= { ka: 0, kaCpu: 0, hs: 0, hsCpu: 0, errors: 0 };
      const x = sum[p.name]!;
      x.ka += ka.requests;
      x.kaCpu += ka.cpu;
      x.hs += hs.requests;
      x.hsCpu += hs.cpu;
      x.errors += ka.errors + hs.errors;
      console.error(
        `${p.name}: keep-alive ${ka.perCore.toFixed(0)} per core-s, handshakes ${hs.perCore.toFixed(0)} per core-s (errors ${ka.errors + hs.errors})`,
      );
    }
  }
  const base = sum[plain.name]!;
  console.log(
    `\n| HAProxy 2.6, 1 thread, measured ${new Date().toISOString().slice(0, 10)} | keep-alive req per core-s | ratio | new handshakes per core-s | ratio | errors |`,
  );
  console.log('|---|---|---|---|---|---|');
  for (const [name, x] of Object.entries(sum)) {
    console.log(
      `| ${name === plain.name ? 'one TLS frontend' : 'route mode (TCP → abns@ + PROXY v2 → TLS), 10 100-entry map'} | ${(x.ka / x.kaCpu).toFixed(0)} | ${(x.ka / x.kaCpu / (base.ka / base.kaCpu)).toFixed(2)}× | ${(x.hs / x.hsCpu).toFixed(0)} | ${(x.hs / x.hsCpu / (base.hs / base.hsCpu)).toFixed(2)}× | ${x.errors} |`,
    );
  }
}

/**
 * Resumed handshakes: `S_TIME` parallel `openssl s_time -reuse` clients (each a full handshake once,
 * then every connection resumes that session and fetches / over HTTP/1.0), server CPU from /proc.
 */
async function sTimeReuse(
  p: Proc,
  seconds: number,
  protocol?: 'tls1_2' | 'tls1_3',
): Promise<Figure & { notResumed?: number }> {
  const pid = p.child.pid!;
  const parallel = Number(process.env.BENCH_STIME ?? 4);
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  const outs = await Promise.all(
    Array.from({ length: parallel }, () =>
      run(
        'openssl',
        [
          's_time',
          '-connect',
          `127.0.0.1:${p.port}`,
          '-www',
          '/',
          '-reuse',
          '-time',
          String(seconds),
          ...(protocol ? [`-${protocol}`] : []),
        ],
        { maxBuffer: 1 << 20 },
      ).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' })),
    ),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  let requests = 0;
  let errors = 0;
  let notResumed = 0;
  for (const o of outs) {
    // The reuse phase prints one character per connection: 'r' resumed, anything else a full handshake.
    const reusePart = o.stdout.split('session id reuse')[1] ?? '';
    const m = /(\d+) connections in \d+ real seconds/.exec(reusePart);
    if (m) {
      const marks = /starting\n([^\n]*)/.exec(reusePart)?.[1] ?? '';
      const full = marks.replace(/r/g, '').length;
      notResumed += full;
      // Only resumed connections count as resumed handshakes.
      requests += Number(m[1]) - full;
    } else errors++;
  }
  return {
    requests,
    seconds: elapsed,
    rps: requests / seconds,
    cpu,
    perCore: requests / Math.max(cpu, 0.01),
    errors,
    notResumed,
  };
}

/**
 * Resumed handshakes only, per protocol (`BENCH_RESUME=only`): rollover tcp mode, nginx `stream` and
 * HAProxy `mode tcp`, tickets and caches on, every server offering TLS 1.2 and 1.3; the client
 * (`openssl s_time -reuse -tls1_3`, then `-tls1_2`) fixes the protocol, so all three resume the same
 * way. Rounds alternate the servers to spread the noise of a shared machine; each figure counts only
 * the connections s_time reports as resumed ('r'), and says how many were not.
 */
async function resumeFigures(
  c: Awaited<ReturnType<typeof mintBenchCredential>>,
  backend: Proc & { ppPort: number },
  procs: Proc[],
) {
  console.error(`load average at start: ${loadAverage()}`);
  const rounds = Number(process.env.BENCH_RESUME_ROUNDS ?? 2);
  const servers: Proc[] = [
    await startRolloverLb(dir, c.dir, 0, [], {
      name: 'rollover tcp (PROXY v2)',
      backend: `tcp://127.0.0.1:${backend.ppPort}`,
      args: ['--mode', 'tcp', '--proxy-protocol', 'v2'],
    }),
    await startNginxStream(dir, c.certFile, c.keyFile, backend.ppPort, true),
    await startHaproxyTcp(dir, c.pemFile, backend.ppPort, true),
  ];
  procs.push(...servers);
  const sum = new Map<string, { n: number; cpu: number; full: number; errors: number; loads: string[] }>();
  for (const protocol of ['tls1_3', 'tls1_2'] as const) {
    for (let round = 0; round < rounds; round++) {
      for (const s of round % 2 ? [...servers].reverse() : servers) {
        await sTimeReuse(s, 1, protocol); // warm-up
        const f = await sTimeReuse(s, SECONDS, protocol);
        const key = `${protocol}\u0000${s.name}`;
        const x = sum.get(key) ?? { n: 0, cpu: 0, full: 0, errors: 0, loads: [] };
        x.n += f.requests;
        x.cpu += f.cpu;
        x.full += f.notResumed ?? 0;
        x.errors += f.errors;
        x.loads.push(loadAverage().split(' ')[0]!);
        sum.set(key, x);
        console.error(
          `${protocol} ${s.name}: ${f.perCore.toFixed(0)} resumed per core-s (not resumed ${f.notResumed}, errors ${f.errors})`,
        );
      }
    }
  }
  console.log(
    `\n| resumed handshakes, measured ${new Date().toISOString().slice(0, 10)} | protocol | resumed per core-s | ÷ nginx stream | not resumed | errors | load avg (1 min) per run |`,
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const protocol of ['tls1_3', 'tls1_2']) {
    const ng = sum.get(`${protocol}\u0000${servers[1]!.name}`)!;
    for (const s of servers) {
      const x = sum.get(`${protocol}\u0000${s.name}`)!;
      console.log(
        `| ${s.name} | ${protocol === 'tls1_3' ? 'TLS 1.3' : 'TLS 1.2'} | ${(x.n / x.cpu).toFixed(0)} | ${(x.n / x.cpu / (ng.n / ng.cpu)).toFixed(2)}× | ${x.full} | ${x.errors} | ${x.loads.join(', ')} |`,
      );
    }
  }
}

/** The 1-minute load average (the machine is shared: figures are per server core-second). */
function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/**
 * tcp mode side by side: each family once with resumption off (keep-alive and full handshakes) and
 * once with it on (resumed handshakes). Checks from rollover's metrics that the resumed row resumed.
 */
async function tcpFigures(
  c: Awaited<ReturnType<typeof mintBenchCredential>>,
  backend: Proc & { ppPort: number },
  nginxHttpKeepAlive: number,
  procs: Proc[],
) {
  const tcpArgs = ['--mode', 'tcp', '--proxy-protocol', 'v2'];
  const backendUrl = `tcp://127.0.0.1:${backend.ppPort}`;
  const families: Array<{ name: string; full: Proc; resume: Proc; metricsPort?: number }> = [];
  const rFull = await startRolloverLb(dir, c.dir, 0, [], {
    name: 'rollover tcp',
    backend: backendUrl,
    args: [...tcpArgs, '--no-session-tickets'],
  });
  const rResume = await startRolloverLb(dir, c.dir, 0, [], {
    name: 'rollover tcp resume',
    backend: backendUrl,
    args: tcpArgs,
  });
  procs.push(rFull, rResume);
  families.push({
    name: 'rollover tcp (PROXY v2)',
    full: rFull,
    resume: rResume,
    metricsPort: rResume.metricsPort,
  });
  const nFull = await startNginxStream(dir, c.certFile, c.keyFile, backend.ppPort, false);
  const nResume = await startNginxStream(dir, c.certFile, c.keyFile, backend.ppPort, true);
  procs.push(nFull, nResume);
  families.push({ name: 'nginx stream (proxy_protocol v1)', full: nFull, resume: nResume });
  const hFull = await startHaproxyTcp(dir, c.pemFile, backend.ppPort, false);
  const hResume = await startHaproxyTcp(dir, c.pemFile, backend.ppPort, true);
  procs.push(hFull, hResume);
  families.push({ name: 'HAProxy mode tcp (send-proxy-v2)', full: hFull, resume: hResume });
  const rows: Array<{ name: string; ka: Figure; full: Figure; resumed: Figure; load: string }> = [];
  for (const f of families) {
    await wrk(f.full, 2, false); // warm-up
    const ka = await wrk(f.full, SECONDS, false);
    const full = await wrk(f.full, SECONDS, true);
    await sTimeReuse(f.resume, 1);
    const resumed = await sTimeReuse(f.resume, SECONDS);
    const load = loadAverage();
    rows.push({ name: f.name, ka, full, resumed, load });
    console.error(
      `${f.name}: keep-alive ${ka.perCore.toFixed(0)} per core-s (errors ${ka.errors}); full handshakes ${full.perCore.toFixed(0)} per core-s (errors ${full.errors}); resumed ${resumed.perCore.toFixed(0)} per core-s (errors ${resumed.errors}); load ${load}`,
    );
    if (f.metricsPort) {
      const text = await (await fetch(`http://127.0.0.1:${f.metricsPort}/metrics`)).text();
      const count = (kind: string) =>
        Number(
          new RegExp(`rollover_lb_handshakes_by_kind_total\\{[^}]*kind="${kind}"[^}]*\\} (\\d+)`).exec(
            text,
          )?.[1] ?? 0,
        );
      console.error(
        `${f.name} (resumption on): ${count('resumed')} resumed, ${count('full')} full handshakes`,
      );
    }
  }
  const ng = rows.find((r) => r.name.startsWith('nginx'))!;
  const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
  console.log(
    `\n| tcp mode, measured ${new Date().toISOString().slice(0, 10)} | keep-alive req per core-s | ÷ nginx http | ÷ nginx stream | full handshakes per core-s | ÷ nginx stream | resumed handshakes per core-s | ÷ nginx stream | errors | load avg |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.ka.perCore.toFixed(0)} | ${ratio(r.ka.perCore, nginxHttpKeepAlive)} | ${ratio(r.ka.perCore, ng.ka.perCore)} | ${r.full.perCore.toFixed(0)} | ${ratio(r.full.perCore, ng.full.perCore)} | ${r.resumed.perCore.toFixed(0)} | ${ratio(r.resumed.perCore, ng.resumed.perCore)} | ${r.ka.errors + r.full.errors + r.resumed.errors} | ${r.load} |`,
    );
  }
}
