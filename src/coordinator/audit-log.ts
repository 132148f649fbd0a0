/** Reading and verifying the audit log (lb-admin and auditor). */
import { can } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import { type CoordinatorEnv, forbidden } from './env.js';
import type { AuditLog } from './ports/audit-log.js';

/** Verifies the whole chain against the stored head. */
export function verifyAudit(store: { audit: AuditLog }) {
  return store.audit.verify();
}

/** The verdict, for a caller allowed to read the audit log. */
export async function auditVerify(env: CoordinatorEnv, p: Principal) {
  if (!can(p, 'read', { kind: 'audit' })) forbidden('read the audit log');
  return verifyAudit(env.store);
}

/** Audit events after `afterSeq`, at most `limit`, with the change parsed. */
export async function auditEvents(env: CoordinatorEnv, p: Principal, afterSeq: number, limit: number) {
  if (!can(p, 'read', { kind: 'audit' })) forbidden('read the audit log');
  return (await env.store.audit.events(afterSeq, limit)).map((e) => ({ ...e, change: JSON.parse(e.change) }));
}
