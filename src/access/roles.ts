/** The roles people hold, and who holds them where. */

/** Every role. lb-admin and auditor are global; the others are scoped to tenants or senders. */
export const ROLES = [
  'lb-admin',
  'tenant-admin',
  'sender-admin',
  'integration-developer',
  'auditor',
] as const;

/** A role. */
export type Role = (typeof ROLES)[number];

/** What a role is scoped to: nothing (global), a tenant, or a sender. */
export const ROLE_SCOPE: Record<Role, 'global' | 'tenant' | 'sender'> = {
  'lb-admin': 'global',
  auditor: 'global',
  'tenant-admin': 'tenant',
  'integration-developer': 'tenant',
  'sender-admin': 'sender',
};

/** One role a principal holds; `scopeId` is '' for a global role, else a tenant or sender id. */
export interface Binding {
  role: Role;
  scopeId: string;
}

/** Who is calling: a user, their organisation, and their role bindings. */
export interface Principal {
  userId: string;
  name: string;
  organisation: string;
  bindings: readonly Binding[];
}

/** True when `s` names a role. */
export function isRole(s: string): s is Role {
  return (ROLES as readonly string[]).includes(s);
}

/** The role a principal acts in, for the audit log: the most powerful one they hold. */
export function primaryRole(p: Principal): Role | 'none' {
  for (const r of ROLES) if (p.bindings.some((b) => b.role === r)) return r;
  return 'none';
}
