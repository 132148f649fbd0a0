/** People in memory: a fake of the port for unit tests (see ../fakes.ts). */
import { fail } from '../../../shared/errors.js';
import type { ApiToken, Invitation, PeopleRepo, RoleHolder, User } from '../people.js';
import { byId } from './rows.js';

/** People in arrays: users, bindings (with the user's mail, as holders are read), tokens, invitations. */
export class FakePeople implements PeopleRepo {
  rows: Array<RoleHolder & { role: string }> = [];
  userRows: User[] = [];
  tokenRows: Array<ApiToken & { tokenHash: string }> = [];
  invitationRows: Array<Invitation & { tokenHash: string }> = [];
  private next = 0;

  private id(prefix: string) {
    return `${prefix}_${String(++this.next).padStart(6, '0')}`;
  }
  private static strip<T extends { tokenHash: string }>({ tokenHash: _, ...rest }: T) {
    return structuredClone(rest);
  }

  async holders(role: string, scopeIds: readonly string[]) {
    return this.rows
      .filter((r) => r.role === role && scopeIds.includes(r.scopeId))
      .sort((a, b) => a.userId.localeCompare(b.userId))
      .map(({ role: _, ...h }) => h);
  }
  async unbindScope(scopeId: string) {
    this.rows = this.rows.filter((r) => r.scopeId !== scopeId);
  }

  async user(id: string) {
    const u = this.userRows.find((x) => x.id === id);
    return u && { ...u };
  }
  async userByRef(ref: string) {
    const u = this.userRows.find((x) => x.id === ref) ?? this.userRows.find((x) => x.name === ref);
    return u && { ...u };
  }
  async userByName(name: string) {
    const u = this.userRows.find((x) => x.name === name);
    return u && { ...u };
  }
  async users() {
    return byId(this.userRows);
  }
  async hasUsers() {
    return this.userRows.length > 0;
  }
  async addUser(u: Omit<User, 'id'>) {
    if (this.userRows.some((x) => x.name === u.name))
      fail('NAME_TAKEN', 'a user with this name already exists: choose another name');
    const row = { ...u, id: this.id('usr') };
    this.userRows.push(row);
    return { ...row };
  }
  async removeUser(id: string) {
    this.tokenRows = this.tokenRows.filter((t) => t.userId !== id);
    this.rows = this.rows.filter((r) => r.userId !== id);
    this.userRows = this.userRows.filter((u) => u.id !== id);
  }
  async bindings(userId: string) {
    return this.rows.filter((r) => r.userId === userId).map((r) => ({ role: r.role, scopeId: r.scopeId }));
  }
  async bind(userId: string, role: string, scopeId: string) {
    if (this.rows.some((r) => r.userId === userId && r.role === role && r.scopeId === scopeId))
      fail('NAME_TAKEN', 'this role binding already exists: choose another name');
    const u = this.userRows.find((x) => x.id === userId);
    this.rows.push({ userId, email: u?.email ?? null, role, scopeId });
  }

  async addToken(t: Omit<ApiToken, 'id' | 'revokedAt'> & { tokenHash: string }) {
    const row = { ...t, id: this.id('tok'), revokedAt: null };
    this.tokenRows.push(row);
    return FakePeople.strip(row);
  }
  async token(id: string) {
    const t = this.tokenRows.find((x) => x.id === id);
    return t && FakePeople.strip(t);
  }
  async tokens() {
    return byId(this.tokenRows).map(FakePeople.strip);
  }
  async tokenByHash(tokenHash: string) {
    const t = this.tokenRows.find((x) => x.tokenHash === tokenHash);
    return t && FakePeople.strip(t);
  }
  async revokeToken(id: string, at: string) {
    const t = this.tokenRows.find((x) => x.id === id && x.revokedAt === null);
    if (t) t.revokedAt = at;
    return t !== undefined;
  }
  async revokeTokensNamed(userId: string, name: string, at: string) {
    const live = this.tokenRows.filter((x) => x.userId === userId && x.name === name && x.revokedAt === null);
    for (const t of live) t.revokedAt = at;
    return live.length;
  }

  async addInvitation(i: Omit<Invitation, 'id' | 'usedAt'> & { tokenHash: string }) {
    const row = { ...i, id: this.id('inv'), usedAt: null };
    this.invitationRows.push(row);
    return FakePeople.strip(row);
  }
  async invitationByHash(tokenHash: string) {
    const i = this.invitationRows.find((x) => x.tokenHash === tokenHash);
    return i && FakePeople.strip(i);
  }
  async consumeInvitation(id: string, at: string) {
    const i = this.invitationRows.find((x) => x.id === id && x.usedAt === null);
    if (i) i.usedAt = at;
    return i !== undefined;
  }
}
