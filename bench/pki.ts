/**
 * `npm run bench:pki`: credentials issued per second (EC P-256 and RSA-2048) next to
 * `openssl req -x509` run on the same machine in the same run, and the time of `cert check`.
 * Prints a table and a JSON line for docs/benchmarks.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeCredentialDir } from '../src/files/credential-dir.js';
import { createCa } from '../src/pki/authority.js';
import { checkCredential } from '../src/pki/checks.js';
import { issueCredential } from '../src/pki/credential.js';
import type { KeyType } from '../src/pki/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-pki-'));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'rollover.js');

async function rolloverRate(keyType: KeyType, n: number): Promise<number> {
  const ca = await createCa({ subject: 'CN=Bench Root', keyType: 'ec-p384', days: 3650, now: new Date() });
  await issueCredential({ ca, keyType, hosts: ['warm.up'], days: 30, now: new Date() });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    await issueCredential({ ca, keyType, hosts: [`lb${i}.bench.test`], days: 30, now: new Date() });
  }
  return n / ((performance.now() - t0) / 1000);
}

function opensslRate(keyArgs: string[], n: number): number {
  const args = (i: number) => [
    'req',
    '-x509',
    '-newkey',
    ...keyArgs,
    '-nodes',
    '-keyout',
    join(dir, `k${i}.pem`),
    '-out',
    join(dir, `c${i}.pem`),
    '-subj',
    `/CN=lb${i}.bench.test`,
    '-days',
    '30',
    '-addext',
    `subjectAltName=DNS:lb${i}.bench.test`,
  ];
  execFileSync('openssl', args(0), { stdio: 'ignore' });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) execFileSync('openssl', args(i), { stdio: 'ignore' });
  return n / ((performance.now() - t0) / 1000);
}

async function checkTimes(): Promise<{ inProcessMs: number; cliWallMs: number }> {
  const ca = await createCa({ subject: 'CN=Bench Root', keyType: 'ec-p384', days: 3650, now: new Date() });
  const cred = await issueCredential({
    ca,
    keyType: 'ec-p256',
    hosts: ['lb.bench.test'],
    days: 30,
    now: new Date(),
  });
  await writeCredentialDir(join(dir, 'cred'), cred);
  const n = 200;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    checkCredential({
      key: cred.key,
      chain: cred.chain,
      root: cred.root,
      hosts: ['lb.bench.test'],
      validAt: new Date(),
    });
  }
  const inProcessMs = (performance.now() - t0) / n;
  const runs: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = performance.now();
    const r = spawnSync(
      process.execPath,
      [bin, 'cert', 'check', '--credential', join(dir, 'cred'), '--host', 'lb.bench.test'],
      { stdio: 'ignore' },
    );
    if (r.status !== 0) throw new Error('cert check failed in the benchmark');
    runs.push(performance.now() - s);
  }
  runs.sort((a, b) => a - b);
  return { inProcessMs, cliWallMs: runs[3]! };
}

const ecN = Number(process.env.BENCH_EC_N ?? 200);
const rsaN = Number(process.env.BENCH_RSA_N ?? 20);
const result = {
  ecP256: {
    rollover: await rolloverRate('ec-p256', ecN),
    openssl: opensslRate(['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], Math.min(ecN, 100)),
  },
  rsa2048: { rollover: await rolloverRate('rsa-2048', rsaN), openssl: opensslRate(['rsa:2048'], rsaN) },
  check: await checkTimes(),
};
rmSync(dir, { recursive: true, force: true });

const f = (x: number) => x.toFixed(1);
console.log('credentials issued per second (key generation + signing)');
console.log(
  `  EC P-256   rollover ${f(result.ecP256.rollover)}/s   openssl req -x509 ${f(result.ecP256.openssl)}/s   ratio ${(result.ecP256.rollover / result.ecP256.openssl).toFixed(2)}x`,
);
console.log(
  `  RSA-2048   rollover ${f(result.rsa2048.rollover)}/s   openssl req -x509 ${f(result.rsa2048.openssl)}/s   ratio ${(result.rsa2048.rollover / result.rsa2048.openssl).toFixed(2)}x`,
);
console.log(
  `cert check: ${result.check.inProcessMs.toFixed(2)} ms in-process, ${result.check.cliWallMs.toFixed(0)} ms wall for the CLI (median of 7, start included)`,
);
console.log(JSON.stringify(result));
