import { fail } from '../shared/errors.js';
import { BACKDATE_MS, type CaMaterial } from './authority.js';
import { type Cert, isCa, isSelfSigned, parseCertificate } from './certificate.js';
import { signingAlgorithm, signingKeyFrom } from './keys.js';
import { crypto, x509 } from './provider.js';

/** Parameters for {@link crossSignRoot}. */
export interface CrossSignParams {
  /** The root that signs the bridge (its key unlocked). */
  issuer: CaMaterial;
  /** The root whose subject, public key and subject key identifier the bridge carries. */
  subject: Cert;
  /** Validity in days; default: until the earlier of the two roots' expiry. */
  days?: number;
  now: Date;
}

function assertRoot(cert: Cert, role: string): void {
  if (!isCa(cert) || !isSelfSigned(cert))
    fail(
      'NOT_A_ROOT',
      `the ${role} (${cert.node.subject}) is not a self-signed root CA; give a root's CA directory`,
    );
}

/** The key identifier a certificate declares for its own key, or one computed from the key when absent. */
async function keyIdOf(cert: Cert): Promise<string> {
  const ski = cert.x.getExtension(x509.SubjectKeyIdentifierExtension);
  return (
    ski?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(cert.x.publicKey, false, crypto)).keyId
  );
}

/**
 * Issues a bridge: the subject root's name, key and subject key identifier in a CA certificate issued
 * by another root, so a client trusting either root validates a chain that ends in it. Never outlives
 * either root: a bridge past the issuer's expiry is useless and past the subject's it is misleading.
 */
export async function crossSignRoot(p: CrossSignParams): Promise<Cert> {
  const issuer = p.issuer.cert;
  assertRoot(issuer, 'issuing CA');
  assertRoot(p.subject, 'subject CA');
  if (p.issuer.cert.sha256 !== p.issuer.root.sha256) assertRoot(p.issuer.root, 'issuing CA');
  if (
    Buffer.from(issuer.node.publicKey.export({ type: 'spki', format: 'der' })).equals(
      Buffer.from(p.subject.node.publicKey.export({ type: 'spki', format: 'der' })),
    )
  )
    fail(
      'ROOTS_SHARE_KEY',
      'the two roots have the same public key: a bridge between them would change nothing',
    );
  if (
    Buffer.from(issuer.x.subjectName.toArrayBuffer()).equals(
      Buffer.from(p.subject.x.subjectName.toArrayBuffer()),
    )
  )
    fail(
      'ROOTS_SHARE_SUBJECT',
      `both roots are named "${issuer.node.subject}": clients could not tell the bridge from the issuer; give the new root its own name`,
    );
  const limit = new Date(Math.min(issuer.notAfter.getTime(), p.subject.notAfter.getTime()));
  if (p.days !== undefined && (!Number.isFinite(p.days) || p.days <= 0))
    fail('BAD_ARGUMENT', `the validity in days must be a positive number, not ${p.days}`, { field: 'days' });
  const notAfter = p.days === undefined ? limit : new Date(p.now.getTime() + p.days * 86_400_000);
  if (notAfter > limit)
    fail(
      'ROOT_EXPIRES_FIRST',
      `the bridge would end after a root does (${limit.toISOString()}); make the bridge's validity shorter or leave it to the roots`,
      { field: 'days' },
    );
  const notBefore = new Date(p.now.getTime() - BACKDATE_MS);
  if (notAfter <= notBefore) fail('EXPIRED', `a root has already expired (${limit.toISOString()})`);
  const pathLength = p.subject.x.getExtension(x509.BasicConstraintsExtension)?.pathLength;
  const signer = await signingKeyFrom(p.issuer.key);
  const raw = await x509.X509CertificateGenerator.create(
    {
      subject: p.subject.x.subjectName,
      issuer: issuer.x.subjectName,
      publicKey: p.subject.x.publicKey,
      signingKey: signer.key,
      notBefore,
      notAfter,
      signingAlgorithm: signingAlgorithm(signer.type),
      extensions: [
        new x509.BasicConstraintsExtension(true, pathLength, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        new x509.SubjectKeyIdentifierExtension(await keyIdOf(p.subject), false),
        new x509.AuthorityKeyIdentifierExtension(await keyIdOf(issuer), false),
      ],
    },
    crypto,
  );
  return parseCertificate(new Uint8Array(raw.rawData));
}

/** True when `cert` stands for `root`: a CA certificate with its subject and key, issued by another root. */
export function standsFor(cert: Cert, root: Cert): boolean {
  const spki = (c: Cert) => c.node.publicKey.export({ type: 'spki', format: 'der' });
  const sameName = Buffer.from(cert.x.subjectName.toArrayBuffer()).equals(
    Buffer.from(root.x.subjectName.toArrayBuffer()),
  );
  return isCa(cert) && !isSelfSigned(cert) && sameName && spki(cert).equals(spki(root));
}

/** The bridge a served chain ends with for `root`, if any (the last certificate, standing for the root). */
export function bridgeIn(chain: Cert[], root: Cert): Cert | undefined {
  const last = chain.length > 1 ? chain[chain.length - 1] : undefined;
  return last && standsFor(last, root) ? last : undefined;
}

/** Checks that `bridge` stands for `root` (same subject and key, issued by another root) and is valid at `now`. */
export function assertBridgeFor(bridge: Cert, root: Cert, now: Date): void {
  if (!standsFor(bridge, root))
    fail(
      'BRIDGE_MISMATCH',
      `the bridge (${bridge.node.subject}, issued by ${bridge.node.issuer}) does not carry the credential's root "${root.node.subject}" and its key; cross-sign that root (as the subject CA) to make its bridge`,
      { field: 'subjectCa' },
    );
  if (bridge.notAfter <= now) fail('EXPIRED', `the bridge expired at ${bridge.notAfter.toISOString()}`);
  if (bridge.notBefore > now)
    fail('NOT_YET_VALID', `the bridge is valid from ${bridge.notBefore.toISOString()}`);
}
