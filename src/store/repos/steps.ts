/** Recording workflow steps over SQL (the evidence kept as JSON, ids minted like every entity's). */
import type { Kysely } from 'kysely';
import type { StepLog } from '../../coordinator/ports/steps.js';
import { insertRow } from '../entities.js';
import type { Database } from '../schema.js';

/** Steps on `db`. */
export function sqlStepLog(db: Kysely<Database>): StepLog {
  return {
    async add(s) {
      await insertRow(db, 'steps', {
        renewal_id: s.renewalId,
        kind: s.kind,
        role: s.role,
        actor: s.actor,
        at: s.at,
        evidence: JSON.stringify(s.evidence),
      });
    },
  };
}
