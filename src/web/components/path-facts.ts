/**
 * What the path drawing derives from the senders' readiness and status — every word it shows, in the
 * LB box and beside the drawing (pure, tested in test/web/time.test.ts).
 */
import type { SenderStatus } from '../api/types.js';
import { formatInstant, formatShort } from '../lib/time.js';

/** What is known about one sender for the drawing. */
export interface PathSender {
  name: string;
  /** Readiness state (pending, notified, acknowledged, verified, failing, old-root-removed). */
  state: string;
  /** What is true for it now (derived); when given, the drawing shows what happened and happens. */
  status?: SenderStatus | undefined;
}

/**
 * Which roots a sender in `state` trusts, as far as the coordinator knows: the new root only once it
 * was proven (an acknowledgement says the sender admin added it, which is not a proof — `claimed`).
 */
export function trustedRoots(state: string): { old: boolean; new: boolean; claimed?: true } {
  if (state === 'old-root-removed') return { old: false, new: true };
  if (state === 'verified') return { old: true, new: true };
  if (state === 'acknowledged') return { old: true, new: false, claimed: true };
  return { old: true, new: false };
}

/** The drawing's short label of what a sender trusts. */
export function trustLabel(t: ReturnType<typeof trustedRoots>): string {
  const known = [t.old ? 'old' : '', t.new ? 'new' : ''].filter(Boolean).join('+') || 'none';
  return t.claimed ? `${known} (new?)` : known;
}

/**
 * Did it work before T, and does it work after T (null: unknown, no handshake seen)? A sender in grace
 * is served the old certificate after T, so it works as it did before.
 */
export function outcome(s: PathSender, after: 'old' | 'new'): { before: boolean; after: boolean | null } {
  const t = trustedRoots(s.state);
  if (!s.status) return { before: t.old, after: after === 'new' ? t.new : t.old };
  const st = s.status.state;
  // Before the exchange every sender was served the old root, which it trusted unless it removed it early.
  const before = !(st === 'old-root-removed' && s.status.tone === 'bad');
  if (after === 'old' || st === 'cancelled' || st === 'rolled-back' || st === 'in-grace')
    return { before, after: before };
  if (s.status.proven || st === 'safe-to-remove' || (st === 'old-root-removed' && s.status.tone !== 'bad'))
    return { before, after: true };
  if (st === 'failing' || st === 'proof-failed') return { before, after: false };
  return { before, after: null };
}

/** What the LB box of one panel says: short lines for the box, and the same in one sentence. */
export interface LbWords {
  lines: string[];
  sentence: string;
}

const senders = (n: number) => `${n} sender${n === 1 ? '' : 's'}`;

/** The latest of some instants (ISO), and whether they all agree. */
function latest(instants: string[]): { at: string; same: boolean } {
  const sorted = [...instants].sort((a, b) => Date.parse(a) - Date.parse(b));
  return { at: sorted.at(-1)!, same: Date.parse(sorted[0]!) === Date.parse(sorted.at(-1)!) };
}

/**
 * What the LB serves in one panel, from the senders' status: before T the old certificate (the new
 * one to proven senders with early entries); after T the certificate `served` — when that is the new
 * one, the old one still to the senders whose addresses are in grace, until their deadline.
 */
export function lbWords(panel: 'before' | 'after', served: 'old' | 'new', list: PathSender[]): LbWords {
  if (panel === 'before') {
    const early = list.filter((s) => s.status?.proven && (s.status.grace?.earlyCidrs.length ?? 0) > 0);
    return early.length
      ? {
          lines: ['serves old cert;', `new to ${early.length} early`],
          sentence: `Before T the LB serves the old certificate; the new one already to ${senders(early.length)} proven early.`,
        }
      : { lines: ['serves old cert'], sentence: 'Before T the LB serves the old certificate.' };
  }
  if (served === 'old')
    return { lines: ['serves old cert'], sentence: 'After T the LB serves the old certificate.' };
  const graced = list.flatMap((s) =>
    s.status?.oldCredentialServedUntil ? [s.status.oldCredentialServedUntil] : [],
  );
  if (!graced.length)
    return { lines: ['serves new cert'], sentence: 'After T the LB serves the new certificate.' };
  const until = latest(graced);
  const by = until.same ? 'until' : 'at most until';
  return {
    lines: ['serves new cert;', `old to ${graced.length} in grace`, `${by} ${formatShort(until.at)}`],
    sentence: `After T the LB serves the new certificate; the old one to ${senders(graced.length)} in grace ${by} ${formatInstant(until.at)}.`,
  };
}

/** The sentence beside the drawing for one sender: what worked before T and what works after it. */
export function senderWords(s: PathSender, after: 'old' | 'new'): string {
  const o = outcome(s, after);
  if (s.status) {
    const aft =
      s.status.state === 'in-grace' && after === 'new'
        ? 'works: it is in grace, served the old certificate until its deadline'
        : o.after === null
          ? 'is unknown: no proof and no handshake on the new credential'
          : o.after
            ? 'works'
            : 'fails';
    return `${s.name}: before T it ${o.before ? 'worked' : 'failed'} on the old root; after T it ${aft}.`;
  }
  const t = trustedRoots(s.state);
  return `${s.name} trusts ${[t.old ? 'the old root' : '', t.new ? 'the new root' : ''].filter(Boolean).join(' and ') || 'no known root'}: before T it ${o.before ? 'works' : 'breaks'}, after T it ${o.after ? 'works' : 'breaks'}.`;
}
