/** Workflow steps in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { FakeRenewalViews } from '../fake-renewal-views.js';
import type { NewStep, StepLog } from '../steps.js';

/** Steps recorded into the rows {@link FakeRenewalViews} reads back (ids minted in order). */
export class FakeStepLog implements StepLog {
  private minted = 0;

  constructor(private readonly rows: () => FakeRenewalViews['stepRows']) {}

  async add(step: NewStep) {
    this.minted += 1;
    const { renewalId, ...s } = structuredClone(step);
    this.rows().push({ id: `stp_${String(this.minted).padStart(8, '0')}`, renewalId, ...s });
  }
}
