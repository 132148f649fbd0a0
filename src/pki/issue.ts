import { fail } from '../shared/errors.js';
import { ipVersion } from '../shared/ip.js';
import { BACKDATE_MS, type CaMaterial } from './authority.js';
import { type Cert, parseCertificate, SERVER_AUTH } from './certificate.js';
import { type KeyType, signingAlgorithm, signingKeyFrom } from './keys.js';
import { crypto, x509 } from './provider.js';
import { type RevocationUrls, revocationExtensions } from './revocation.js';

/** Parameters for {@link issueServerCertificate}. */
export interface IssueParams {
  ca: CaMaterial;
  /** The server's public key (WebCrypto), from a fresh key pair or a CSR. */
  publicKey: CryptoKey;
  /** The key type of `publicKey`, which decides the key usage. */
  keyType: KeyType;
  /** DNS names (the first becomes the subject CN). */
  hosts: string[];
  /** IP addresses, for senders that connect by address. */
  ips?: string[];
  days: number;
  now: Date;
  /** Where relying parties find revocation: a CRL distribution point and an OCSP responder (AIA). */
  revocation?: RevocationUrls;
}

/** Validates a DNS name as a SAN (wildcards only as the whole left-most label). */
export function assertHostName(host: string): string {
  const h = host.trim().toLowerCase();
  const label = /^(\*|[a-z0-9_]([a-z0-9-_]{0,61}[a-z0-9_])?)$/;
  const labels = h.split('.');
  const ok =
    h.length > 0 &&
    h.length <= 253 &&
    labels.every((l, i) => (l === '*' ? i === 0 && labels.length > 2 : label.test(l) && l !== '*'));
  if (!ok) fail('BAD_ARGUMENT', `"${host}" is not a DNS host name (wildcards only as "*.example.com")`);
  return h;
}

/** Validates an IP address SAN. */
export function assertIp(ip: string): string {
  if (ipVersion(ip.trim()) === 0) fail('BAD_ARGUMENT', `"${ip}" is not an IPv4 or IPv6 address`);
  return ip.trim();
}

/**
 * Issues a TLS server certificate: serverAuth EKU, DNS and IP SANs, SKI/AKI, a key usage right for
 * the key type (ECDSA: digitalSignature; RSA: digitalSignature + keyEncipherment), cA=FALSE, and
 * a validity that never outlives the issuing CA.
 */
export async function issueServerCertificate(p: IssueParams): Promise<Cert> {
  const hosts = p.hosts.map(assertHostName);
  const ips = (p.ips ?? []).map(assertIp);
  if (hosts.length + ips.length === 0)
    fail('BAD_ARGUMENT', 'a server certificate needs at least one host name or IP address', {
      field: 'hosts',
    });
  if (!Number.isFinite(p.days) || p.days <= 0)
    fail('BAD_ARGUMENT', `the validity in days must be a positive number, not ${p.days}`, { field: 'days' });
  const notBefore = new Date(p.now.getTime() - BACKDATE_MS);
  const notAfter = new Date(p.now.getTime() + p.days * 86_400_000);
  if (notAfter > p.ca.cert.notAfter) {
    fail(
      'ROOT_EXPIRES_FIRST',
      `the certificate would end after its CA does (${p.ca.cert.notAfter.toISOString()}); make its validity shorter`,
      { field: 'days' },
    );
  }
  const signer = await signingKeyFrom(p.ca.key);
  const usage = p.keyType.startsWith('rsa')
    ? x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment
    : x509.KeyUsageFlags.digitalSignature;
  const names: x509.JsonGeneralName[] = [
    ...hosts.map((value) => ({ type: 'dns' as const, value })),
    ...ips.map((value) => ({ type: 'ip' as const, value })),
  ];
  const raw = await x509.X509CertificateGenerator.create(
    {
      subject: `CN=${hosts[0] ?? ips[0]}`,
      issuer: p.ca.cert.x.subjectName,
      publicKey: p.publicKey,
      signingKey: signer.key,
      notBefore,
      notAfter,
      signingAlgorithm: signingAlgorithm(signer.type),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(usage, true),
        new x509.ExtendedKeyUsageExtension([SERVER_AUTH], false),
        new x509.SubjectAlternativeNameExtension(names, false),
        await x509.SubjectKeyIdentifierExtension.create(p.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(p.ca.cert.x.publicKey, false, crypto),
        ...revocationExtensions(p.revocation),
      ],
    },
    crypto,
  );
  return parseCertificate(new Uint8Array(raw.rawData));
}

/** The chain a credential's tls.crt holds after the leaf: the issuing CA when it is an intermediate, and its chain. */
export function chainAfterLeaf(ca: CaMaterial): Cert[] {
  return ca.cert === ca.root || ca.cert.sha256 === ca.root.sha256 ? [] : [ca.cert, ...ca.chain];
}
