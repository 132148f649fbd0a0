/** Role holders over SQL. */
import type { Kysely } from 'kysely';
import type { PeopleRepo, RoleHolder } from '../../coordinator/ports/people.js';
import type { Database } from '../schema.js';

/** People on `db`. */
export function sqlPeople(db: Kysely<Database>): PeopleRepo {
  return {
    async holders(role, scopeIds) {
      const out: RoleHolder[] = [];
      // 1 000 scopes per statement stays below both databases' parameter limits.
      for (let i = 0; i < scopeIds.length; i += 1000) {
        const rows = await db
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
    },
    async unbindScope(scopeId) {
      await db.deleteFrom('role_bindings').where('scope_id', '=', scopeId).execute();
    },
  };
}
