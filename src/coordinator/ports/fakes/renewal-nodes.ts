/** Renewal nodes in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { RenewalNode, RenewalNodes } from '../renewal-nodes.js';

/** Renewal-node rows in an array. */
export class FakeRenewalNodes implements RenewalNodes {
  rows: RenewalNode[] = [];

  async arm(
    renewalId: string,
    sequence: number,
    pairs: ReadonlyArray<{ nodeId: string; virtualServerId: string }>,
  ) {
    this.rows = [
      ...this.rows.filter((r) => r.renewalId !== renewalId),
      ...pairs.map((p) => ({
        renewalId,
        nodeId: p.nodeId,
        virtualServerId: p.virtualServerId,
        sequence,
        stagedAckAt: null,
        verifiedAt: null,
        servedSha256: null,
        tlsProfile: null,
        lastError: null,
        exceptions: null,
        probes: {},
      })),
    ];
  }
  async list(renewalId: string, sequence?: number) {
    return this.rows
      .filter((r) => r.renewalId === renewalId && (sequence === undefined || r.sequence === sequence))
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId) || a.virtualServerId.localeCompare(b.virtualServerId))
      .map((r) => ({ ...r }));
  }
  async update(key: Parameters<RenewalNodes['update']>[0], patch: Parameters<RenewalNodes['update']>[1]) {
    const row = this.rows.find(
      (r) =>
        r.renewalId === key.renewalId &&
        r.nodeId === key.nodeId &&
        r.virtualServerId === key.virtualServerId &&
        r.sequence === key.sequence,
    );
    if (!row) return;
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) Object.assign(row, { [k]: v });
  }
}
