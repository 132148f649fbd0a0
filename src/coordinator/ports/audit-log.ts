/** The audit log as the use cases need it: append inside the unit of work, read back, verify. */
import type { AuditFacts, AuditRecord, ChainVerdict } from '../../audit/chain.js';

/** The hash-chained audit log. */
export interface AuditLog {
  /** Appends one event to the chain, inside the caller's unit of work (serialised against other appends). */
  append(facts: AuditFacts): Promise<AuditRecord>;
  /** Events in order after `afterSeq` (exclusive), at most `limit`; `change` is the JSON text hashed. */
  events(afterSeq?: number, limit?: number): Promise<AuditRecord[]>;
  /** Checks every event against the chain key and the recorded head. */
  verify(): Promise<ChainVerdict>;
}
