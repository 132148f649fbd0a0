/**
 * OCSP test helpers: a real responder (`openssl ocsp -port`, stopped when the test file ends), its
 * index file, a delegated responder certificate minted with openssl (with or without the
 * OCSP-signing extended key usage), and the two clients that ask for a staple (`openssl s_client
 * -status`, Node's `requestOCSP`).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { type ConnectionOptions, connect } from 'node:tls';
import { openssl } from './openssl.js';

/** A certificate and its unencrypted key, as files. */
export interface SignerFiles {
  crt: string;
  key: string;
}

/** The serial (hex) of a PEM certificate file's first certificate. */
export const serialOf = (file: string): string =>
  openssl(['x509', '-in', file, '-noout', '-serial']).trim().split('=')[1]!;

/** Writes an `openssl ca` index naming `valid` serials good and `revoked` ones revoked. */
export function writeIndex(file: string, valid: string[], revoked: string[] = []): string {
  const line = (s: string, r: boolean) =>
    `${r ? 'R' : 'V'}\t361231235959Z\t${r ? '250101000000Z' : ''}\t${s}\tunknown\t/CN=lb.test\n`;
  writeFileSync(file, [...valid.map((s) => line(s, false)), ...revoked.map((s) => line(s, true))].join(''));
  // Several test leaves share a subject name.
  writeFileSync(`${file}.attr`, 'unique_subject = no\n');
  return file;
}

/**
 * A delegated OCSP responder certificate issued by `ca` (a CA directory written with --no-encrypt),
 * EC P-256, with the OCSP-signing extended key usage unless `eku` is false (then serverAuth only).
 */
export function responderCert(ca: string, dir: string, name: string, eku = true): SignerFiles {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const crt = join(dir, `${name}.crt`);
  const ext = join(dir, `${name}.ext`);
  openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-subj',
    `/CN=${name}`,
    '-out',
    csr,
  ]);
  writeFileSync(
    ext,
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' +
      `extendedKeyUsage=${eku ? 'OCSPSigning' : 'serverAuth'}\n`,
  );
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(ca, 'ca.crt'),
    '-CAkey',
    join(ca, 'ca.key'),
    '-days',
    '30',
    '-extfile',
    ext,
    '-out',
    crt,
  ]);
  return { crt, key };
}

/** The CA directory's own certificate and key as a responder signer. */
export const caSigner = (ca: string): SignerFiles => ({ crt: join(ca, 'ca.crt'), key: join(ca, 'ca.key') });

/**
 * `openssl ocsp` answering on `port` for certificates issued by `ca` (a CA directory),
 * signing with `signer`, responses valid 10 minutes; resolves once it listens, killed
 * when the test file ends.
 */
export async function startResponder(
  port: number,
  ca: string,
  signer: SignerFiles,
  index: string,
): Promise<ChildProcess> {
  const p = spawn(
    'openssl',
    [
      'ocsp',
      '-index',
      index,
      '-port',
      String(port),
      '-rsigner',
      signer.crt,
      '-rkey',
      signer.key,
      '-CA',
      join(ca, 'ca.crt'),
      '-nmin',
      '10',
      '-ignore_err',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  after(() => p.kill());
  // Ready once it says it listens (a probe connection would block this single-threaded responder).
  let said = '';
  const listening = new Promise<void>((resolve, reject) => {
    const read = (d: Buffer) => {
      said += d.toString();
      if (/ACCEPT|waiting for OCSP client connections/.test(said)) resolve();
    };
    p.stdout?.on('data', read);
    p.stderr?.on('data', read);
    p.once('exit', (code) => reject(new Error(`openssl ocsp exited (${code}): ${said}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`openssl ocsp did not listen on ${port}: ${said}`)), 10_000);
  });
  await Promise.race([listening, timeout]).finally(() => clearTimeout(timer));
  return p;
}

/** `openssl s_client -status` output for one handshake (asynchronous: a node may run in this process). */
export function sClientStatus(port: number): Promise<string> {
  return new Promise((resolve) => {
    const p = execFile(
      'openssl',
      ['s_client', '-status', '-connect', `127.0.0.1:${port}`, '-servername', 'lb.test'],
      { timeout: 10_000 },
      (_err, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
    );
    p.stdin?.end();
  });
}

/** Whether a Node client asking for a status gets a handshake, and which OCSP response (null: none). */
export function nodeStatus(port: number): Promise<{ ok: boolean; ocsp: Buffer | null }> {
  return new Promise((resolve) => {
    let ocsp: Buffer | null = null;
    const s = connect({
      host: '127.0.0.1',
      port,
      servername: 'lb.test',
      rejectUnauthorized: false,
      requestOCSP: true,
    } as ConnectionOptions);
    s.on('OCSPResponse', (r: Buffer) => {
      ocsp = r;
    });
    s.once('secureConnect', () => {
      s.end();
      resolve({ ok: true, ocsp });
    });
    s.once('error', () => resolve({ ok: false, ocsp }));
  });
}

/** Polls `s_client -status` until a staple arrives (the first handshakes may have none); the last output. */
export async function waitForStaple(port: number, tries = 50): Promise<string> {
  let out = '';
  for (let i = 0; i < tries; i++) {
    out = await sClientStatus(port);
    if (/OCSP Response Status: successful/.test(out)) return out;
    await new Promise((r) => setTimeout(r, 200));
  }
  return out;
}
