/**
 * The status of a credential slot as every data plane reports it: what a handshake starting now
 * gets, what is active, staged and previous, and the last swap. Pure: the caller passes `now` and
 * the swap it measured (the built-in node and the agents measure it differently).
 */
import { type CredentialRecord, publicFacts } from './credential-record.js';
import { type Slot, servedAt } from './slot.js';

/** Public facts of a credential (no key). */
export type CredentialFacts = ReturnType<typeof publicFacts>;

/** A swap as measured: T (or the instant of an activate/rollback) and the first handshake after it. */
export interface MeasuredSwap {
  at: number;
  firstHandshakeAt?: number | undefined;
}

/** The slot part of a virtual server's status. */
export interface SlotStatus {
  /** The node's clock when the status was taken. */
  clock: string;
  /** The certificate a handshake starting now gets. */
  served: CredentialFacts;
  active: CredentialFacts;
  staged: (CredentialFacts & { activateAt: string }) | null;
  previous: CredentialFacts | null;
  lastSwap: { at: string; firstHandshakeAt: string | null; latenessMs: number | null } | null;
}

/** Projects a slot at `now`, with the last swap as the caller measured it. */
export function slotStatus(
  slot: Slot<CredentialRecord>,
  now: number,
  swap: MeasuredSwap | undefined,
): SlotStatus {
  const first = swap?.firstHandshakeAt;
  return {
    clock: new Date(now).toISOString(),
    served: publicFacts(servedAt(slot, now)),
    active: publicFacts(slot.active),
    staged: slot.staged
      ? { ...publicFacts(slot.staged.credential), activateAt: new Date(slot.staged.activateAt).toISOString() }
      : null,
    previous: slot.previous ? publicFacts(slot.previous) : null,
    lastSwap: swap
      ? {
          at: new Date(swap.at).toISOString(),
          firstHandshakeAt: first === undefined ? null : new Date(first).toISOString(),
          latenessMs: first === undefined ? null : first - swap.at,
        }
      : null,
  };
}
