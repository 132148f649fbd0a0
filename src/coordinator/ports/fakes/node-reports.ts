/** Node reports in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { NodeReport, NodeReports, PulledExceptions } from '../node-reports.js';

/** Node reports by node id, kept as the JSON a node sends. */
export class FakeNodeReports implements NodeReports {
  rows: Record<string, { reportedAt: string; status: string; failures: string }> = {};

  async latest(nodeId: string) {
    const r = this.rows[nodeId];
    return (
      r && {
        nodeId,
        reportedAt: r.reportedAt,
        status: JSON.parse(r.status) as NodeReport['status'],
        failures: JSON.parse(r.failures) as NodeReport['failures'],
      }
    );
  }
  async record(nodeId: string, reportedAt: string, status: unknown, failures: readonly unknown[]) {
    this.rows[nodeId] = { reportedAt, status: JSON.stringify(status), failures: JSON.stringify(failures) };
  }
  wanted: Record<string, Record<string, PulledExceptions>> = {};
  async wantExceptions(
    nodeId: string,
    virtualServer: string,
    change: Partial<Pick<PulledExceptions, 'entries' | 'autoUntil'>>,
    at: string,
  ) {
    const mine = this.wanted[nodeId] ?? {};
    this.wanted[nodeId] = mine;
    const before = mine[virtualServer] ?? { entries: null, autoUntil: null, setAt: at };
    mine[virtualServer] = structuredClone({ ...before, ...change, setAt: at });
  }
  async wantedExceptions(nodeId: string) {
    return structuredClone(this.wanted[nodeId] ?? {});
  }
}
