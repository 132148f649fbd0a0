/** Renewals in memory: a fake of the port for unit tests (see ../fakes.ts). */
import { NO_GRACE } from '../../../renewal/grace.js';
import { fail } from '../../../shared/errors.js';
import type { NewRenewal, Renewal, RenewalRepo, RenewalStateChange } from '../renewals.js';

/** Renewals in a map. */
export class FakeRenewals implements RenewalRepo {
  readonly rows = new Map<string, Renewal>();

  async get(id: string) {
    const r = this.rows.get(id);
    return r && structuredClone(r);
  }
  async add(n: NewRenewal) {
    if (this.rows.has(n.id)) fail('NAME_TAKEN', 'this renewal already exists');
    const { acceptObserved, ...rest } = structuredClone(n);
    this.rows.set(n.id, {
      ...rest,
      acceptObserved,
      state: 'planned',
      sequence: 0,
      exchangedAt: null,
      gate: null,
      gateOverride: null,
      failuresBaseline: null,
      bridge: null,
      grace: NO_GRACE,
      completion: null,
      updatedAt: n.createdAt,
    });
  }
  async setGateOverride(id: string, override: NonNullable<Renewal['gateOverride']> & { at: string }) {
    const r = this.rows.get(id);
    if (r) Object.assign(r, { gateOverride: { ...override }, updatedAt: override.at });
  }
  async setGate(id: string, gate: Renewal['gate'] & object) {
    const r = this.rows.get(id);
    if (r) r.gate = structuredClone(gate);
  }
  async setGrace(id: string, grace: Renewal['grace']) {
    const r = this.rows.get(id);
    if (r) r.grace = structuredClone(grace);
  }
  async setFailuresBaseline(id: string, baseline: NonNullable<Renewal['failuresBaseline']>) {
    const r = this.rows.get(id);
    if (r) r.failuresBaseline = structuredClone(baseline);
  }
  async setBridge(id: string, bridge: Renewal['bridge']) {
    const r = this.rows.get(id);
    if (r) r.bridge = structuredClone(bridge);
  }
  async openFor(virtualServerId: string) {
    const open = [...this.rows.values()]
      .filter(
        (r) =>
          (r.virtualServerId === virtualServerId ||
            this.extraVirtualServers[r.id]?.includes(virtualServerId)) &&
          !['completed', 'rolled-back', 'cancelled'].includes(r.state),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    return open[0] && structuredClone(open[0]);
  }

  /** The virtual servers of a renewal beside its first. */
  extraVirtualServers: Record<string, string[]> = {};
  async setState(id: string, state: Renewal['state'], at: string, change: RenewalStateChange = {}) {
    const r = this.rows.get(id);
    if (!r) return;
    const defined = Object.entries(structuredClone(change)).filter(([, v]) => v !== undefined);
    Object.assign(r, { state, updatedAt: at }, Object.fromEntries(defined));
  }
  async virtualServerIds(renewalId: string) {
    const r = this.rows.get(renewalId);
    if (!r) return [];
    const extra = [...(this.extraVirtualServers[renewalId] ?? [])].sort();
    return [r.virtualServerId, ...extra.filter((v) => v !== r.virtualServerId)];
  }
  async addVirtualServers(renewalId: string, virtualServerIds: readonly string[]) {
    this.extraVirtualServers[renewalId] = [
      ...(this.extraVirtualServers[renewalId] ?? []),
      ...virtualServerIds,
    ];
  }

  /** Each tenant's forwarding of a renewal. */
  forwardings: Array<{
    renewalId: string;
    tenantId: string;
    state: 'announced' | 'forwarded';
    actor: string | null;
    message: string | null;
    updatedAt: string;
  }> = [];
  async addForwardings(renewalId: string, tenantIds: readonly string[], at: string) {
    for (const tenantId of tenantIds)
      if (!this.forwardings.some((f) => f.renewalId === renewalId && f.tenantId === tenantId))
        this.forwardings.push({
          renewalId,
          tenantId,
          state: 'announced',
          actor: null,
          message: null,
          updatedAt: at,
        });
  }
  async markForwarded(
    renewalId: string,
    tenantIds: readonly string[],
    by: { actor: string; message: string | null; at: string },
  ) {
    const open = this.forwardings
      .filter((f) => f.renewalId === renewalId && f.state !== 'forwarded' && tenantIds.includes(f.tenantId))
      .sort((a, b) => a.tenantId.localeCompare(b.tenantId));
    for (const f of open)
      Object.assign(f, { state: 'forwarded', actor: by.actor, message: by.message, updatedAt: by.at });
    return open.map((f) => f.tenantId);
  }
}
