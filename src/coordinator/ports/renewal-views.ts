/**
 * What the renewal views read (summary, detail, public status, announcement, a sender's page), shaped
 * for them: who may see a renewal, a page of senders with their readiness, the tenants and their
 * forwardings, the steps. Read only; the SQL keeps its indexed paths so 100 000 senders stay fast.
 */
import type { Tenant } from './inventory.js';
import type { SenderRecord } from './sender-facts.js';

/** A renewal and the virtual servers it covers (its own first, then the others by id). */
export interface RenewalScope {
  id: string;
  virtualServerIds: string[];
}

/** Whom to look at: the senders of these tenants and these senders. */
export interface SenderScope {
  tenantIds: readonly string[];
  senderIds: readonly string[];
}

/** A tenant's forwarding of a renewal (seed step 3). */
export interface Forwarding {
  tenantId: string;
  /** `forwarded` once the tenant admin (or the automatic forward) passed it on. */
  state: string;
  actor: string | null;
  updatedAt: string;
}

/** A workflow step as recorded, its evidence parsed. */
export interface RecordedStep {
  kind: string;
  role: string;
  actor: string;
  at: string;
  evidence: unknown;
}

/** Reading what the renewal views show. */
export interface RenewalViews {
  /** Every renewal with its virtual servers, by id. */
  scopes(): Promise<RenewalScope[]>;
  /** The virtual servers serving these tenants or the tenants of these senders (no duplicates). */
  virtualServersOf(scope: SenderScope): Promise<string[]>;
  /** The tenants on these virtual servers (of `only` when given), by id, at most `limit`. */
  tenantsOn(
    virtualServerIds: readonly string[],
    opts?: { only?: readonly string[]; limit?: number },
  ): Promise<Tenant[]>;
  /** Of `senderIds`, those on these virtual servers whose tenant forwarded the renewal, by id. */
  forwardedSenders(
    renewalId: string,
    virtualServerIds: readonly string[],
    senderIds: readonly string[],
  ): Promise<string[]>;
  /** The first `limit` senders of a renewal's readiness, by id. */
  firstSenderIds(renewalId: string, limit: number): Promise<string[]>;
  /**
   * The facts of the first `limit` senders of `scope` (by id; a sender outside the renewal takes a
   * place but has no facts), by sender id.
   */
  senderReadiness(renewalId: string, scope: SenderScope, limit: number): Promise<SenderRecord[]>;
  /** The forwardings of these tenants (any state). */
  forwardings(renewalId: string, tenantIds: readonly string[]): Promise<Forwarding[]>;
  /** Every step of a renewal, oldest first. */
  steps(renewalId: string): Promise<RecordedStep[]>;
  /** When the latest step of one of `kinds` was recorded, or undefined. */
  lastStepAt(renewalId: string, kinds: readonly string[]): Promise<string | undefined>;
}
