/** Loading who a user is and what they hold. */
import { type Binding, isRole, type Principal } from '../access/roles.js';
import type { Row, Store } from '../store/store.js';

/** The principal for a stored user. */
export async function principalOf(store: Store, user: Row<'users'>): Promise<Principal> {
  const bindings: Binding[] = [];
  for (const b of await store.bindingsOf(user.id)) {
    if (isRole(b.role)) bindings.push({ role: b.role, scopeId: b.scope_id });
  }
  return { userId: user.id, name: user.name, organisation: user.organisation, bindings };
}
