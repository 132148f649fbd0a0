/** The renewal's workflow steps as they are recorded (read back through RenewalViews.steps). */

/** One step: what was done, by whom in which role, when, with which evidence (kept as JSON). */
export interface NewStep {
  renewalId: string;
  kind: string;
  role: string;
  actor: string;
  at: string;
  evidence: Record<string, unknown>;
}

/** Recording steps (in the unit of work it was taken from). */
export interface StepLog {
  add(step: NewStep): Promise<void>;
}
