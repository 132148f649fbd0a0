/** Senders' facts in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { ReadinessState } from '../../../renewal/readiness.js';
import type { SenderFactsRepo, SenderRecord, SenderSelection, StoredTraffic } from '../sender-facts.js';
import type { FakeRenewals } from './renewals.js';

/** A sender's facts in {@link FakeSenderFacts}, with the renewal and evidence it belongs to. */
export interface FakeSenderRecord extends SenderRecord {
  renewalId: string;
  /** The evidence last reported, as sent. */
  evidence?: unknown;
}

/**
 * Senders' facts in an array; when tenants forwarded from {@link FakeRenewals}' forwardings, when
 * senders were reminded from the `remind` steps the renewal views keep (as the store reads its tables).
 */
export class FakeSenderFacts implements SenderFactsRepo {
  rows: FakeSenderRecord[] = [];

  constructor(
    private readonly forwardings: () => FakeRenewals['forwardings'] = () => [],
    private readonly steps: () => ReadonlyArray<{
      renewalId: string;
      kind: string;
      at: string;
      evidence: unknown;
    }> = () => [],
  ) {}

  private of(renewalId: string) {
    return this.rows
      .filter((r) => r.renewalId === renewalId)
      .sort((a, b) => (a.senderId < b.senderId ? -1 : a.senderId > b.senderId ? 1 : 0));
  }
  private out({ renewalId: _, evidence: __, ...r }: FakeSenderRecord): SenderRecord {
    return structuredClone(r);
  }
  async list(renewalId: string, by: SenderSelection = {}) {
    return this.of(renewalId)
      .filter((r) => !by.tenantIds || by.tenantIds.includes(r.tenantId))
      .filter((r) => !by.senderIds?.length || by.senderIds.includes(r.senderId))
      .map((r) => this.out(r));
  }
  async page(renewalId: string, after: string, limit: number) {
    return this.of(renewalId)
      .filter((r) => r.senderId > after)
      .slice(0, limit)
      .map((r) => this.out(r));
  }
  async get(renewalId: string, senderId: string) {
    const r = this.of(renewalId).find((x) => x.senderId === senderId);
    return r && this.out(r);
  }
  async find(renewalId: string, ref: string) {
    const r = this.of(renewalId).find((x) => x.senderId === ref || x.name === ref);
    return r && this.out(r);
  }
  async forwardedAt(renewalId: string, tenantIds?: readonly string[]) {
    return new Map(
      this.forwardings()
        .filter(
          (f) =>
            f.renewalId === renewalId &&
            f.state === 'forwarded' &&
            (!tenantIds || tenantIds.includes(f.tenantId)),
        )
        .map((f) => [f.tenantId, f.updatedAt]),
    );
  }
  async remindedSince(renewalId: string, since: string) {
    const out = new Map<string, string>();
    for (const s of this.steps()) {
      const sender = (s.evidence as { sender?: unknown } | null)?.sender;
      if (s.renewalId !== renewalId || s.kind !== 'remind' || s.at < since || typeof sender !== 'string')
        continue;
      if (s.at > (out.get(sender) ?? '')) out.set(sender, s.at);
    }
    return out;
  }
  async traffic(renewalId: string) {
    return this.of(renewalId).map((r) => ({
      readinessId: r.readinessId,
      sourceAddresses: [...r.sourceAddresses],
      traffic: r.traffic && { ...r.traffic },
    }));
  }
  async setTraffic(readinessId: string, traffic: StoredTraffic) {
    const r = this.rows.find((x) => x.readinessId === readinessId);
    if (r) r.traffic = { ...traffic };
  }
  async acknowledge(readinessId: string, state: ReadinessState, at: string) {
    const r = this.rows.find((x) => x.readinessId === readinessId);
    if (r) Object.assign(r, { state, updatedAt: at, acknowledgedAt: at });
  }
  async report(readinessId: string, p: Parameters<SenderFactsRepo['report']>[1]) {
    const r = this.rows.find((x) => x.readinessId === readinessId);
    if (!r) return;
    Object.assign(r, {
      state: p.state,
      evidence: structuredClone(p.evidence),
      reason: p.reason,
      updatedAt: p.at,
    });
    if (p.proof) r.proof = { ...p.proof };
    if (p.removal) r.removal = { ...p.removal };
  }
}
