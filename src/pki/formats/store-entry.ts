/** The entry model shared by the keystore codecs (JKS, PKCS#12): what a truststore tool lists and edits. */

/** A certificate the store's owner trusts as an anchor (keytool's `trustedCertEntry`). */
export interface TrustedCertEntry {
  kind: 'trusted-cert';
  /** The entry's name; JKS aliases are lower case. */
  alias: string;
  /** The certificate, DER, byte for byte as stored. */
  cert: Uint8Array;
  /** JKS keeps a creation date per entry; PKCS#12 has none. */
  date?: Date;
}

/** The kinds of entry a store can hold. */
export type StoreEntryKind = 'trusted-cert' | 'private-key';
