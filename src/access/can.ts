/**
 * `can()`: the one decision of who may do what to which object. Pure: callers load the object's
 * scope facts (its tenant, its sender) and pass them in. lb-admin may do everything; auditor reads
 * everything and changes nothing; tenant-admin, integration-developer and sender-admin act only inside
 * their tenants or senders.
 */
import type { Principal, Role } from './roles.js';

/** What is being done. */
export type Action = 'read' | 'create' | 'update' | 'delete';

/** The object acted on, with the scope facts the decision needs. */
export type Resource =
  | { kind: 'lb' | 'vs' | 'ca' | 'credential' | 'audit' | 'backup' | 'users' }
  | { kind: 'tenant'; tenantId: string }
  | { kind: 'sender'; tenantId: string; senderId: string }
  | { kind: 'renewal'; tenantIds: readonly string[]; senderIds: readonly string[] }
  | { kind: 'user'; userId: string }
  | { kind: 'token'; userId: string }
  | { kind: 'invitation'; role: Role; tenantId: string; senderId?: string };

function holds(p: Principal, role: Role, scopeId = ''): boolean {
  return p.bindings.some((b) => b.role === role && b.scopeId === scopeId);
}

function holdsOnAny(p: Principal, role: Role, scopeIds: readonly string[]): boolean {
  return p.bindings.some((b) => b.role === role && scopeIds.includes(b.scopeId));
}

/** True when `p` may perform `action` on `r`. */
export function can(p: Principal, action: Action, r: Resource): boolean {
  if (holds(p, 'lb-admin')) return true;
  if (action === 'read' && holds(p, 'auditor')) return true;
  switch (r.kind) {
    case 'tenant':
      if (action === 'read') {
        return holds(p, 'tenant-admin', r.tenantId) || holds(p, 'integration-developer', r.tenantId);
      }
      return action === 'update' && holds(p, 'tenant-admin', r.tenantId);
    case 'sender':
      if (holds(p, 'tenant-admin', r.tenantId)) return true;
      if (action === 'read' && holds(p, 'integration-developer', r.tenantId)) return true;
      return (action === 'read' || action === 'update') && holds(p, 'sender-admin', r.senderId);
    case 'renewal':
      return (
        action === 'read' &&
        (holdsOnAny(p, 'tenant-admin', r.tenantIds) ||
          holdsOnAny(p, 'integration-developer', r.tenantIds) ||
          holdsOnAny(p, 'sender-admin', r.senderIds))
      );
    case 'user':
      return action === 'read' && p.userId === r.userId;
    case 'token':
      return p.userId === r.userId && action !== 'update';
    case 'invitation':
      // A tenant admin brings in the sender admins of their own tenant's senders.
      return (
        action === 'create' &&
        r.role === 'sender-admin' &&
        r.senderId !== undefined &&
        holds(p, 'tenant-admin', r.tenantId)
      );
    default:
      return false;
  }
}

/** The tenant ids on which `p` holds any tenant-scoped role (what a tenant list shows them). */
export function tenantScopes(p: Principal): string[] {
  return p.bindings
    .filter((b) => b.role === 'tenant-admin' || b.role === 'integration-developer')
    .map((b) => b.scopeId);
}

/** The sender ids on which `p` is sender-admin. */
export function senderScopes(p: Principal): string[] {
  return p.bindings.filter((b) => b.role === 'sender-admin').map((b) => b.scopeId);
}

/** True when `p` sees every object (lb-admin or auditor). */
export function seesEverything(p: Principal): boolean {
  return holds(p, 'lb-admin') || holds(p, 'auditor');
}
