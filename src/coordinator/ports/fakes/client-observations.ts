/** Client observations in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type {
  ClientObservations,
  Observation,
  ObservedSender,
  SeenClient,
  SenderObservation,
} from '../client-observations.js';

/** A sender row in {@link FakeClientObservations}. */
export interface FakeObservedSender extends ObservedSender {
  renewalId: string;
  proof: { ok: boolean; at: string } | null;
}

/** Observations and seen clients in arrays. */
export class FakeClientObservations implements ClientObservations {
  senderRows: FakeObservedSender[] = [];
  clients: Array<SeenClient & { renewalId: string }> = [];
  /** Source addresses of senders outside any renewal (the rest of the inventory). */
  otherInventory: string[] = [];

  async senders(renewalId: string): Promise<ObservedSender[]> {
    return this.senderRows
      .filter((r) => r.renewalId === renewalId)
      .sort((a, b) => a.senderId.localeCompare(b.senderId))
      .map((r) => ({
        readinessId: r.readinessId,
        senderId: r.senderId,
        sourceAddresses: [...r.sourceAddresses],
        observed: r.observed && { ...r.observed },
      }));
  }
  async setObserved(readinessId: string, o: Observation) {
    const r = this.senderRows.find((x) => x.readinessId === readinessId);
    if (r) r.observed = { ...o };
  }
  async observations(renewalId: string): Promise<SenderObservation[]> {
    return this.senderRows
      .filter((r) => r.renewalId === renewalId && r.observed)
      .sort((a, b) => a.senderId.localeCompare(b.senderId))
      .map((r) => ({ senderId: r.senderId, observed: { ...r.observed! }, proof: r.proof && { ...r.proof } }));
  }
  async recordSeen(
    renewalId: string,
    clients: ReadonlyArray<{ address: string; lastSeenAt: string; handshakes: number }>,
  ) {
    for (const c of clients) {
      const row = this.clients.find((x) => x.renewalId === renewalId && x.address === c.address);
      if (!row) {
        this.clients.push({
          renewalId,
          address: c.address,
          firstSeenAt: c.lastSeenAt,
          lastSeenAt: c.lastSeenAt,
          handshakes: c.handshakes,
          gracedAt: null,
          gracedBy: null,
        });
        continue;
      }
      if (c.lastSeenAt > row.lastSeenAt) row.lastSeenAt = c.lastSeenAt;
      if (c.handshakes > row.handshakes) row.handshakes = c.handshakes;
    }
  }
  async seen(renewalId: string): Promise<SeenClient[]> {
    return this.clients
      .filter((c) => c.renewalId === renewalId)
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
      .map(({ renewalId: _, ...c }) => c);
  }
  async grace(renewalId: string, addresses: readonly string[], by: string, at: string) {
    const added: string[] = [];
    for (const c of this.clients) {
      if (c.renewalId !== renewalId || c.gracedAt || !addresses.includes(c.address)) continue;
      c.gracedAt = at;
      c.gracedBy = by;
      added.push(c.address);
    }
    return added.sort();
  }
  async graced(renewalId: string) {
    return (await this.seen(renewalId)).filter((c) => c.gracedAt).map((c) => c.address);
  }
  async inventoryAddresses() {
    return [...new Set([...this.senderRows.flatMap((r) => r.sourceAddresses), ...this.otherInventory])];
  }
}
