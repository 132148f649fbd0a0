/** Loading who a user is and what they hold. */
import { type Binding, isRole, type Principal } from '../access/roles.js';
import type { PeopleRepo, User } from './ports/people.js';

/** The principal for a stored user. */
export async function principalOf(store: { people: PeopleRepo }, user: User): Promise<Principal> {
  const bindings: Binding[] = [];
  for (const b of await store.people.bindings(user.id)) {
    if (isRole(b.role)) bindings.push({ role: b.role, scopeId: b.scopeId });
  }
  return { userId: user.id, name: user.name, organisation: user.organisation, bindings };
}
