/**
 * An outside scanner judges every data plane: testssl.sh (Debian package `testssl.sh`, command
 * `testssl`) scans `rollover lb run` in each TLS profile, and nginx and HAProxy configured with the
 * intermediate and modern profiles as the agents write (nginx time mode include) or document (HAProxy
 * globals). Each scan: 0 findings rated NOT ok (testssl severity HIGH or CRITICAL) in every profile,
 * `old` included; none rated MEDIUM or saying vulnerable either, except in `old` LUCKY13 and BEAST
 * (LOW/MEDIUM at most), inherent to the TLS 1.0 and CBC suites that profile exists to offer;
 * client-initiated renegotiation refused, no CBC suite in intermediate and modern, the profile's
 * protocol versions and nothing else; the same scan after an exchange at T gives the same protocol
 * and cipher results. Scans run three at a time (different servers, separate temp files); the flags
 * are narrow (`-p -s -E -R -U --fast`; the proxies' modern scans only `-p -E`, protocols and suites).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { tlsIncludeText } from '../../src/adapters/nginx/tls-include.js';
import { controlClientFor, stageBody } from '../../src/lb/control-client.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { haproxyGlobalDirectives, resolveTlsPolicy } from '../../src/pki/tls-profile.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { startHaproxy } from '../kit/haproxy.js';
import { freePort } from '../kit/net.js';
import { startNginx } from '../kit/nginx.js';
import { tempDir } from '../kit/tmp.js';
import { startBackend } from '../lb/kit.js';

const run = promisify(execFile);
const dir = tempDir('rollover-testssl-');
const bin = resolve(import.meta.dirname, '../../../bin/rollover.js');
const oldRoot = await mintRoot('Scan Old Root');
const newRoot = await mintRoot('Scan New Root');
const ecOld = await mintCredential(oldRoot, ['lb.test']);
const ecNew = await mintCredential(newRoot, ['lb.test']);
const rsaOld = await mintCredential(oldRoot, ['lb.test'], { keyType: 'rsa-2048' });
const backend = await startBackend();

/** One testssl finding (its JSON output). */
interface Finding {
  id: string;
  severity: string;
  finding: string;
}

/** The checks of a full scan; the proxies' modern scans only enumerate protocols and suites. */
const FULL = ['-p', '-s', '-E', '-R', '-U'];
const PROTOCOLS_AND_SUITES = ['-p', '-E'];

/** Scans host:port with the narrow flags; returns the findings and how long it took. */
async function scan(
  label: string,
  port: number,
  checks: string[] = FULL,
): Promise<{ findings: Finding[]; seconds: number }> {
  const file = join(dir, `${label}.json`);
  const t0 = Date.now();
  await run(
    'testssl',
    [
      '--quiet',
      '--color',
      '0',
      '--warnings',
      'off',
      '--nodns',
      'min',
      '--fast',
      '--openssl-timeout',
      '10',
      ...checks,
      '--jsonfile',
      file,
      `127.0.0.1:${port}`,
    ],
    { maxBuffer: 16 << 20, timeout: 300_000 },
  ).catch((e: Error & { code?: number }) => {
    // testssl exits with the number of findings it judged; the JSON file is what counts.
    if (typeof e.code !== 'number') throw e;
  });
  return { findings: JSON.parse(readFileSync(file, 'utf8')) as Finding[], seconds: (Date.now() - t0) / 1000 };
}

/** Findings testssl rates NOT ok (HIGH, CRITICAL): never allowed, in any profile. */
const notOk = (findings: Finding[]) => findings.filter((f) => ['HIGH', 'CRITICAL'].includes(f.severity));

/** Findings rated MEDIUM or above, or that say vulnerable, except those `allowed` names by id. */
function bad(findings: Finding[], allowed: string[] = []): Finding[] {
  return findings.filter(
    (f) =>
      !allowed.includes(f.id) &&
      (['MEDIUM', 'HIGH', 'CRITICAL'].includes(f.severity) ||
        (/vulnerable/i.test(f.finding) && !/not vulnerable/i.test(f.finding))),
  );
}

const byId = (fs: Finding[], id: string) => fs.find((f) => f.id === id)?.finding ?? '(missing)';
const offered = (fs: Finding[]) =>
  ['SSLv2', 'SSLv3', 'TLS1', 'TLS1_1', 'TLS1_2', 'TLS1_3'].filter((id) => /^offered/.test(byId(fs, id)));
/** The cipher lines (protocol, code, names) without the key-exchange column, which names the key size. */
const ciphers = (fs: Finding[]) =>
  fs
    .filter((f) => f.id.startsWith('cipher-'))
    .map((f) => f.id)
    .sort();
const cbc = (fs: Finding[]) => fs.filter((f) => f.id.startsWith('cipher-') && /_CBC_/.test(f.finding));

/** Judges a scan against a profile's promises (`narrow`: a scan of protocols and suites only). */
function judge(
  label: string,
  fs: Finding[],
  protocols: string[],
  opts: { cbcAllowed?: boolean; narrow?: boolean } = {},
) {
  assert.deepEqual(
    notOk(fs).map((f) => `${f.id} ${f.severity} ${f.finding}`),
    [],
    `${label}: findings rated NOT ok (HIGH/CRITICAL)`,
  );
  // In `old`, TLS 1.0 with CBC suites is the point of the profile (Mozilla's "old"): testssl calls
  // LUCKY13 "potentially vulnerable" for any CBC suite and BEAST vulnerable for any TLS 1.0 CBC suite
  // ("likely mitigated" by the higher protocols), rated LOW and MEDIUM. These three, at those
  // ratings, and nothing else, are expected there.
  const allowed = opts.cbcAllowed ? ['LUCKY13', 'BEAST', 'BEAST_CBC_TLS1'] : [];
  for (const f of fs.filter((x) => allowed.includes(x.id))) {
    assert.ok(['OK', 'INFO', 'LOW', 'MEDIUM'].includes(f.severity), `${label}: ${f.id} rated ${f.severity}`);
  }
  assert.deepEqual(
    bad(fs, allowed).map((f) => `${f.id} ${f.severity} ${f.finding}`),
    [],
    `${label}: findings rated NOT ok or VULNERABLE`,
  );
  if (!opts.narrow) {
    assert.match(byId(fs, 'secure_client_renego'), /^not vulnerable/, `${label}: client renegotiation`);
  }
  assert.deepEqual(offered(fs), protocols, `${label}: protocols`);
  assert.ok(ciphers(fs).length > 0, `${label}: no cipher enumerated`);
  if (!opts.cbcAllowed) {
    assert.deepEqual(
      cbc(fs).map((f) => f.finding),
      [],
      `${label}: CBC suites offered`,
    );
    if (!opts.narrow) {
      assert.match(byId(fs, 'cipherlist_AVERAGE'), /not offered/, `${label}: obsolete CBC ciphers`);
    }
  }
}

/** Runs `rollover lb run` for one profile; returns its listen port and state directory. */
async function lbRun(profile: string, cred: typeof ecOld): Promise<{ port: number; stateDir: string }> {
  const stateDir = join(dir, `lb-${profile}`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      bin,
      'lb',
      'run',
      '--listen',
      `127.0.0.1:${port}`,
      '--host',
      'lb.test',
      '--host',
      '127.0.0.1',
      '--credential',
      await saveCredential(join(dir, `cred-${profile}`), cred),
      '--backend',
      backend.url,
      '--state-dir',
      stateDir,
      '--workers',
      '1',
      '--log-level',
      'error',
      '--tls-profile',
      profile,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(child);
  after(() => child.kill('SIGKILL'));
  for (let i = 0; i < 150; i++) {
    const r = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
    if (r.code === 0) return { port, stateDir };
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`lb run --tls-profile ${profile} did not come up`);
}

/** Runs jobs with at most `n` at a time. */
async function pool<T>(n: number, jobs: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}

const children: ChildProcess[] = [];
let nginx: Awaited<ReturnType<typeof startNginx>> | undefined;
let haproxy: Awaited<ReturnType<typeof startHaproxy>> | undefined;
let nginxModern: Awaited<ReturnType<typeof startNginx>> | undefined;
let haproxyModern: Awaited<ReturnType<typeof startHaproxy>> | undefined;

/** nginx in time mode with the agent's TLS include for `profile` (EC P-256 certificate). */
async function startNginxIn(profile: 'intermediate' | 'modern') {
  const nginxDir = join(dir, `nginx-${profile}`);
  mkdirSync(nginxDir, { recursive: true });
  writeFileSync(join(nginxDir, 'web.tls.conf'), tlsIncludeText('web', resolveTlsPolicy(profile)));
  return startNginx({
    dir: nginxDir,
    port: await freePort(),
    backendPort: backend.port,
    serverName: 'lb.test',
    timeSwitch: { name: 'web', initial: recordFromCredential(ecOld) },
    serverLines: [`include ${join(nginxDir, 'web.tls.conf')};`],
  });
}

/** HAProxy with the documented `global` lines for `profile` (EC P-256 certificate). */
async function startHaproxyIn(profile: 'intermediate' | 'modern') {
  const haDir = join(dir, `haproxy-${profile}`);
  mkdirSync(haDir, { recursive: true });
  const crtPath = join(haDir, 'web.pem');
  writeFileSync(
    crtPath,
    `${encodeCertificatesPem(ecOld.chain.map((c) => c.der))}${privateKeyToPem(ecOld.key.keyObject)}`,
  );
  return startHaproxy({
    dir: haDir,
    port: await freePort(),
    crtPath,
    backendPort: backend.port,
    globalLines: haproxyGlobalDirectives(resolveTlsPolicy(profile)),
  });
}

let modern: Awaited<ReturnType<typeof lbRun>>;
let inter: Awaited<ReturnType<typeof lbRun>>;
let old: Awaited<ReturnType<typeof lbRun>>;
try {
  [modern, inter, old] = await Promise.all([
    lbRun('modern', ecOld),
    lbRun('intermediate', ecOld),
    lbRun('old', rsaOld),
  ]);

  // nginx as the agent configures it in time mode (the map plus its TLS include), and HAProxy with the
  // documented globals: each in the intermediate and the modern profile.
  // nginx's workers (user nobody) read the time-mode files on every handshake: the path must be open to them.
  chmodSync(dir, 0o755);
  [nginx, haproxy, nginxModern, haproxyModern] = await Promise.all([
    startNginxIn('intermediate'),
    startHaproxyIn('intermediate'),
    startNginxIn('modern'),
    startHaproxyIn('modern'),
  ]);
} catch (e) {
  // A failed set-up must not leave servers behind that keep this file running.
  console.error(e);
  for (const c of children) c.kill('SIGKILL');
  for (const p of [nginx, haproxy, nginxModern, haproxyModern]) await p?.stop();
  process.exit(1);
}

const t0 = Date.now();
const first = await pool(3, [
  () => scan('modern', modern.port),
  () => scan('intermediate-before', inter.port),
  () => scan('old', old.port),
  () => scan('nginx', nginx!.port),
  () => scan('haproxy', haproxy!.port),
  () => scan('nginx-modern', nginxModern!.port, PROTOCOLS_AND_SUITES),
  () => scan('haproxy-modern', haproxyModern!.port, PROTOCOLS_AND_SUITES),
]);
const [sModern, sBefore, sOld, sNginx, sHaproxy, sNginxModern, sHaproxyModern] = first;
// One summary line per scan (docs/tls.md records them).
for (const [label, r] of [
  ['lb modern', sModern],
  ['lb intermediate', sBefore],
  ['lb old', sOld],
  ['nginx intermediate', sNginx],
  ['haproxy intermediate', sHaproxy],
  ['nginx modern (-p -E)', sNginxModern],
  ['haproxy modern (-p -E)', sHaproxyModern],
] as const) {
  const fs = r!.findings;
  const flagged = fs.filter((f) => !['OK', 'INFO', 'WARN', 'DEBUG'].includes(f.severity));
  console.log(
    `testssl ${label}: ${r!.seconds.toFixed(0)} s; protocols ${offered(fs).join(' ')}; ${ciphers(fs).length} suites (${cbc(fs).length} CBC); renegotiation ${byId(fs, 'secure_client_renego')}; rated above OK/INFO: ${flagged.map((f) => `${f.id} ${f.severity}`).join(', ') || 'none'}`,
  );
}
const scanTimes = { modern: sModern!.seconds, intermediate: sBefore!.seconds, old: sOld!.seconds };

test('rollover lb run --tls-profile modern: TLS 1.3 only, nothing rated NOT ok or VULNERABLE', () => {
  judge('modern', sModern!.findings, ['TLS1_3']);
});

test('rollover lb run (intermediate, the default): TLS 1.2 and 1.3, AEAD only, nothing rated NOT ok or VULNERABLE', () => {
  judge('intermediate', sBefore!.findings, ['TLS1_2', 'TLS1_3']);
});

test('rollover lb run --tls-profile old: TLS 1.0 to 1.3 with CBC for old clients, no 3DES, nothing else flagged', () => {
  judge('old', sOld!.findings, ['TLS1', 'TLS1_1', 'TLS1_2', 'TLS1_3'], { cbcAllowed: true });
  assert.match(byId(sOld!.findings, 'SWEET32'), /not vulnerable/);
  assert.match(byId(sOld!.findings, 'cipherlist_3DES_IDEA'), /not offered/);
});

test('nginx as the agent configures it (time mode, intermediate include): the same judgement', () => {
  judge('nginx', sNginx!.findings, ['TLS1_2', 'TLS1_3']);
});

test('HAProxy with the documented intermediate globals: the same judgement', () => {
  judge('haproxy', sHaproxy!.findings, ['TLS1_2', 'TLS1_3']);
});

test('nginx and HAProxy in the modern profile: TLS 1.3 only, its three suites, nothing rated NOT ok (protocols and suites scanned)', () => {
  for (const [label, r] of [
    ['nginx modern', sNginxModern],
    ['haproxy modern', sHaproxyModern],
  ] as const) {
    judge(label, r!.findings, ['TLS1_3'], { narrow: true });
    assert.deepEqual(ciphers(r!.findings), ciphers(sModern!.findings), `${label}: the same suites as lb run`);
  }
});

test('the same scan after an exchange at T: the same protocols and ciphers, only the certificate changed', async () => {
  const T = new Date(Date.now() + 1500);
  const client = await controlClientFor(inter.stateDir);
  await client.stage('default', stageBody(ecNew, T));
  await new Promise((res) => setTimeout(res, Math.max(0, T.getTime() - Date.now() + 200)));
  const status = await client.status();
  assert.equal(status.virtualServers[0]!.served.sha256, ecNew.chain[0]!.sha256);
  const afterScan = await scan('intermediate-after', inter.port);
  judge('intermediate after T', afterScan.findings, ['TLS1_2', 'TLS1_3']);
  assert.deepEqual(offered(afterScan.findings), offered(sBefore!.findings));
  assert.deepEqual(ciphers(afterScan.findings), ciphers(sBefore!.findings));
  for (const id of ['cipherlist_AVERAGE', 'cipherlist_STRONG', 'secure_client_renego', 'LUCKY13']) {
    assert.equal(byId(afterScan.findings, id), byId(sBefore!.findings, id), id);
  }
  console.log(
    `testssl scan seconds: ${JSON.stringify({ ...scanTimes, intermediateAfter: afterScan.seconds, firstSeven: (Date.now() - t0) / 1000 })}`,
  );
});
