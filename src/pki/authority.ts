import { fail } from '../shared/errors.js';
import { type Cert, isCa, parseCertificate } from './certificate.js';
import {
  generateKeyPair,
  handleFromCryptoKey,
  type KeyType,
  keyMatchesCert,
  type PrivateKeyHandle,
  signingAlgorithm,
  signingKeyFrom,
} from './keys.js';
import { crypto, x509 } from './provider.js';
import { type RevocationUrls, revocationExtensions } from './revocation.js';

/** Backdating of notBefore, so that a node whose clock runs a little behind accepts a fresh certificate. */
export const BACKDATE_MS = 5 * 60_000;

/** A CA able to sign: its certificate and key, the intermediates above it, and the root it chains to. */
export interface CaMaterial {
  cert: Cert;
  key: PrivateKeyHandle;
  /** Issuing CAs above `cert`, up to but not including the root (empty for a root or first-level intermediate). */
  chain: Cert[];
  /** The self-signed root; equal to `cert` for a root CA. */
  root: Cert;
}

/** Parameters for {@link createCa}. */
export interface CreateCaParams {
  subject: string;
  keyType: KeyType;
  days: number;
  /** Issuance instant (the composition root passes the clock's now). */
  now: Date;
  /** Makes an intermediate CA signed by this CA instead of a self-signed root. */
  issuer?: CaMaterial;
  /** basicConstraints pathLenConstraint; default none for a root, 0 for an intermediate. */
  pathLength?: number;
  /** An intermediate's CRL distribution point and OCSP responder URLs (refused for a root). */
  revocation?: RevocationUrls;
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(days) || days <= 0)
    fail('BAD_ARGUMENT', `the validity in days must be a positive number, not ${days}`, { field: 'days' });
  return {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + days * 86_400_000),
  };
}

function checkSubject(subject: string): string {
  try {
    new x509.Name(subject);
  } catch (e) {
    fail(
      'BAD_ARGUMENT',
      `"${subject}" is not a distinguished name such as "CN=Example Root,O=Example": ${e}`,
    );
  }
  if (!/CN=/i.test(subject)) fail('BAD_ARGUMENT', `the subject "${subject}" needs a CN= part`);
  return subject;
}

/** Creates a root CA, or an intermediate CA when `issuer` is given. */
export async function createCa(p: CreateCaParams): Promise<CaMaterial> {
  const subject = checkSubject(p.subject);
  const keys = await generateKeyPair(p.keyType);
  const { notBefore, notAfter } = validity(p.now, p.days);
  const pathLength = p.pathLength ?? (p.issuer ? 0 : undefined);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
      true,
    ),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
  ];
  if ((p.revocation?.crlUrl || p.revocation?.ocspUrl) && !p.issuer) {
    fail(
      'BAD_ARGUMENT',
      'a root carries no CRL or OCSP URL (nobody checks a trust anchor): give them to intermediates (issued by this root) and leaves',
      { field: 'issuer' },
    );
  }
  extensions.push(...revocationExtensions(p.revocation));
  let raw: x509.X509Certificate;
  if (!p.issuer) {
    raw = await x509.X509CertificateGenerator.createSelfSigned(
      {
        name: subject,
        keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
        notBefore,
        notAfter,
        signingAlgorithm: signingAlgorithm(p.keyType),
        extensions,
      },
      crypto,
    );
  } else {
    const issuer = p.issuer;
    if (notAfter > issuer.cert.notAfter) {
      fail(
        'ROOT_EXPIRES_FIRST',
        `the intermediate would outlive its issuer (${issuer.cert.node.validTo}); make its validity shorter`,
        { field: 'days' },
      );
    }
    const signer = await signingKeyFrom(issuer.key);
    extensions.push(
      await x509.AuthorityKeyIdentifierExtension.create(issuer.cert.x.publicKey, false, crypto),
    );
    raw = await x509.X509CertificateGenerator.create(
      {
        subject,
        issuer: issuer.cert.x.subjectName,
        publicKey: keys.publicKey,
        signingKey: signer.key,
        notBefore,
        notAfter,
        signingAlgorithm: signingAlgorithm(signer.type),
        extensions,
      },
      crypto,
    );
  }
  const cert = parseCertificate(new Uint8Array(raw.rawData));
  const key = await handleFromCryptoKey(keys.privateKey);
  if (!p.issuer) return { cert, key, chain: [], root: cert };
  const parentChain = p.issuer.cert === p.issuer.root ? [] : [p.issuer.cert, ...p.issuer.chain];
  return { cert, key, chain: parentChain, root: p.issuer.root };
}

/** Checks that loaded CA material is usable for signing: a CA certificate whose key matches. */
export function assertCaUsable(ca: CaMaterial): void {
  if (!isCa(ca.cert))
    fail('NOT_A_CA', `${ca.cert.node.subject} is not a CA certificate (basicConstraints cA is not set)`);
  if (!keyMatchesCert(ca.key, ca.cert)) fail('KEY_MISMATCH', 'ca.key does not belong to ca.crt');
}
