/** Notifications in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { InboxItem, NewNotification, Outbox, PendingNotification } from '../outbox.js';

/** A notification row in {@link FakeOutbox}. */
export interface FakeNotification extends NewNotification {
  id: string;
  attempts: number;
  lastError: string | null;
}

/** Notifications in an array. */
export class FakeOutbox implements Outbox {
  rows: FakeNotification[] = [];
  private next = 0;

  async add(items: readonly NewNotification[]) {
    for (const i of items)
      if (!this.rows.some((r) => r.idempotencyKey === i.idempotencyKey))
        this.rows.push({ ...structuredClone(i), id: `ntf_${++this.next}`, attempts: 0, lastError: null });
  }
  async due(now: string, limit: number): Promise<PendingNotification[]> {
    return this.rows
      .filter((r) => r.state === 'pending' && r.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt) || a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((r) => ({
        id: r.id,
        channel: r.channel,
        recipient: r.recipient,
        body: structuredClone(r.body),
        attempts: r.attempts,
        idempotencyKey: r.idempotencyKey,
      }));
  }
  async delivered(id: string, attempts: number, at: string) {
    const r = this.rows.find((x) => x.id === id);
    if (r) Object.assign(r, { state: 'delivered', attempts, deliveredAt: at, lastError: null });
  }
  async failed(id: string, attempts: number, error: string, retryAt: string) {
    const r = this.rows.find((x) => x.id === id);
    if (r) Object.assign(r, { attempts, nextAttemptAt: retryAt, lastError: error });
  }
  async inbox(recipient: string, limit: number): Promise<InboxItem[]> {
    return this.rows
      .filter((r) => r.channel === 'inbox' && r.recipient === recipient)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, limit)
      .map((r) => ({ id: r.id, subject: r.subject, renewalId: r.renewalId, createdAt: r.createdAt }));
  }
  async pendingCount() {
    return this.rows.filter((r) => r.state === 'pending').length;
  }
}
