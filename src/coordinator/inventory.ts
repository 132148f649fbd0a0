/**
 * The inventory use cases: load balancers, virtual servers, tenants and senders. Each checks the
 * caller with `can()`, writes in one transaction with its audit event, and answers "not found" for
 * objects outside the caller's scope exactly as for objects that do not exist.
 */
import { type Action, can, type Resource } from '../access/can.js';
import type { OperatingModel } from '../access/operating-model.js';
import type { Principal } from '../access/roles.js';
import { fail } from '../shared/errors.js';
import type { Row, Store } from '../store/store.js';
import { assertAddressClaims } from './address-claims.js';
import { type CoordinatorEnv, forbidden, notFound, nowText, record } from './env.js';
import { lbView, senderView, tenantView, vsView } from './views.js';

/** Input of `lb add`. */
export interface LbInput {
  name: string;
  kind: 'builtin' | 'haproxy' | 'nginx';
  nodes?: Array<{ name: string; address: string }> | undefined;
}

/** Input of `vs add`. */
export interface VsInput {
  name: string;
  lb: string;
  hosts: string[];
  listen: string;
  backends: string[];
  previewListen?: string | undefined;
}

/** Input of `tenant add`. */
export interface TenantInput {
  name: string;
  virtualServer?: string | undefined;
  operatingModel: OperatingModel;
  customerOrganisation: string;
}

/** A sender's own fields (without the tenant). */
export interface SenderFields {
  name: string;
  contacts: string[];
  truststoreKind: string;
  sourceAddresses?: string[] | undefined;
  clientCertSubject?: string | undefined;
}

/** Input of `sender add`. */
export interface SenderInput extends SenderFields {
  tenant: string;
}

/** Input of a sender update (by its sender admin or tenant admin). */
export type SenderPatch = Partial<Omit<SenderFields, 'name'>>;

/** A row by id, else by unique name. */
function byRef<T extends 'load_balancers' | 'virtual_servers' | 'tenants'>(
  store: Store,
  table: T,
  ref: string,
): Promise<Row<T> | undefined> {
  return store.byIdOrName(table, ref);
}

/** Refuses unless `p` may `action` a global kind; global kinds exist for everyone, so this is 403. */
function requireGlobal(p: Principal, action: Action, kind: 'lb' | 'vs', noun: string): void {
  if (!can(p, action, { kind })) forbidden(`${action} ${noun}`);
}

/** Loads an object and checks that `p` may see it (404 otherwise) and may `action` it (403 otherwise). */
async function visible<T>(
  load: () => Promise<T | undefined>,
  resource: (row: T) => Promise<Resource> | Resource,
  p: Principal,
  action: Action,
  kind: string,
  ref: string,
): Promise<T> {
  const row = await load();
  const r = row === undefined ? undefined : await resource(row);
  if (row === undefined || r === undefined || !can(p, 'read', r)) return notFound(kind, ref);
  if (action !== 'read' && !can(p, action, r)) forbidden(`${action} this ${kind}`);
  return row;
}

// ---- load balancers ------------------------------------------------------------------------------

/** Adds a load balancer with its nodes. */
export async function addLb(env: CoordinatorEnv, p: Principal, input: LbInput) {
  requireGlobal(p, 'create', 'lb', 'load balancers');
  const names = (input.nodes ?? []).map((n) => n.name);
  if (new Set(names).size !== names.length)
    fail('NAME_TAKEN', 'two nodes share a name: give each node its own');
  return env.store.transaction(async (tx) => {
    const at = nowText(env);
    const lb = await tx.insert('load_balancers', { name: input.name, kind: input.kind, created_at: at });
    const nodes = [];
    for (const n of input.nodes ?? []) {
      nodes.push(
        await tx.insert('lb_nodes', {
          lb_id: lb.id,
          name: n.name,
          address: n.address,
          token_hash: null,
          created_at: at,
        }),
      );
    }
    await record(tx, env, p, 'lb.add', 'lb', lb.id, { ...input });
    return lbView(lb, nodes);
  });
}

/** Every load balancer. */
export async function listLbs(env: CoordinatorEnv, p: Principal) {
  requireGlobal(p, 'read', 'lb', 'read load balancers');
  const nodes = await env.store.list('lb_nodes');
  return (await env.store.list('load_balancers')).map((lb) =>
    lbView(
      lb,
      nodes.filter((n) => n.lb_id === lb.id),
    ),
  );
}

/** One load balancer by id or name. */
export async function showLb(env: CoordinatorEnv, p: Principal, ref: string) {
  requireGlobal(p, 'read', 'lb', 'read load balancers');
  const lb = (await byRef(env.store, 'load_balancers', ref)) ?? notFound('load balancer', ref);
  return lbView(lb, await env.store.list('lb_nodes', { column: 'lb_id', values: [lb.id] }));
}

/** Removes a load balancer (refused while a virtual server uses it). */
export async function removeLb(env: CoordinatorEnv, p: Principal, ref: string) {
  requireGlobal(p, 'delete', 'lb', 'remove load balancers');
  const lb = (await byRef(env.store, 'load_balancers', ref)) ?? notFound('load balancer', ref);
  return env.store.transaction(async (tx) => {
    const used = await tx.list('virtual_servers', { column: 'lb_id', values: [lb.id] });
    if (used.length > 0) {
      fail(
        'STILL_IN_USE',
        `load balancer ${lb.name} still carries virtual servers (${used.map((v) => v.name).join(', ')})`,
      );
    }
    await tx.db.deleteFrom('lb_nodes').where('lb_id', '=', lb.id).execute();
    await tx.remove('load_balancers', lb.id);
    await record(tx, env, p, 'lb.remove', 'lb', lb.id, { name: lb.name });
    return { id: lb.id, removed: true };
  });
}

// ---- virtual servers -----------------------------------------------------------------------------

/** Adds a virtual server on a load balancer. */
export async function addVs(env: CoordinatorEnv, p: Principal, input: VsInput) {
  requireGlobal(p, 'create', 'vs', 'virtual servers');
  const lb = (await byRef(env.store, 'load_balancers', input.lb)) ?? notFound('load balancer', input.lb);
  return env.store.transaction(async (tx) => {
    const vs = await tx.insert('virtual_servers', {
      lb_id: lb.id,
      name: input.name,
      hosts: JSON.stringify(input.hosts),
      listen: input.listen,
      backends: JSON.stringify(input.backends),
      active_credential_id: null,
      staged_credential_id: null,
      activate_at: null,
      preview_listen: input.previewListen ?? null,
      created_at: nowText(env),
    });
    await record(tx, env, p, 'vs.add', 'vs', vs.id, { ...input, lb: lb.id });
    return vsView(vs);
  });
}

/** Every virtual server. */
export async function listVs(env: CoordinatorEnv, p: Principal) {
  requireGlobal(p, 'read', 'vs', 'read virtual servers');
  return (await env.store.list('virtual_servers')).map(vsView);
}

/** One virtual server by id or name. */
export async function showVs(env: CoordinatorEnv, p: Principal, ref: string) {
  requireGlobal(p, 'read', 'vs', 'read virtual servers');
  return vsView((await byRef(env.store, 'virtual_servers', ref)) ?? notFound('virtual server', ref));
}

/** Removes a virtual server (refused while tenants or renewals use it). */
export async function removeVs(env: CoordinatorEnv, p: Principal, ref: string) {
  requireGlobal(p, 'delete', 'vs', 'remove virtual servers');
  const vs = (await byRef(env.store, 'virtual_servers', ref)) ?? notFound('virtual server', ref);
  return env.store.transaction(async (tx) => {
    await tx.remove('virtual_servers', vs.id);
    await record(tx, env, p, 'vs.remove', 'vs', vs.id, { name: vs.name });
    return { id: vs.id, removed: true };
  });
}

// ---- tenants -------------------------------------------------------------------------------------

/** Adds a tenant (lb-admin). */
export async function addTenant(env: CoordinatorEnv, p: Principal, input: TenantInput) {
  if (!can(p, 'create', { kind: 'tenant', tenantId: '' })) forbidden('add tenants');
  let vsId: string | null = null;
  if (input.virtualServer !== undefined) {
    vsId = (
      (await byRef(env.store, 'virtual_servers', input.virtualServer)) ??
      notFound('virtual server', input.virtualServer)
    ).id;
  }
  return env.store.transaction(async (tx) => {
    const t = await tx.insert('tenants', {
      name: input.name,
      virtual_server_id: vsId,
      operating_model: input.operatingModel,
      customer_organisation: input.customerOrganisation,
      created_at: nowText(env),
    });
    await record(tx, env, p, 'tenant.add', 'tenant', t.id, { ...input, virtualServer: vsId });
    return tenantView(t);
  });
}

const tenantResource = (t: Row<'tenants'>): Resource => ({ kind: 'tenant', tenantId: t.id });

/** The tenants the caller may see. */
export async function listTenants(env: CoordinatorEnv, p: Principal) {
  return (await env.store.list('tenants')).filter((t) => can(p, 'read', tenantResource(t))).map(tenantView);
}

/** One tenant by id or name, if the caller may see it. */
export async function showTenant(env: CoordinatorEnv, p: Principal, ref: string) {
  return tenantView(await visibleTenant(env, p, 'read', ref));
}

/** Loads a tenant by id or name, checking `action` for the caller. */
export function visibleTenant(env: CoordinatorEnv, p: Principal, action: Action, ref: string) {
  return visible(() => byRef(env.store, 'tenants', ref), tenantResource, p, action, 'tenant', ref);
}

/** Removes a tenant with its senders and the role bindings on them (lb-admin). */
export async function removeTenant(env: CoordinatorEnv, p: Principal, ref: string) {
  const t = await visibleTenant(env, p, 'delete', ref);
  return env.store.transaction(async (tx) => {
    const senders = await tx.list('senders', { column: 'tenant_id', values: [t.id] });
    for (const s of senders) {
      await tx.unbindScope(s.id);
      await tx.remove('senders', s.id);
    }
    await tx.unbindScope(t.id);
    await tx.remove('tenants', t.id);
    await record(tx, env, p, 'tenant.remove', 'tenant', t.id, { name: t.name, senders: senders.length });
    return { id: t.id, removed: true };
  });
}

// ---- senders -------------------------------------------------------------------------------------

const senderResource = (s: Row<'senders'>): Resource => ({
  kind: 'sender',
  tenantId: s.tenant_id,
  senderId: s.id,
});

function senderRow(env: CoordinatorEnv, tenantId: string, f: SenderFields) {
  return {
    tenant_id: tenantId,
    name: f.name,
    contacts: JSON.stringify(f.contacts),
    truststore_kind: f.truststoreKind,
    source_addresses: JSON.stringify(f.sourceAddresses ?? []),
    client_cert_subject: f.clientCertSubject ?? null,
    created_at: nowText(env),
  };
}

/** Refuses source addresses the caller may not claim for a sender of `tenantId` (see address-claims). */
async function checkAddressClaims(
  env: CoordinatorEnv,
  p: Principal,
  tenantId: string,
  claims: readonly string[],
) {
  if (claims.length === 0) return;
  const others = (await env.store.list('senders'))
    .filter((s) => s.tenant_id !== tenantId)
    .map((s) => ({ tenantId: s.tenant_id, ranges: JSON.parse(s.source_addresses) as string[] }));
  assertAddressClaims(p, tenantId, claims, others);
}

/** A tenant the caller may add senders to (404 when invisible, 403 when visible but read-only). */
async function senderTenant(env: CoordinatorEnv, p: Principal, ref: string) {
  const t = await visibleTenant(env, p, 'read', ref);
  if (!can(p, 'create', { kind: 'sender', tenantId: t.id, senderId: '' }))
    forbidden('add senders to this tenant');
  return t;
}

/** Adds one sender to a tenant. */
export async function addSender(env: CoordinatorEnv, p: Principal, input: SenderInput) {
  const t = await senderTenant(env, p, input.tenant);
  await checkAddressClaims(env, p, t.id, input.sourceAddresses ?? []);
  return env.store.transaction(async (tx) => {
    const s = await tx.insert('senders', senderRow(env, t.id, input));
    await record(tx, env, p, 'sender.add', 'sender', s.id, { ...input, tenant: t.id });
    return senderView(s);
  });
}

/**
 * Adds many senders to a tenant, all or nothing: every row is checked (duplicates within the batch
 * and against the tenant) before the first is written, and any failure rolls the whole batch back.
 */
export async function importSenders(
  env: CoordinatorEnv,
  p: Principal,
  input: { tenant: string; senders: SenderFields[] },
) {
  const t = await senderTenant(env, p, input.tenant);
  const seen = new Map<string, number>();
  const problems: Array<{ row: number; message: string }> = [];
  const existing = new Set(
    (await env.store.list('senders', { column: 'tenant_id', values: [t.id] })).map((s) => s.name),
  );
  input.senders.forEach((s, i) => {
    const first = seen.get(s.name);
    if (first !== undefined)
      problems.push({ row: i + 1, message: `sender "${s.name}" repeats row ${first}` });
    else if (existing.has(s.name))
      problems.push({ row: i + 1, message: `sender "${s.name}" already exists in ${t.name}` });
    seen.set(s.name, i + 1);
  });
  await checkAddressClaims(
    env,
    p,
    t.id,
    input.senders.flatMap((s) => s.sourceAddresses ?? []),
  );
  if (problems.length > 0) {
    fail('NAME_TAKEN', `nothing imported: ${problems.length} row(s) conflict (${problems[0]!.message})`, {
      problems,
    });
  }
  return env.store.transaction(async (tx) => {
    const out = (
      await tx.insertMany(
        'senders',
        input.senders.map((s) => senderRow(env, t.id, s)),
      )
    ).map(senderView);
    await record(tx, env, p, 'sender.import', 'tenant', t.id, {
      count: out.length,
      names: out.map((s) => s.name),
    });
    return { tenantId: t.id, imported: out.length, senders: out };
  });
}

/** The senders the caller may see, optionally of one tenant. */
export async function listSenders(env: CoordinatorEnv, p: Principal, tenantRef?: string) {
  let filter: { column: string; values: string[] } | undefined;
  if (tenantRef !== undefined) {
    const t = await byRef(env.store, 'tenants', tenantRef);
    // A tenant the caller cannot see may still hold their sender (sender-admin): filter, don't refuse.
    // Query even for a tenant that does not exist, so a hidden tenant and a missing one cost the same.
    filter = { column: 'tenant_id', values: [t?.id ?? tenantRef] };
  }
  return (await env.store.list('senders', filter))
    .filter((s) => can(p, 'read', senderResource(s)))
    .map(senderView);
}

/** Loads a sender by id, checking `action` for the caller. */
function visibleSender(env: CoordinatorEnv, p: Principal, action: Action, id: string) {
  return visible(() => env.store.get('senders', id), senderResource, p, action, 'sender', id);
}

/** One sender. */
export async function showSender(env: CoordinatorEnv, p: Principal, id: string) {
  return senderView(await visibleSender(env, p, 'read', id));
}

/** Changes a sender's contacts, truststore kind or attribution hints. */
export async function updateSender(env: CoordinatorEnv, p: Principal, id: string, patch: SenderPatch) {
  const s = await visibleSender(env, p, 'update', id);
  if (patch.sourceAddresses !== undefined)
    await checkAddressClaims(env, p, s.tenant_id, patch.sourceAddresses);
  return env.store.transaction(async (tx) => {
    const values: Partial<Row<'senders'>> = {};
    if (patch.contacts !== undefined) values.contacts = JSON.stringify(patch.contacts);
    if (patch.truststoreKind !== undefined) values.truststore_kind = patch.truststoreKind;
    if (patch.sourceAddresses !== undefined) values.source_addresses = JSON.stringify(patch.sourceAddresses);
    if (patch.clientCertSubject !== undefined) values.client_cert_subject = patch.clientCertSubject;
    if (Object.keys(values).length === 0) return senderView(s); // nothing to change, nothing to record
    await tx.update('senders', s.id, values);
    await record(tx, env, p, 'sender.update', 'sender', s.id, { ...patch });
    return senderView({ ...s, ...values });
  });
}

/** Removes a sender and the sender-admin bindings on it. */
export async function removeSender(env: CoordinatorEnv, p: Principal, id: string) {
  const s = await visibleSender(env, p, 'delete', id);
  return env.store.transaction(async (tx) => {
    await tx.unbindScope(s.id);
    await tx.remove('senders', s.id);
    await record(tx, env, p, 'sender.remove', 'sender', s.id, { name: s.name, tenant: s.tenant_id });
    return { id: s.id, removed: true };
  });
}
