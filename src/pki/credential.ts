import type { CaMaterial } from './authority.js';
import type { Cert } from './certificate.js';
import { chainAfterLeaf, issueServerCertificate } from './issue.js';
import { generateKeyPair, handleFromCryptoKey, type KeyType, type PrivateKeyHandle } from './keys.js';
import type { RevocationUrls } from './revocation.js';

/** A server credential in memory: key, leaf-first chain (tls.crt), and the root it chains to (ca.crt). */
export interface Credential {
  key: PrivateKeyHandle;
  /** The leaf, then intermediates, as served in the TLS handshake. */
  chain: Cert[];
  root: Cert;
}

/** Parameters for {@link issueCredential}. */
export interface IssueCredentialParams {
  ca: CaMaterial;
  keyType: KeyType;
  hosts: string[];
  ips?: string[];
  days: number;
  now: Date;
  /** CRL distribution point and OCSP responder URLs for the leaf. */
  revocation?: RevocationUrls;
}

/** Generates a key and issues a server credential for it under `ca`. */
export async function issueCredential(p: IssueCredentialParams): Promise<Credential> {
  const keys = await generateKeyPair(p.keyType);
  const leaf = await issueServerCertificate({
    ca: p.ca,
    publicKey: keys.publicKey,
    keyType: p.keyType,
    hosts: p.hosts,
    ips: p.ips ?? [],
    days: p.days,
    now: p.now,
    ...(p.revocation ? { revocation: p.revocation } : {}),
  });
  return {
    key: await handleFromCryptoKey(keys.privateKey),
    chain: [leaf, ...chainAfterLeaf(p.ca)],
    root: p.ca.root,
  };
}
