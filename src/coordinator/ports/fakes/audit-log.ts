/** The audit chain in memory: a fake of the port for unit tests (see ../fakes.ts). */
import { type AuditFacts, type AuditRecord, linkEvent, verifyChain } from '../../../audit/chain.js';
import type { AuditLog } from '../audit-log.js';

const AUDIT_KEY = Buffer.alloc(32, 7);

/** An audit chain in an array, keyed with a fixed test key. */
export class FakeAuditLog implements AuditLog {
  rows: AuditRecord[] = [];

  async append(facts: AuditFacts) {
    const last = this.rows.at(-1);
    const rec = linkEvent(AUDIT_KEY, last && { seq: last.seq, hash: last.hash }, facts);
    this.rows.push(rec);
    return { ...rec };
  }
  async events(afterSeq = 0, limit = 1_000_000) {
    return this.rows
      .filter((r) => r.seq > afterSeq)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }
  async verify() {
    const last = this.rows.at(-1);
    return verifyChain(AUDIT_KEY, this.rows, last && { seq: last.seq, hash: last.hash });
  }
}
