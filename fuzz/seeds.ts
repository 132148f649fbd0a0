/**
 * Material the fuzz targets start from, minted at run time: certificates under a fresh root, a
 * server credential (its key never leaves memory), and the stores built from them. The corpus kept in
 * the repository holds only certificate-bearing seeds; key-bearing ones come from here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CaMaterial, createCa } from '../src/pki/authority.js';
import { type Credential, issueCredential } from '../src/pki/credential.js';
import { encodeCertificatesPem } from '../src/pki/formats/pem.js';
import { privateKeyToPem } from '../src/pki/keys.js';

/** Certificates and a credential for seeds. */
export interface SeedMaterial {
  rootEc: CaMaterial;
  rootRsa: CaMaterial;
  cred: Credential;
  /** PKCS#8 DER of the credential's key. */
  pkcs8: Uint8Array;
}

let cached: Promise<SeedMaterial> | undefined;

/** Mints the seed material once per process. */
export function seedMaterial(): Promise<SeedMaterial> {
  cached ??= (async () => {
    const now = new Date();
    const rootEc = await createCa({
      subject: 'CN=Fuzz EC Root,O=rollover fuzz',
      keyType: 'ec-p256',
      days: 365,
      now,
    });
    const rootRsa = await createCa({
      subject: 'CN=Fuzz RSA Root,O=rollover fuzz',
      keyType: 'rsa-2048',
      days: 365,
      now,
    });
    const cred = await issueCredential({
      ca: rootEc,
      keyType: 'ec-p256',
      hosts: ['fuzz.test'],
      ips: ['127.0.0.1'],
      days: 30,
      now,
    });
    const pkcs8 = new Uint8Array(cred.key.keyObject.export({ type: 'pkcs8', format: 'der' }));
    return { rootEc, rootRsa, cred, pkcs8 };
  })();
  return cached;
}

/**
 * PKCS#12 files OpenSSL writes: modern (PBES2/AES) and legacy (RC2/3DES) schemes, with iteration
 * counts of 1 so mutated inputs reach the deep structure quickly, with and without a key.
 */
export async function opensslPkcs12Seeds(password: string): Promise<Uint8Array[]> {
  const m = await seedMaterial();
  const dir = mkdtempSync(join(tmpdir(), 'rollover-fuzz-p12-'));
  try {
    const crt = join(dir, 'crt.pem');
    const key = join(dir, 'key.pem');
    const ca = join(dir, 'ca.pem');
    writeFileSync(crt, encodeCertificatesPem(m.cred.chain.map((c) => c.der)));
    writeFileSync(key, privateKeyToPem(m.cred.key.keyObject), { mode: 0o600 });
    writeFileSync(ca, encodeCertificatesPem([m.rootEc.cert.der, m.rootRsa.cert.der]));
    const out: Uint8Array[] = [];
    const variants: string[][] = [
      ['-in', crt, '-inkey', key],
      ['-in', crt, '-inkey', key, '-legacy'],
      ['-in', ca, '-nokeys'],
      ['-in', ca, '-nokeys', '-legacy'],
      ['-in', crt, '-inkey', key, '-keypbe', 'NONE', '-certpbe', 'NONE'],
    ];
    for (const [i, v] of variants.entries()) {
      const file = join(dir, `${i}.p12`);
      try {
        execFileSync(
          'openssl',
          ['pkcs12', '-export', ...v, '-out', file, '-passout', `pass:${password}`, '-noiter', '-nomaciter'],
          { stdio: 'ignore' },
        );
        out.push(new Uint8Array(readFileSync(file)));
      } catch {
        // An OpenSSL without the legacy provider: that variant is skipped.
      }
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
