/**
 * The audit log's hash chain, pure. Each event's hash is an HMAC (keyed from the master key) over the
 * previous hash and the event's fields, so an edited row, a row inserted anywhere, or a deleted row
 * breaks the chain; a forged row cannot be re-hashed without the key. The store keeps the chain head
 * (last seq and hash) beside the rows so that deleting the newest rows is noticed too.
 */
import { createHmac } from 'node:crypto';

/** The hash before the first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** What one audit event says: who (actor, role, organisation), when, what, and the change itself. */
export interface AuditFacts {
  at: string;
  actor: string;
  role: string;
  organisation: string;
  action: string;
  targetKind: string;
  targetId: string;
  /** JSON text of what changed (never secrets). */
  change: string;
}

/** A stored event: facts plus its place in the chain. */
export interface AuditRecord extends AuditFacts {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The newest event's position, kept apart from the rows. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The hash of an event at `seq` following `prevHash`. */
export function eventHash(key: Uint8Array, seq: number, prevHash: string, f: AuditFacts): string {
  const fields = [seq, f.at, f.actor, f.role, f.organisation, f.action, f.targetKind, f.targetId, f.change];
  return createHmac('sha256', key)
    .update(`${prevHash}\n${JSON.stringify(fields)}`)
    .digest('hex');
}

/** Links the next event onto the chain. */
export function linkEvent(key: Uint8Array, head: ChainHead | undefined, facts: AuditFacts): AuditRecord {
  const seq = (head?.seq ?? 0) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  return { ...facts, seq, prevHash, hash: eventHash(key, seq, prevHash, facts) };
}

/** One thing wrong with the chain. */
export interface ChainProblem {
  seq: number;
  kind: 'edited' | 'inserted' | 'deleted' | 'broken-link';
  message: string;
}

/** The verdict of {@link verifyChain}. */
export interface ChainVerdict {
  ok: boolean;
  events: number;
  head: ChainHead | undefined;
  problems: ChainProblem[];
}

/** Checks every row (sorted by seq) against the key and the recorded head; first problems first. */
export function verifyChain(key: Uint8Array, rows: AuditRecord[], head: ChainHead | undefined): ChainVerdict {
  const problems: ChainProblem[] = [];
  let expected = 1;
  let prev = GENESIS_HASH;
  const headSeq = head?.seq ?? 0;
  for (const r of rows) {
    if (r.seq > headSeq) {
      problems.push({ seq: r.seq, kind: 'inserted', message: `event ${r.seq} lies beyond the chain head` });
    }
    if (r.seq < expected) {
      problems.push({ seq: r.seq, kind: 'inserted', message: `event ${r.seq} repeats a sequence number` });
      continue;
    }
    if (r.seq > expected) {
      const last = r.seq - 1;
      const span = expected === last ? `${expected}` : `${expected}–${last}`;
      problems.push({ seq: expected, kind: 'deleted', message: `event ${span} is missing` });
    }
    if (eventHash(key, r.seq, r.prevHash, r) !== r.hash) {
      problems.push({
        seq: r.seq,
        kind: r.seq > headSeq ? 'inserted' : 'edited',
        message: `event ${r.seq} does not match its hash: it was edited or forged`,
      });
    } else if (r.prevHash !== prev) {
      problems.push({
        seq: r.seq,
        kind: 'broken-link',
        message: `event ${r.seq} does not follow the event before it (a row was removed or inserted)`,
      });
    }
    prev = r.hash;
    expected = r.seq + 1;
  }
  if (headSeq >= expected) {
    problems.push({
      seq: expected,
      kind: 'deleted',
      message:
        headSeq === expected
          ? `event ${expected} is missing from the end of the log`
          : `events ${expected}–${headSeq} are missing from the end of the log`,
    });
  } else if (head && rows.length > 0 && rows.find((r) => r.seq === headSeq)?.hash !== head.hash) {
    problems.push({
      seq: headSeq,
      kind: 'edited',
      message: `event ${headSeq} is not the recorded chain head`,
    });
  }
  return { ok: problems.length === 0, events: rows.length, head, problems };
}
