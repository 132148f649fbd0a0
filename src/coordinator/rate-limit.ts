/**
 * Sign-in rate limit: a fixed number of failures per key (user name and client address) within a
 * window; then every attempt is refused until the window has passed. Memory only: a restart forgets,
 * which is acceptable for slowing guessing down on one replica.
 */
import type { Clock } from '../shared/time.js';

/** Counts failures per key and says when a key is locked out. */
export class FailureLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly clock: Clock,
    /** Failures allowed within the window. */
    readonly limit = 5,
    /** Window length in milliseconds. */
    readonly windowMs = 15 * 60_000,
  ) {}

  private recent(key: string): number[] {
    const cut = this.clock.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > cut);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    return list;
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfter(key: string): number {
    const list = this.recent(key);
    if (list.length < this.limit) return 0;
    return list[0]! + this.windowMs - this.clock.now();
  }

  /** Records one failure. */
  fail(key: string): void {
    this.failures.set(key, [...this.recent(key), this.clock.now()]);
  }

  /** Forgets a key's failures (after a successful sign-in). */
  reset(key: string): void {
    this.failures.delete(key);
  }
}
