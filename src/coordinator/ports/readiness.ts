/** Per-sender readiness as the scheduled jobs need it. */
import type { ReadinessState } from '../../renewal/readiness.js';

/** A sender's readiness row with its source-address hints (to attribute handshake failures). */
export interface ReadinessHints {
  readinessId: string;
  sourceAddresses: string[];
  failuresAfterT: number;
}

/** Reading readiness and recording failures attributed after T. */
export interface ReadinessRepo {
  /** Every sender's state for a renewal, by sender id. */
  states(renewalId: string): Promise<Array<{ senderId: string; state: ReadinessState }>>;
  /** The senders in one of `states`, by id. */
  senderIdsIn(renewalId: string, states: readonly ReadinessState[]): Promise<string[]>;
  /** Every sender's source-address hints and current failure count. */
  hints(renewalId: string): Promise<ReadinessHints[]>;
  /** Records the failures after T attributed to one sender. */
  setFailuresAfterT(readinessId: string, n: number): Promise<void>;
  /** Every sender's contacts, by sender id. */
  contacts(renewalId: string): Promise<Array<{ senderId: string; contacts: string[] }>>;
  /** The distinct tenants of these senders (at most the first 5 000 looked at). */
  tenantsOf(senderIds: readonly string[]): Promise<string[]>;
  /**
   * Adds a readiness row in `state` for every sender of these tenants that has none for the renewal
   * (its id `rdy_<renewal id without its prefix>_<sender id>`).
   */
  addForTenants(
    renewalId: string,
    tenantIds: readonly string[],
    state: 'pending' | 'notified',
    at: string,
  ): Promise<void>;
  /** Moves these senders from pending to notified; returns how many moved. */
  markNotified(renewalId: string, senderIds: readonly string[], at: string): Promise<number>;
  /** The senders told already (readiness past pending) with their contacts, by sender id. */
  told(renewalId: string): Promise<Array<{ senderId: string; contacts: string[] }>>;
  /**
   * Senders per readiness state in the renewals not finished yet, summed per virtual server (of the
   * sender's tenant), by virtual server name then state.
   */
  openCountsByVirtualServer(): Promise<Array<{ virtualServer: string; state: string; n: number }>>;
}
