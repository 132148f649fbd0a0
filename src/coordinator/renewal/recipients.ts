/** Who is told what: tenant admins (mail and inbox), lb-admins (escalations), sender contacts. */
import type { Store } from '../../store/store.js';

/** A person to notify. */
export interface Person {
  userId: string;
  email: string | null;
}

/** Users holding `role` on one of `scopeIds` ('' for global roles). */
export async function holders(
  store: Store,
  role: string,
  scopeIds: readonly string[],
): Promise<Array<Person & { scopeId: string }>> {
  if (scopeIds.length === 0) return [];
  const out: Array<Person & { scopeId: string }> = [];
  for (let i = 0; i < scopeIds.length; i += 1000) {
    const rows = await store.db
      .selectFrom('role_bindings')
      .innerJoin('users', 'users.id', 'role_bindings.user_id')
      .select(['users.id as userId', 'users.email as email', 'role_bindings.scope_id as scopeId'])
      .where('role_bindings.role', '=', role)
      .where('role_bindings.scope_id', 'in', scopeIds.slice(i, i + 1000))
      .orderBy('users.id')
      .execute();
    out.push(...rows);
  }
  return out;
}
