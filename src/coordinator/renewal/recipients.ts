/** Who is told what: tenant admins (mail and inbox), lb-admins (escalations), sender contacts. */
import type { PeopleRepo, RoleHolder } from '../ports/people.js';

/** Users holding `role` on one of `scopeIds` ('' for global roles). */
export async function holders(
  tx: { people: PeopleRepo },
  role: string,
  scopeIds: readonly string[],
): Promise<RoleHolder[]> {
  if (scopeIds.length === 0) return [];
  return tx.people.holders(role, scopeIds);
}
