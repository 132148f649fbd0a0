import { fail } from '../shared/errors.js';

/** The states of a renewal (ARCHITECTURE §4). */
export const RENEWAL_STATES = [
  'planned',
  'announced',
  'staged',
  'exchanged',
  'verified',
  'retiring',
  'completed',
  'postponed',
  'rolled-back',
  'cancelled',
] as const;
/** One of {@link RENEWAL_STATES}. */
export type RenewalState = (typeof RENEWAL_STATES)[number];

/** What moves a renewal from one state to the next. */
export type RenewalEvent =
  | 'announce'
  | 'staged'
  | 'postpone'
  | 'exchange'
  | 'verify'
  | 'rollback'
  | 'retire'
  | 'complete'
  | 'cancel';

/**
 * The transition table: state → event → next state. Anything not listed is refused. `postponed` is a
 * waypoint that the re-stage moves on to `staged` once every node acknowledged the new T.
 */
const TRANSITIONS: Record<RenewalState, Partial<Record<RenewalEvent, RenewalState>>> = {
  planned: { announce: 'announced', cancel: 'cancelled' },
  announced: { staged: 'staged', postpone: 'postponed', cancel: 'cancelled', exchange: 'exchanged' },
  staged: { postpone: 'postponed', exchange: 'exchanged', cancel: 'cancelled' },
  postponed: { staged: 'staged', postpone: 'postponed', cancel: 'cancelled' },
  exchanged: { verify: 'verified', rollback: 'rolled-back' },
  verified: { rollback: 'rolled-back', retire: 'retiring' },
  retiring: { complete: 'completed' },
  completed: {},
  'rolled-back': {},
  cancelled: {},
};

/** The state after `event`, or a WRONG_STATE error naming what is possible from `state`. */
export function nextState(state: RenewalState, event: RenewalEvent): RenewalState {
  const next = TRANSITIONS[state][event];
  if (!next) {
    const possible = Object.keys(TRANSITIONS[state]);
    fail(
      'WRONG_STATE',
      `a renewal that is ${state} cannot ${event}${possible.length ? ` (possible now: ${possible.join(', ')})` : ' (it is finished)'}`,
      { state, event },
    );
  }
  return next;
}

/** True when the renewal is finished and nothing more can happen to it. */
export function isTerminal(state: RenewalState): boolean {
  return Object.keys(TRANSITIONS[state]).length === 0;
}

/** True when the exchange has not happened yet (the old credential is still the one served). */
export function isBeforeExchange(state: RenewalState): boolean {
  return state === 'planned' || state === 'announced' || state === 'staged' || state === 'postponed';
}
