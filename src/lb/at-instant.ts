/**
 * Timers at an instant, for every data plane: a swap at T (agents) or a settle just after it (the
 * built-in node). Each timer is unref'd: it never keeps a process alive on its own.
 */
import type { Clock } from '../shared/time.js';

/** A scheduled action that can be cancelled. */
export interface Scheduled {
  cancel(): void;
}

/** setTimeout's longest wait (~24.8 days); longer waits are re-armed in steps of at most this. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `fn` as soon as `clock.now() >= at`: a coarse timer to a few ms before, then short polls, so
 * an action at T is late by well under a millisecond of scheduling rather than a timer's slack.
 * Long waits are re-armed in steps (setTimeout's limit is ~24.8 days).
 */
export function atInstant(clock: Clock, at: number, fn: () => void): Scheduled {
  let timer: NodeJS.Timeout | undefined;
  let immediate: NodeJS.Immediate | undefined;
  let cancelled = false;
  const spin = () => {
    if (cancelled) return;
    if (clock.now() >= at) fn();
    else immediate = setImmediate(spin);
  };
  const arm = () => {
    if (cancelled) return;
    const wait = at - clock.now() - 5;
    if (wait <= 0) spin();
    else {
      timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
      timer.unref();
    }
  };
  arm();
  return {
    cancel() {
      cancelled = true;
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}
