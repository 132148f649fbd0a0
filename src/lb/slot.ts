/**
 * The credential slot of one virtual server: the active credential, optionally a staged one with the
 * instant it takes over (activateAt = T), and the previous one kept for a rollback. Pure: every
 * transition takes `now` and returns a new slot, so the same rules run in the node, in tests with a
 * fake clock, and when a node restarts after T.
 */
import { fail } from '../shared/errors.js';

/** A staged credential and the instant (ms since the epoch) from which handshakes get it. */
export interface Staged<C> {
  credential: C;
  activateAt: number;
}

/** The slot state. `C` is whatever the caller keeps per credential (PEMs, fingerprints…). */
export interface Slot<C> {
  active: C;
  staged?: Staged<C>;
  previous?: C;
  /** The last T at which a staged credential took over (ms), whether by the clock or by `activate`. */
  lastSwapAt?: number;
}

/** Which credential a handshake whose ClientHello arrived at `now` gets: from T on, the staged one. */
export function servedAt<C>(slot: Slot<C>, now: number): C {
  return slot.staged && now >= slot.staged.activateAt ? slot.staged.credential : slot.active;
}

/** Folds a staged credential whose T has passed into the active one (the old becomes previous). */
export function settle<C>(slot: Slot<C>, now: number): Slot<C> {
  if (!slot.staged || now < slot.staged.activateAt) return slot;
  return { active: slot.staged.credential, previous: slot.active, lastSwapAt: slot.staged.activateAt };
}

/** Stages `credential` to take over at `activateAt`; a second stage replaces the first (a postpone). */
export function stage<C>(slot: Slot<C>, credential: C, activateAt: number, now: number): Slot<C> {
  const s = settle(slot, now);
  return { ...s, staged: { credential, activateAt } };
}

/** Drops the staged credential; with none staged (or its T passed) there is nothing to do. */
export function unstage<C>(slot: Slot<C>, now: number): Slot<C> {
  const s = settle(slot, now);
  if (!s.staged) return s;
  const { staged: _dropped, ...rest } = s;
  return rest;
}

/** Makes the staged credential active now; fails with NOTHING_STAGED when none is staged. */
export function activate<C>(slot: Slot<C>, now: number): Slot<C> {
  if (!slot.staged) fail('NOTHING_STAGED', 'nothing is staged to activate');
  if (now >= slot.staged.activateAt) return settle(slot, now);
  return { active: slot.staged.credential, previous: slot.active, lastSwapAt: now };
}

/**
 * Goes back to the previous credential now: the current one becomes previous (so a rollback can be
 * undone by another) and anything staged is dropped. Fails with NO_PREVIOUS when there is no previous.
 */
export function rollback<C>(slot: Slot<C>, now: number): Slot<C> {
  const s = settle(slot, now);
  if (s.previous === undefined) fail('NO_PREVIOUS', 'there is no previous credential to roll back to');
  return { active: s.previous, previous: s.active, lastSwapAt: now };
}
