/** Personal sender links as stored (only a hash of the token is kept). */

/** One link. */
export interface SenderLink {
  id: string;
  renewalId: string;
  senderId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** A link to add, with the hash of its token. */
export interface NewSenderLink extends Omit<SenderLink, 'revokedAt'> {
  tokenHash: string;
}

/** The link table. */
export interface SenderLinks {
  /** A link by id, or undefined. */
  get(id: string): Promise<SenderLink | undefined>;
  /** The id of a sender's unrevoked link for a renewal, or undefined. */
  current(renewalId: string, senderId: string): Promise<string | undefined>;
  /** Revokes the unrevoked links of these senders for a renewal. */
  revoke(renewalId: string, senderIds: readonly string[], at: string): Promise<void>;
  /** Adds links, in as few statements as the database allows. */
  add(links: readonly NewSenderLink[]): Promise<void>;
}
