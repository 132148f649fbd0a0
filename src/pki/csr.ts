import { fail } from '../shared/errors.js';
import { decodePem, encodePem, looksLikePem } from './formats/pem.js';
import { assertHostName, assertIp } from './issue.js';
import type { KeyPair } from './keys.js';
import { signingAlgorithm } from './keys.js';
import { crypto, x509 } from './provider.js';

/** Creates a PKCS#10 CSR for a server key, with the host names and addresses as SAN. Returns PEM. */
export async function createCsr(keys: KeyPair, hosts: string[], ips: string[] = []): Promise<string> {
  const dns = hosts.map(assertHostName);
  const ip = ips.map(assertIp);
  if (dns.length + ip.length === 0)
    fail('BAD_ARGUMENT', 'a CSR needs at least one host name or IP address', { field: 'hosts' });
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: `CN=${dns[0] ?? ip[0]}`,
      keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
      signingAlgorithm: signingAlgorithm(keys.type),
      extensions: [
        new x509.SubjectAlternativeNameExtension([
          ...dns.map((value) => ({ type: 'dns' as const, value })),
          ...ip.map((value) => ({ type: 'ip' as const, value })),
        ]),
        new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1']),
      ],
    },
    crypto,
  );
  return encodePem('CERTIFICATE REQUEST', new Uint8Array(csr.rawData));
}

/** Parses a CSR (PEM or DER) and verifies its self-signature. */
export async function readCsr(data: Uint8Array | string): Promise<x509.Pkcs10CertificateRequest> {
  let der: Uint8Array;
  if (looksLikePem(data)) {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    const block = decodePem(text).find(
      (b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST',
    );
    if (!block) fail('BAD_CSR', 'the PEM text holds no CERTIFICATE REQUEST block');
    der = block.der;
  } else {
    der = typeof data === 'string' ? new Uint8Array(Buffer.from(data, 'latin1')) : data;
  }
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(der as BufferSource);
  } catch (e) {
    return fail('BAD_CSR', `the CSR could not be parsed: ${(e as Error).message}`);
  }
  if (!(await csr.verify(crypto))) fail('BAD_CSR', 'the CSR signature does not verify');
  return csr;
}
