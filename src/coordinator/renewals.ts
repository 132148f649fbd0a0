/** Reading renewals (the workflow that writes them is the next issue's). */
import { can, type Resource } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import type { Row, Store } from '../store/store.js';
import { type CoordinatorEnv, notFound } from './env.js';
import { renewalView } from './views.js';

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
  const senders = await store.list('senders', { column: 'tenant_id', values: tenantIds });
  return { kind: 'renewal', tenantIds, senderIds: senders.map((s) => s.id) };
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
  const res = r ? await renewalResource(env.store, r) : undefined;
  if (!r || !res || !can(p, 'read', res)) notFound('renewal', id);
  return renewalView(r);
}
