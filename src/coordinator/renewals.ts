/** The read-only renewal routes of a coordinator built without the workflow's ports (test harnesses only). */
import { can, type Resource } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import type { Row, Store } from '../store/store.js';
import { type CoordinatorEnv, notFound } from './env.js';

/** The scope facts of a renewal: the tenants on its virtual servers and their senders. */
async function renewalResource(store: Store, r: Row<'renewals'>): Promise<Resource> {
  const extra = await store.db
    .selectFrom('renewal_virtual_servers')
    .select('virtual_server_id')
    .where('renewal_id', '=', r.id)
    .execute();
  const vsIds = [r.virtual_server_id, ...extra.map((e) => e.virtual_server_id)];
  const tenants = await store.list('tenants', { column: 'virtual_server_id', values: vsIds });
  const tenantIds = tenants.map((t) => t.id);
  // One join rather than a list over tenantIds: the same queries run whether or not tenants exist.
  const senders = await store.db
    .selectFrom('senders')
    .innerJoin('tenants', 'tenants.id', 'senders.tenant_id')
    .select('senders.id')
    .where('tenants.virtual_server_id', 'in', vsIds)
    .execute();
  return { kind: 'renewal', tenantIds, senderIds: senders.map((s) => s.id) };
}

/** A renewal's row as the read-only routes show it. */
function renewalView(r: Row<'renewals'>) {
  return {
    id: r.id,
    virtualServerId: r.virtual_server_id,
    state: r.state,
    exchangeAt: r.exchange_at,
    rollbackWindowSeconds: Number(r.rollback_window_seconds),
    oldRootFingerprint: r.old_root_fingerprint,
    newRootFingerprint: r.new_root_fingerprint,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The renewals the caller may see. */
export async function listRenewals(env: CoordinatorEnv, p: Principal) {
  const out = [];
  for (const r of await env.store.list('renewals')) {
    if (can(p, 'read', await renewalResource(env.store, r))) out.push(renewalView(r));
  }
  return out;
}

/** One renewal, if the caller may see it. */
export async function showRenewal(env: CoordinatorEnv, p: Principal, id: string) {
  const r = await env.store.get('renewals', id);
  // Scope facts are gathered for a miss too, so a hidden renewal and a missing one cost the same.
  const res = await renewalResource(env.store, r ?? ({ id, virtual_server_id: '' } as Row<'renewals'>));
  if (!r || !can(p, 'read', res)) notFound('renewal', id);
  return renewalView(r);
}
