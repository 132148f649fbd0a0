/**
 * `npm run bench:truststore`: wall time of the real CLI (`node bin/rollover.js`, process start
 * included) for `truststore add` on a 150-anchor PEM bundle and a 150-anchor PKCS#12, and for
 * `sender verify` against a local TLS server; `keytool -importcert` on the same PKCS#12 as a peer.
 * Budgets (issue 4): add ≤ 300 ms, verify ≤ 500 ms. Prints a table and a JSON line.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createCa } from '../src/pki/authority.js';
import { issueCredential } from '../src/pki/credential.js';
import { encodeCertificatesPem, encodePem } from '../src/pki/formats/pem.js';
import { encodePkcs12Truststore } from '../src/pki/formats/pkcs12.js';
import { privateKeyToPem } from '../src/pki/keys.js';

const exec = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-ts-'));
const bin = join(import.meta.dirname, '..', '..', 'bin', 'rollover.js');
const RUNS = Number(process.env.RUNS ?? 9);
const PW = 'changeit';

async function wall(cmd: string, args: string[], prepare?: () => void): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    prepare?.();
    const t0 = performance.now();
    await exec(cmd, args);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
const fmt = (xs: number[]) =>
  `${median(xs).toFixed(0)} ms (min ${xs[0]!.toFixed(0)}, max ${xs.at(-1)!.toFixed(0)})`;

const now = new Date();
const roots = [];
for (let i = 0; i < 151; i++) {
  roots.push(
    await createCa({ subject: `CN=Bench Root ${i},O=rollover bench`, keyType: 'ec-p256', days: 3650, now }),
  );
}
const [fresh, ...anchors] = roots;
writeFileSync(join(dir, 'new-root.pem'), encodePem('CERTIFICATE', fresh!.cert.der));
writeFileSync(join(dir, 'bundle-150.pem'), encodeCertificatesPem(anchors.map((a) => a.cert.der)));
writeFileSync(
  join(dir, 'store-150.p12'),
  await encodePkcs12Truststore(
    anchors.map((a, i) => ({ alias: `root-${i}`, cert: a.cert.der })),
    PW,
  ),
);
writeFileSync(
  join(dir, 'verify.pem'),
  encodeCertificatesPem([...anchors.slice(0, 149), fresh!].map((a) => a.cert.der)),
);

const cred = await issueCredential({
  ca: fresh!,
  keyType: 'ec-p256',
  hosts: ['lb.bench.test'],
  ips: ['127.0.0.1'],
  days: 30,
  now,
});
const server = https.createServer(
  { key: privateKeyToPem(cred.key.keyObject), cert: encodeCertificatesPem(cred.chain.map((c) => c.der)) },
  (_q, r) => r.end('ok'),
);
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

const work = (name: string) => join(dir, `work-${name}`);
const reset = (name: string) => () => {
  rmSync(work(name), { force: true });
  copyFileSync(join(dir, name), work(name));
};

const nodeStart = await wall('node', ['-e', '0']);
const fullHelp = await wall('node', [bin, '--version']);
const addPem = await wall(
  'node',
  [bin, 'truststore', 'add', work('bundle-150.pem'), join(dir, 'new-root.pem')],
  reset('bundle-150.pem'),
);
const addP12 = await wall(
  'node',
  [bin, 'truststore', 'add', work('store-150.p12'), join(dir, 'new-root.pem'), '--password', PW],
  reset('store-150.p12'),
);
const verify = await wall('node', [
  bin,
  'sender',
  'verify',
  '--truststore',
  join(dir, 'verify.pem'),
  '--url',
  url,
]);
const savedRuns = RUNS;
const keytool = await (async () => {
  const out: number[] = [];
  for (let i = 0; i < Math.min(3, savedRuns); i++) {
    reset('store-150.p12')();
    const t0 = performance.now();
    await exec('keytool', [
      '-importcert',
      '-noprompt',
      '-alias',
      'new-root',
      '-file',
      join(dir, 'new-root.pem'),
      '-keystore',
      work('store-150.p12'),
      '-storetype',
      'PKCS12',
      '-storepass',
      PW,
    ]);
    out.push(performance.now() - t0);
  }
  return out.sort((a, b) => a - b);
})();

server.close();
rmSync(dir, { recursive: true, force: true });

const rows: Array<[string, number[], number | undefined]> = [
  ['node -e 0 (process start alone)', nodeStart, undefined],
  ['rollover --version (whole CLI loaded)', fullHelp, undefined],
  ['truststore add, 150-anchor PEM bundle', addPem, 300],
  ['truststore add, 150-anchor PKCS#12', addP12, 300],
  ['sender verify (150 anchors, local TLS server)', verify, 500],
  ['peer: keytool -importcert, same PKCS#12', keytool, undefined],
];
console.log(`| measured ${now.toISOString().slice(0, 10)}, ${RUNS} runs, median | wall time | budget |`);
console.log('|---|---|---|');
for (const [name, xs, budget] of rows) {
  console.log(
    `| ${name} | ${fmt(xs)} | ${budget ? `≤ ${budget} ms: ${median(xs) <= budget ? 'met' : 'MISSED'}` : ''} |`,
  );
}
console.log(JSON.stringify(Object.fromEntries(rows.map(([n, xs]) => [n, Math.round(median(xs))]))));
