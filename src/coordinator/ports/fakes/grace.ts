/** Per-sender grace in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { GraceRepo, GraceSenderRow, StoredSenderGrace } from '../grace.js';

/** Per-sender grace in an array (one row per readiness row, with what the grace job reads of its sender). */
export class FakeGrace implements GraceRepo {
  rows: Array<GraceSenderRow & { renewalId: string }> = [];

  async senders(renewalId: string): Promise<GraceSenderRow[]> {
    return this.rows
      .filter((r) => r.renewalId === renewalId)
      .sort((a, b) => a.senderId.localeCompare(b.senderId))
      .map(({ renewalId: _, ...r }) => structuredClone(r));
  }
  async setSenderGrace(readinessId: string, grace: StoredSenderGrace | null) {
    const r = this.rows.find((x) => x.readinessId === readinessId);
    if (r) r.grace = structuredClone(grace);
  }
  async inGraceAt(renewalId: string, now: string) {
    return this.rows
      .filter((r) => r.renewalId === renewalId && r.grace?.oldUntil != null && r.grace.oldUntil > now)
      .map((r) => r.senderId)
      .sort();
  }
  private digests = 0;
  /** The fake's rows live in several fakes: it never says that nothing changed. */
  async inputsDigest(renewalId: string) {
    return `fake:${renewalId}:${++this.digests}`;
  }
}
