/**
 * The renewal views' reads in memory, over the other fakes: renewals with their extra virtual servers
 * and forwardings, the inventory's tenants and senders, the senders' facts; steps are kept here. Same
 * contract as the SQL one (test/coordinator/renewal-views-contract.test.ts).
 */
import type { Sender, Tenant } from './inventory.js';
import type { RecordedStep, RenewalViews, SenderScope } from './renewal-views.js';
import type { Renewal } from './renewals.js';
import type { SenderRecord } from './sender-facts.js';

/** What the fake reads from the other fakes (functions, so a transaction's snapshot skips them). */
export interface FakeRenewalViewsSources {
  renewals: () => {
    rows: ReadonlyMap<string, Renewal>;
    extraVirtualServers: Readonly<Record<string, readonly string[]>>;
    forwardings: ReadonlyArray<{
      renewalId: string;
      tenantId: string;
      state: string;
      actor: string | null;
      updatedAt: string;
    }>;
  };
  tenants: () => readonly Tenant[];
  senders: () => readonly Sender[];
  senderFacts: () => ReadonlyArray<SenderRecord & { renewalId: string; evidence?: unknown }>;
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The renewal views' reads in memory. */
export class FakeRenewalViews implements RenewalViews {
  /** Steps with an id (the order of steps recorded at the same instant). */
  stepRows: Array<RecordedStep & { id: string; renewalId: string }> = [];
  private readonly renewals: FakeRenewalViewsSources['renewals'];
  private readonly tenants: FakeRenewalViewsSources['tenants'];
  private readonly senders: FakeRenewalViewsSources['senders'];
  private readonly senderFacts: FakeRenewalViewsSources['senderFacts'];

  constructor(from: FakeRenewalViewsSources) {
    // Kept as functions: a unit of work's snapshot copies the data fields only.
    this.renewals = from.renewals;
    this.tenants = from.tenants;
    this.senders = from.senders;
    this.senderFacts = from.senderFacts;
  }

  async scopes() {
    const { rows, extraVirtualServers } = this.renewals();
    return [...rows.values()]
      .sort((a, b) => byCode(a.id, b.id))
      .map((r) => ({
        id: r.id,
        virtualServerIds: [
          r.virtualServerId,
          ...[...new Set(extraVirtualServers[r.id] ?? [])]
            .filter((v) => v !== r.virtualServerId)
            .sort(byCode),
        ],
      }));
  }

  async virtualServersOf({ tenantIds, senderIds }: SenderScope) {
    const tenants = new Set([
      ...tenantIds,
      ...this.senders()
        .filter((s) => senderIds.includes(s.id))
        .map((s) => s.tenantId),
    ]);
    const vss = this.tenants()
      .filter((t) => tenants.has(t.id))
      .map((t) => t.virtualServerId ?? '');
    return [...new Set(vss.filter(Boolean))];
  }

  async tenantsOn(vsIds: readonly string[], opts: { only?: readonly string[]; limit?: number } = {}) {
    return this.tenants()
      .filter((t) => vsIds.includes(t.virtualServerId ?? '') && (!opts.only || opts.only.includes(t.id)))
      .sort((a, b) => byCode(a.id, b.id))
      .slice(0, opts.limit ?? Number.POSITIVE_INFINITY)
      .map((t) => structuredClone(t));
  }

  async forwardedSenders(renewalId: string, vsIds: readonly string[], senderIds: readonly string[]) {
    const tenants = new Map(this.tenants().map((t) => [t.id, t]));
    const forwarded = new Set(
      this.renewals()
        .forwardings.filter((f) => f.renewalId === renewalId && f.state === 'forwarded')
        .map((f) => f.tenantId),
    );
    return this.senders()
      .filter(
        (s) =>
          senderIds.includes(s.id) &&
          vsIds.includes(tenants.get(s.tenantId)?.virtualServerId ?? '') &&
          forwarded.has(s.tenantId),
      )
      .map((s) => s.id)
      .sort(byCode);
  }

  private factsOf(renewalId: string) {
    return this.senderFacts()
      .filter((r) => r.renewalId === renewalId)
      .sort((a, b) => byCode(a.senderId, b.senderId));
  }

  async firstSenderIds(renewalId: string, limit: number) {
    return this.factsOf(renewalId)
      .slice(0, limit)
      .map((r) => r.senderId);
  }

  async senderReadiness(renewalId: string, { tenantIds, senderIds }: SenderScope, limit: number) {
    const ids = new Set(senderIds);
    for (const s of this.senders()) if (tenantIds.includes(s.tenantId)) ids.add(s.id);
    const wanted = new Set([...ids].sort(byCode).slice(0, limit));
    return this.factsOf(renewalId)
      .filter((r) => wanted.has(r.senderId))
      .map(({ renewalId: _, evidence: __, ...r }) => structuredClone(r));
  }

  async forwardings(renewalId: string, tenantIds: readonly string[]) {
    return this.renewals()
      .forwardings.filter((f) => f.renewalId === renewalId && tenantIds.includes(f.tenantId))
      .sort((a, b) => byCode(a.tenantId, b.tenantId))
      .map((f) => ({ tenantId: f.tenantId, state: f.state, actor: f.actor, updatedAt: f.updatedAt }));
  }

  private stepsOf(renewalId: string) {
    return this.stepRows
      .filter((s) => s.renewalId === renewalId)
      .sort((a, b) => byCode(a.at, b.at) || byCode(a.id, b.id));
  }

  async steps(renewalId: string) {
    return this.stepsOf(renewalId).map(({ id: _, renewalId: __, ...s }) => structuredClone(s));
  }

  async lastStepAt(renewalId: string, kinds: readonly string[]) {
    return this.stepsOf(renewalId)
      .filter((s) => kinds.includes(s.kind))
      .at(-1)?.at;
  }
}
