/** Readiness counts in memory: a fake of the port for unit tests (see ../fakes.ts). */
import { type ReadinessState, readinessSummary } from '../../../renewal/readiness.js';
import type { ReadinessCounts, ReadinessTally } from '../readiness-counts.js';
import { FakeReadiness, type FakeReadinessRow } from './readiness.js';

/** Readiness counts over {@link FakeReadiness}'s rows; kept counts in a map by renewal. */
export class FakeReadinessCounts implements ReadinessCounts {
  keptRows: Record<string, ReadinessTally> = {};

  /** `rows` reads the readiness rows (a function, so a transaction's snapshot does not copy them twice). */
  constructor(private readonly rows: () => readonly FakeReadinessRow[]) {}

  async count(renewalId: string) {
    return readinessSummary(
      this.rows()
        .filter((r) => r.renewalId === renewalId)
        .map((r) => r.state),
    );
  }
  async kept(renewalId: string) {
    const k = this.keptRows[renewalId];
    return k && { ...k };
  }
  async reset(renewalId: string) {
    this.keptRows[renewalId] = await this.count(renewalId);
  }
  async bump(renewalId: string, delta: Partial<ReadinessTally>) {
    const cur = this.keptRows[renewalId];
    if (!cur) return;
    for (const [k, v] of Object.entries(delta))
      cur[k as ReadinessState] = (cur[k as ReadinessState] ?? 0) + (v ?? 0);
  }
}
