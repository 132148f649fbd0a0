/**
 * `npm run bench:keystores`: how long the keystore codecs take (PKCS#12 and JKS encode/decode, the
 * whole sender kit), next to keytool and `openssl pkcs12 -export` writing the same truststore in the
 * same run. Prints a table and a JSON line for docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createCa } from '../src/pki/authority.js';
import { issueCredential } from '../src/pki/credential.js';
import {
  decodeJks,
  decodePkcs12,
  encodeCertificatesPem,
  encodeJksTruststore,
  encodePkcs12Keystore,
  encodePkcs12Truststore,
} from '../src/pki/formats/index.js';
import { buildKit } from '../src/pki/kit.js';

const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-ks-'));

async function median(fn: () => unknown, n: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}

const now = new Date();
const root = await createCa({ subject: 'CN=Bench Root', keyType: 'ec-p256', days: 3650, now });
const old = await createCa({ subject: 'CN=Bench Old Root', keyType: 'ec-p256', days: 3650, now });
const cred = await issueCredential({ ca: root, keyType: 'ec-p256', hosts: ['b.test'], days: 30, now });
const roots = [
  { alias: 'new', cert: root.root.der },
  { alias: 'old', cert: old.root.der },
];
const p12 = await encodePkcs12Truststore(roots, 'changeit');
const jks = encodeJksTruststore(roots, 'changeit', now);
const keystore = await encodePkcs12Keystore(cred.key.pkcs8, [cred.chain[0]!.der, root.root.der], 'pw', 'b');
writeFileSync(join(dir, 'root.pem'), encodeCertificatesPem([root.root.der]));

const rows: Array<[string, number]> = [
  ['PKCS#12 truststore, 2 roots: encode', await median(() => encodePkcs12Truststore(roots, 'changeit'), 15)],
  ['PKCS#12 truststore, 2 roots: decode', await median(() => decodePkcs12(p12, 'changeit'), 15)],
  [
    'PKCS#12 keystore (EC key + 2 certs): encode',
    await median(
      () => encodePkcs12Keystore(cred.key.pkcs8, [cred.chain[0]!.der, root.root.der], 'pw', 'b'),
      15,
    ),
  ],
  ['PKCS#12 keystore: decode', await median(() => decodePkcs12(keystore, 'pw'), 15)],
  ['JKS truststore, 2 roots: encode', await median(() => encodeJksTruststore(roots, 'changeit', now), 200)],
  ['JKS truststore, 2 roots: decode', await median(() => decodeJks(jks, 'changeit'), 200)],
  [
    'whole sender kit (7 files, in memory)',
    await median(() => buildKit({ root: root.root, oldRoot: old.root, password: 'changeit', now }), 15),
  ],
];
let i = 0;
const peer = (cmd: string, args: () => string[]) =>
  median(() => execFileSync(cmd, args(), { stdio: 'ignore' }), 5);
rows.push([
  'keytool -importcert -storetype PKCS12 (1 root, process)',
  await peer('keytool', () => [
    '-importcert',
    '-noprompt',
    '-storetype',
    'PKCS12',
    '-keystore',
    join(dir, `k${i++}.p12`),
    '-storepass',
    'changeit',
    '-alias',
    'r',
    '-file',
    join(dir, 'root.pem'),
  ]),
]);
rows.push([
  'openssl pkcs12 -export -nokeys (1 root, process)',
  await peer('openssl', () => [
    'pkcs12',
    '-export',
    '-nokeys',
    '-in',
    join(dir, 'root.pem'),
    '-passout',
    'pass:changeit',
    '-out',
    join(dir, `o${i++}.p12`),
  ]),
]);
rmSync(dir, { recursive: true, force: true });

const width = Math.max(...rows.map(([n]) => n.length));
for (const [name, ms] of rows) console.log(`${name.padEnd(width)}  ${ms.toFixed(2).padStart(8)} ms`);
console.log(JSON.stringify(Object.fromEntries(rows.map(([n, ms]) => [n, Number(ms.toFixed(2))]))));
