/** Readiness rows in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { ReadinessState } from '../../../renewal/readiness.js';
import type { ReadinessHints, ReadinessRepo } from '../readiness.js';
import type { FakeInventory } from './inventory.js';

/** One sender's readiness in {@link FakeReadiness}. */
export interface FakeReadinessRow {
  id: string;
  renewalId: string;
  senderId: string;
  tenantId: string;
  state: ReadinessState;
  sourceAddresses: string[];
  contacts: string[];
  failuresAfterT: number;
}

/** Readiness rows in an array. */
export class FakeReadiness implements ReadinessRepo {
  rows: FakeReadinessRow[] = [];

  /**
   * `world` reads the inventory (rows are added for the senders of a tenant; counted per virtual
   * server of the sender's tenant) and a renewal's state (finished renewals are not counted).
   */
  constructor(
    private readonly world: () => {
      inventory: Pick<FakeInventory, 'senderRows' | 'tenantRows' | 'virtualServerRows'>;
      renewalState: (id: string) => string | undefined;
    } = () => ({
      inventory: { senderRows: [], tenantRows: [], virtualServerRows: [] },
      renewalState: () => undefined,
    }),
  ) {}
  /** Every setFailuresAfterT call, in order (to see that unchanged counts are not written). */
  readonly writes: Array<{ readinessId: string; n: number }> = [];

  private of(renewalId: string) {
    return this.rows
      .filter((r) => r.renewalId === renewalId)
      .sort((a, b) => a.senderId.localeCompare(b.senderId));
  }
  async states(renewalId: string) {
    return this.of(renewalId).map((r) => ({ senderId: r.senderId, state: r.state }));
  }
  async senderIdsIn(renewalId: string, states: readonly ReadinessState[]) {
    return this.of(renewalId)
      .filter((r) => states.includes(r.state))
      .map((r) => r.senderId);
  }
  async hints(renewalId: string): Promise<ReadinessHints[]> {
    return this.of(renewalId).map((r) => ({
      readinessId: r.id,
      sourceAddresses: [...r.sourceAddresses],
      failuresAfterT: r.failuresAfterT,
    }));
  }
  async setFailuresAfterT(readinessId: string, n: number) {
    this.writes.push({ readinessId, n });
    const r = this.rows.find((x) => x.id === readinessId);
    if (r) r.failuresAfterT = n;
  }
  async contacts(renewalId: string) {
    return this.of(renewalId).map((r) => ({ senderId: r.senderId, contacts: [...r.contacts] }));
  }
  async tenantsOf(senderIds: readonly string[]) {
    const wanted = new Set(senderIds.slice(0, 5000));
    return [...new Set(this.rows.filter((r) => wanted.has(r.senderId)).map((r) => r.tenantId))];
  }
  async addForTenants(renewalId: string, tenantIds: readonly string[], state: ReadinessState, _at: string) {
    for (const s of this.world().inventory.senderRows.filter((x) => tenantIds.includes(x.tenantId)))
      if (!this.rows.some((r) => r.renewalId === renewalId && r.senderId === s.id))
        this.rows.push({
          id: `rdy_${renewalId.slice(4)}_${s.id}`,
          renewalId,
          senderId: s.id,
          tenantId: s.tenantId,
          state,
          sourceAddresses: [...s.sourceAddresses],
          contacts: [...s.contacts],
          failuresAfterT: 0,
        });
  }
  async markNotified(renewalId: string, senderIds: readonly string[], _at: string) {
    let moved = 0;
    for (const r of this.rows)
      if (r.renewalId === renewalId && r.state === 'pending' && senderIds.includes(r.senderId)) {
        r.state = 'notified';
        moved++;
      }
    return moved;
  }
  async openCountsByVirtualServer() {
    const { inventory, renewalState } = this.world();
    const vsOf = (senderId: string) => {
      const tenantId = inventory.senderRows.find((x) => x.id === senderId)?.tenantId;
      const vsId = inventory.tenantRows.find((t) => t.id === tenantId)?.virtualServerId;
      return inventory.virtualServerRows.find((v) => v.id === vsId)?.name;
    };
    const sums = new Map<string, { virtualServer: string; state: string; n: number }>();
    for (const r of this.rows) {
      const state = renewalState(r.renewalId);
      const virtualServer = vsOf(r.senderId);
      if (!state || !virtualServer || ['completed', 'rolled-back', 'cancelled'].includes(state)) continue;
      const k = `${virtualServer}\n${r.state}`;
      sums.set(k, { virtualServer, state: r.state, n: (sums.get(k)?.n ?? 0) + 1 });
    }
    return [...sums.values()].sort(
      (a, b) => a.virtualServer.localeCompare(b.virtualServer) || a.state.localeCompare(b.state),
    );
  }
  async told(renewalId: string) {
    return (await this.contacts(renewalId)).filter(
      (c) => this.of(renewalId).find((r) => r.senderId === c.senderId)?.state !== 'pending',
    );
  }
}
