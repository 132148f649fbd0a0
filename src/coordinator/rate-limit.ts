/**
 * Sign-in throttling: a growing delay per key, never a hard lock. After a few free failures each
 * further failure doubles the wait before the key may try again, up to a cap; the wait runs from the
 * last failure, and a key with no failure for the forget window starts afresh. An account's cap is
 * short (someone failing on purpose can hold `lb-admin` back by seconds, not lock it out for 15
 * minutes); a client address's cap is longer (one address guessing many accounts). Attempts refused
 * while waiting do not count. Memory only: a restart forgets, which is acceptable for slowing guessing
 * down on one replica.
 */
import type { Clock } from '../shared/time.js';

/** How the delay of one kind of key grows. */
export interface DelayPolicy {
  /** Failures before any delay. */
  free: number;
  /** The delay after the first failure beyond the free ones; each further failure doubles it. */
  firstMs: number;
  /** The longest delay. */
  maxMs: number;
}

/** A user name (whatever address it is tried from): 3 free failures, then 1 s, 2 s, 4 s … at most 30 s. */
export const ACCOUNT_DELAY: DelayPolicy = { free: 3, firstMs: 1000, maxMs: 30_000 };
/** A client address (whatever names it tries): 10 free failures, then 1 s doubling to at most 5 min. */
export const ADDRESS_DELAY: DelayPolicy = { free: 10, firstMs: 1000, maxMs: 5 * 60_000 };

/** The delay after `failures` failures under `policy`. */
export function delayAfter(failures: number, policy: DelayPolicy): number {
  if (failures <= policy.free) return 0;
  return Math.min(policy.maxMs, policy.firstMs * 2 ** Math.min(failures - policy.free - 1, 40));
}

interface Entry {
  failures: number;
  last: number;
}

/** Counts failures per key and says how long a key must wait. */
export class FailureLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    /** A key with no failure for this long starts afresh. */
    readonly forgetMs = 15 * 60_000,
  ) {}

  private entry(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && this.clock.now() - e.last >= this.forgetMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string, policy: DelayPolicy): number {
    const e = this.entry(key);
    if (!e) return 0;
    return Math.max(0, e.last + delayAfter(e.failures, policy) - this.clock.now());
  }

  /** Records one failure; returns the key's failures and the delay it now waits. */
  fail(key: string, policy: DelayPolicy): { failures: number; delayMs: number } {
    const e = this.entry(key) ?? { failures: 0, last: 0 };
    e.failures += 1;
    e.last = this.clock.now();
    this.entries.set(key, e);
    if (this.entries.size > 10_000) this.sweep();
    return { failures: e.failures, delayMs: delayAfter(e.failures, policy) };
  }

  /** Forgets a key's failures (after a successful sign-in). */
  reset(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every key past the forget window (many names tried once must not grow memory forever). */
  private sweep(): void {
    for (const key of [...this.entries.keys()]) this.entry(key);
  }
}
