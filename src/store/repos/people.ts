/** People over SQL: users, role bindings, tokens and invitations, rows mapped to domain values. */
import type { Kysely, Selectable } from 'kysely';
import type { ApiToken, Invitation, PeopleRepo, RoleHolder, User } from '../../coordinator/ports/people.js';
import { getRow, insertRow, listRows, removeRow, rowByIdOrName } from '../entities.js';
import { mapDbError } from '../errors.js';
import { newId } from '../ids.js';
import type { ApiTokenTable, Database, InvitationTable, UserTable } from '../schema.js';

/** A user row as the domain value. */
export function toUser(r: Selectable<UserTable>): User {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    organisation: r.organisation,
    passwordHash: r.password_hash,
    createdAt: r.created_at,
  };
}

/** A token row as the domain value (without its hash). */
export function toApiToken(r: Selectable<ApiTokenTable>): ApiToken {
  return {
    id: r.id,
    userId: r.user_id,
    name: r.name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

/** An invitation row as the domain value (without its hash). */
export function toInvitation(r: Selectable<InvitationTable>): Invitation {
  return {
    id: r.id,
    role: r.role,
    scopeId: r.scope_id,
    organisation: r.organisation,
    email: r.email,
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    usedAt: r.used_at,
  };
}

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

    async user(id) {
      const r = await getRow(db, 'users', id);
      return r && toUser(r);
    },
    async userByRef(ref) {
      const r = await rowByIdOrName(db, 'users', ref);
      return r && toUser(r);
    },
    async userByName(name) {
      const r = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
      return r && toUser(r);
    },
    async users() {
      return (await listRows(db, 'users')).map(toUser);
    },
    async hasUsers() {
      return (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) !== undefined;
    },
    async addUser(u) {
      return toUser(
        await insertRow(db, 'users', {
          name: u.name,
          email: u.email,
          organisation: u.organisation,
          password_hash: u.passwordHash,
          created_at: u.createdAt,
        }),
      );
    },
    async removeUser(id) {
      await db.deleteFrom('api_tokens').where('user_id', '=', id).execute();
      await db.deleteFrom('role_bindings').where('user_id', '=', id).execute();
      await removeRow(db, 'users', id);
    },
    async bindings(userId) {
      const rows = await db
        .selectFrom('role_bindings')
        .select(['role', 'scope_id'])
        .where('user_id', '=', userId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ role: r.role, scopeId: r.scope_id }));
    },
    async bind(userId, role, scopeId) {
      try {
        await db
          .insertInto('role_bindings')
          .values({ id: newId('rb'), user_id: userId, role, scope_id: scopeId })
          .execute();
      } catch (e) {
        mapDbError(e, 'this role binding');
      }
    },

    async addToken(t) {
      return toApiToken(
        await insertRow(db, 'api_tokens', {
          user_id: t.userId,
          name: t.name,
          token_hash: t.tokenHash,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          revoked_at: null,
        }),
      );
    },
    async token(id) {
      const r = await getRow(db, 'api_tokens', id);
      return r && toApiToken(r);
    },
    async tokens() {
      return (await listRows(db, 'api_tokens')).map(toApiToken);
    },
    async tokenByHash(hash) {
      const r = await db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', hash)
        .executeTakeFirst();
      return r && toApiToken(r);
    },
    async revokeToken(id, at) {
      const r = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async revokeTokensNamed(userId, name, at) {
      const r = await db
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('user_id', '=', userId)
        .where('name', '=', name)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    async addInvitation(i) {
      return toInvitation(
        await insertRow(db, 'invitations', {
          token_hash: i.tokenHash,
          role: i.role,
          scope_id: i.scopeId,
          organisation: i.organisation,
          email: i.email,
          created_by: i.createdBy,
          created_at: i.createdAt,
          expires_at: i.expiresAt,
          used_at: null,
        }),
      );
    },
    async invitationByHash(hash) {
      const r = await db
        .selectFrom('invitations')
        .selectAll()
        .where('token_hash', '=', hash)
        .executeTakeFirst();
      return r && toInvitation(r);
    },
    async consumeInvitation(id, at) {
      const r = await db
        .updateTable('invitations')
        .set({ used_at: at })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}
