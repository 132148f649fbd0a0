/** Sender links in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { NewSenderLink, SenderLink, SenderLinks } from '../sender-links.js';

/** Sender links in an array. */
export class FakeSenderLinks implements SenderLinks {
  rows: Array<SenderLink & { tokenHash: string }> = [];

  async get(id: string) {
    const l = this.rows.find((r) => r.id === id);
    if (!l) return undefined;
    const { tokenHash: _, ...link } = l;
    return link;
  }
  async current(renewalId: string, senderId: string) {
    return this.rows.find((r) => r.renewalId === renewalId && r.senderId === senderId && !r.revokedAt)?.id;
  }
  async revoke(renewalId: string, senderIds: readonly string[], at: string) {
    for (const r of this.rows)
      if (r.renewalId === renewalId && senderIds.includes(r.senderId) && !r.revokedAt) r.revokedAt = at;
  }
  async add(links: readonly NewSenderLink[]) {
    for (const l of links) this.rows.push({ ...l, revokedAt: null });
  }
}
