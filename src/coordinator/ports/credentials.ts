/**
 * Server credentials and certificate authorities as stored: certificates in PEM, private keys sealed
 * under the master key by the store (the use cases hand a key over once and read it back only for an
 * authenticated node or an issuing CA; no domain value carries it).
 */

/** A CA certificate, with or without its key. */
export interface Ca {
  id: string;
  name: string;
  certificatePem: string;
  fingerprint: string;
  /** Whether the coordinator holds the CA's key (and can issue with it). */
  hasKey: boolean;
  notAfter: string;
  createdAt: string;
}

/** A server credential: chain and root (its key is sealed apart). */
export interface Credential {
  id: string;
  name: string;
  chainPem: string;
  rootPem: string;
  fingerprint: string;
  notAfter: string;
  createdAt: string;
}

/** Reading and adding CAs and credentials; a duplicate name is NAME_TAKEN. */
export interface CredentialRepo {
  /** Adds a CA; its key (PKCS#8 PEM), when given, is sealed by the store. */
  addCa(ca: Omit<Ca, 'id' | 'hasKey'> & { keyPem: string | undefined }): Promise<Ca>;
  ca(id: string): Promise<Ca | undefined>;
  /** Every CA, by id. */
  cas(): Promise<Ca[]>;
  /** Adds a credential; its key (PKCS#8 PEM) is sealed by the store. */
  addCredential(c: Omit<Credential, 'id'> & { keyPem: string }): Promise<Credential>;
  credential(id: string): Promise<Credential | undefined>;
  /** Every credential, by id. */
  credentials(): Promise<Credential[]>;
  /** A CA's private key, unsealed (PKCS#8 PEM); only to issue with it. */
  caKeyPem(id: string): Promise<string | undefined>;
  /** A credential's private key, unsealed (PKCS#8 PEM); only for the node that is to serve it. */
  credentialKeyPem(id: string): Promise<string | undefined>;
}
