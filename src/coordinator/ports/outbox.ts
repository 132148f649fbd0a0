/** The outbox table as the coordinator writes it: notifications added in the caller's unit of work. */

/** A notification to add (its body a template reference, JSON-serialisable). */
export interface NewNotification {
  channel: 'mail' | 'webhook' | 'inbox';
  recipient: string;
  subject: string;
  body: unknown;
  /** `delivered` for the in-app inbox (written is delivered), else `pending`. */
  state: 'pending' | 'delivered';
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
  /** Unique: a second notification with the same key is skipped. */
  idempotencyKey: string;
  renewalId: string | null;
}

/** Adding notifications. */
export interface Outbox {
  /** Adds every notification whose key is new, in as few statements as the database allows. */
  add(items: readonly NewNotification[]): Promise<void>;
}
