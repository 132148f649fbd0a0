/**
 * The outbox table as the coordinator uses it: notifications added in the caller's unit of work, and
 * the due ones read back for delivery with their bodies already parsed.
 */

/** What a notification's body refers to (messages are rendered at delivery from stored facts). */
export type Template =
  | { t: 'tenant-announcement'; renewalId: string; tenantId: string; sequence: number }
  | {
      t: 'sender-notice';
      renewalId: string;
      senderId: string;
      linkId: string;
      sequence: number;
      message?: string;
      reminder?: boolean;
    }
  | { t: 'safe-removal'; renewalId: string; senderId: string; linkId: string }
  | { t: 'escalation'; renewalId: string; subject: string; text: string }
  | { t: 'event'; event: Record<string, unknown> };

/** A notification to add (its body a template reference, JSON-serialisable). */
export interface NewNotification {
  channel: 'mail' | 'webhook' | 'inbox';
  recipient: string;
  subject: string;
  body: Template;
  /** `delivered` for the in-app inbox (written is delivered), else `pending`. */
  state: 'pending' | 'delivered';
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
  /** Unique: a second notification with the same key is skipped. */
  idempotencyKey: string;
  renewalId: string | null;
}

/** A notification waiting for delivery. */
export interface PendingNotification {
  id: string;
  channel: NewNotification['channel'];
  recipient: string;
  body: Template;
  attempts: number;
  /** The key the receiver recognises a redelivery by (the id for rows written without one). */
  idempotencyKey: string;
}

/** A notification in someone's in-app inbox. */
export interface InboxItem {
  id: string;
  subject: string;
  renewalId: string | null;
  createdAt: string;
}

/** Adding notifications, recording their delivery, and reading the in-app inbox. */
export interface Outbox {
  /** Adds every notification whose key is new, in as few statements as the database allows. */
  add(items: readonly NewNotification[]): Promise<void>;
  /** Pending notifications due at `now`, the longest waiting first (at most `limit`). */
  due(now: string, limit: number): Promise<PendingNotification[]>;
  /** Records a delivery. */
  delivered(id: string, attempts: number, at: string): Promise<void>;
  /** Records a failed attempt and when to try again. */
  failed(id: string, attempts: number, error: string, retryAt: string): Promise<void>;
  /** The in-app notifications of one recipient (a user id), newest first (at most `limit`). */
  inbox(recipient: string, limit: number): Promise<InboxItem[]>;
  /** How many notifications wait for delivery. */
  pendingCount(): Promise<number>;
}
