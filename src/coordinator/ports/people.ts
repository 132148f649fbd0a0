/**
 * People: users, the roles they hold, their API tokens and sign-in links, and invitations. Secrets
 * are stored and looked up only as hashes; no domain value here carries one.
 */

/** A person to notify, with the scope of the role they hold. */
export interface RoleHolder {
  userId: string;
  email: string | null;
  scopeId: string;
}

/** A user (the password hash is there to be verified, never shown). */
export interface User {
  id: string;
  name: string;
  email: string | null;
  organisation: string;
  passwordHash: string | null;
  createdAt: string;
}

/** A role binding as stored: the role's name and its scope ('' for a global role). */
export interface StoredBinding {
  role: string;
  scopeId: string;
}

/** An API token (or a sign-in link, which is a token with a reserved name). */
export interface ApiToken {
  id: string;
  userId: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** An invitation to hold a scoped role. */
export interface Invitation {
  id: string;
  role: string;
  scopeId: string;
  organisation: string;
  email: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
}

/** Reading and writing people. Lists are ordered by id; a duplicate user name is NAME_TAKEN. */
export interface PeopleRepo {
  /** Users holding `role` on one of `scopeIds` ('' for global roles), by user id. */
  holders(role: string, scopeIds: readonly string[]): Promise<RoleHolder[]>;
  /** Removes every role binding on a scope (when the tenant or sender goes away). */
  unbindScope(scopeId: string): Promise<void>;

  user(id: string): Promise<User | undefined>;
  /** A user by id, else by name, in one query either way. */
  userByRef(ref: string): Promise<User | undefined>;
  userByName(name: string): Promise<User | undefined>;
  users(): Promise<User[]>;
  /** Whether any user exists. */
  hasUsers(): Promise<boolean>;
  addUser(user: Omit<User, 'id'>): Promise<User>;
  /** Removes a user with their role bindings and tokens. */
  removeUser(id: string): Promise<void>;
  /** The role bindings of a user. */
  bindings(userId: string): Promise<StoredBinding[]>;
  /** Grants a role (scope '' = global); the same grant twice is NAME_TAKEN. */
  bind(userId: string, role: string, scopeId: string): Promise<void>;

  addToken(token: Omit<ApiToken, 'id' | 'revokedAt'> & { tokenHash: string }): Promise<ApiToken>;
  token(id: string): Promise<ApiToken | undefined>;
  tokens(): Promise<ApiToken[]>;
  /** The token whose secret hashes to `tokenHash`. */
  tokenByHash(tokenHash: string): Promise<ApiToken | undefined>;
  /** Revokes a token unless it is already; false when it was (so two racing uses cannot both win). */
  revokeToken(id: string, at: string): Promise<boolean>;
  /** Revokes a user's unrevoked tokens of one name; how many. */
  revokeTokensNamed(userId: string, name: string, at: string): Promise<number>;

  addInvitation(invitation: Omit<Invitation, 'id' | 'usedAt'> & { tokenHash: string }): Promise<Invitation>;
  /** The invitation whose secret hashes to `tokenHash`. */
  invitationByHash(tokenHash: string): Promise<Invitation | undefined>;
  /** Marks an invitation used unless it is already; false when someone used it first. */
  consumeInvitation(id: string, at: string): Promise<boolean>;
}
