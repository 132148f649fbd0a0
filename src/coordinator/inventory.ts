/**
 * The inventory use cases: load balancers, virtual servers, tenants and senders. Each checks the
 * caller with `can()`, writes in one transaction with its audit event, and answers "not found" for
 * objects outside the caller's scope exactly as for objects that do not exist.
 */
import { type Action, can, type Resource } from '../access/can.js';
import type { OperatingModel } from '../access/operating-model.js';
import type { Principal } from '../access/roles.js';
import { fail } from '../shared/errors.js';
import { assertAddressClaims } from './address-claims.js';
import { type EnvWith, forbidden, notFound, nowText, record } from './env.js';
import type { Sender, Tenant } from './ports/inventory.js';
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

/** What the inventory use cases need: the inventory, the role bindings on it, and the audit log. */
type Env = EnvWith<'inventory' | 'people' | 'audit'>;

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
export async function addLb(env: Env, p: Principal, input: LbInput) {
  requireGlobal(p, 'create', 'lb', 'load balancers');
  const names = (input.nodes ?? []).map((n) => n.name);
  if (new Set(names).size !== names.length)
    fail('NAME_TAKEN', 'two nodes share a name: give each node its own');
  return env.store.transaction(async (tx) => {
    const createdAt = nowText(env);
    const lb = await tx.inventory.addLoadBalancer({ name: input.name, kind: input.kind, createdAt });
    const nodes = [];
    for (const n of input.nodes ?? []) {
      nodes.push(await tx.inventory.addNode({ lbId: lb.id, name: n.name, address: n.address, createdAt }));
    }
    await record(tx, env, p, 'lb.add', 'lb', lb.id, { ...input });
    return lbView(lb, nodes);
  });
}

/** Every load balancer. */
export async function listLbs(env: Env, p: Principal) {
  requireGlobal(p, 'read', 'lb', 'read load balancers');
  const nodes = await env.store.inventory.nodes();
  return (await env.store.inventory.loadBalancers()).map((lb) =>
    lbView(
      lb,
      nodes.filter((n) => n.lbId === lb.id),
    ),
  );
}

/** One load balancer by id or name. */
export async function showLb(env: Env, p: Principal, ref: string) {
  requireGlobal(p, 'read', 'lb', 'read load balancers');
  const lb = (await env.store.inventory.loadBalancerByRef(ref)) ?? notFound('load balancer', ref);
  return lbView(lb, await env.store.inventory.nodes(lb.id));
}

/** Removes a load balancer (refused while a virtual server uses it). */
export async function removeLb(env: Env, p: Principal, ref: string) {
  requireGlobal(p, 'delete', 'lb', 'remove load balancers');
  const lb = (await env.store.inventory.loadBalancerByRef(ref)) ?? notFound('load balancer', ref);
  return env.store.transaction(async (tx) => {
    const used = await tx.inventory.virtualServers(lb.id);
    if (used.length > 0) {
      fail(
        'STILL_IN_USE',
        `load balancer ${lb.name} still carries virtual servers (${used.map((v) => v.name).join(', ')})`,
      );
    }
    await tx.inventory.removeLoadBalancer(lb.id);
    await record(tx, env, p, 'lb.remove', 'lb', lb.id, { name: lb.name });
    return { id: lb.id, removed: true };
  });
}

// ---- virtual servers -----------------------------------------------------------------------------

/** Adds a virtual server on a load balancer. */
export async function addVs(env: Env, p: Principal, input: VsInput) {
  requireGlobal(p, 'create', 'vs', 'virtual servers');
  const lb = (await env.store.inventory.loadBalancerByRef(input.lb)) ?? notFound('load balancer', input.lb);
  return env.store.transaction(async (tx) => {
    const vs = await tx.inventory.addVirtualServer({
      lbId: lb.id,
      name: input.name,
      hosts: input.hosts,
      listen: input.listen,
      backends: input.backends,
      activeCredentialId: null,
      stagedCredentialId: null,
      activateAt: null,
      previewListen: input.previewListen ?? null,
      createdAt: nowText(env),
    });
    await record(tx, env, p, 'vs.add', 'vs', vs.id, { ...input, lb: lb.id });
    return vsView(vs);
  });
}

/** Every virtual server. */
export async function listVs(env: Env, p: Principal) {
  requireGlobal(p, 'read', 'vs', 'read virtual servers');
  return (await env.store.inventory.virtualServers()).map(vsView);
}

/** One virtual server by id or name. */
export async function showVs(env: Env, p: Principal, ref: string) {
  requireGlobal(p, 'read', 'vs', 'read virtual servers');
  return vsView((await env.store.inventory.virtualServerByRef(ref)) ?? notFound('virtual server', ref));
}

/** Removes a virtual server (refused while tenants or renewals use it). */
export async function removeVs(env: Env, p: Principal, ref: string) {
  requireGlobal(p, 'delete', 'vs', 'remove virtual servers');
  const vs = (await env.store.inventory.virtualServerByRef(ref)) ?? notFound('virtual server', ref);
  return env.store.transaction(async (tx) => {
    await tx.inventory.removeVirtualServer(vs.id);
    await record(tx, env, p, 'vs.remove', 'vs', vs.id, { name: vs.name });
    return { id: vs.id, removed: true };
  });
}

// ---- tenants -------------------------------------------------------------------------------------

/** Adds a tenant (lb-admin). */
export async function addTenant(env: Env, p: Principal, input: TenantInput) {
  if (!can(p, 'create', { kind: 'tenant', tenantId: '' })) forbidden('add tenants');
  let vsId: string | null = null;
  if (input.virtualServer !== undefined) {
    vsId = (
      (await env.store.inventory.virtualServerByRef(input.virtualServer)) ??
      notFound('virtual server', input.virtualServer)
    ).id;
  }
  return env.store.transaction(async (tx) => {
    const t = await tx.inventory.addTenant({
      name: input.name,
      virtualServerId: vsId,
      operatingModel: input.operatingModel,
      customerOrganisation: input.customerOrganisation,
      createdAt: nowText(env),
    });
    await record(tx, env, p, 'tenant.add', 'tenant', t.id, { ...input, virtualServer: vsId });
    return tenantView(t);
  });
}

const tenantResource = (t: Tenant): Resource => ({ kind: 'tenant', tenantId: t.id });

/** The tenants the caller may see. */
export async function listTenants(env: Env, p: Principal) {
  return (await env.store.inventory.tenants())
    .filter((t) => can(p, 'read', tenantResource(t)))
    .map(tenantView);
}

/** One tenant by id or name, if the caller may see it. */
export async function showTenant(env: Env, p: Principal, ref: string) {
  return tenantView(await visibleTenant(env, p, 'read', ref));
}

/** Loads a tenant by id or name, checking `action` for the caller. */
export function visibleTenant(env: Env, p: Principal, action: Action, ref: string) {
  return visible(() => env.store.inventory.tenantByRef(ref), tenantResource, p, action, 'tenant', ref);
}

/** Removes a tenant with its senders and the role bindings on them (lb-admin). */
export async function removeTenant(env: Env, p: Principal, ref: string) {
  const t = await visibleTenant(env, p, 'delete', ref);
  return env.store.transaction(async (tx) => {
    const senders = await tx.inventory.senders(t.id);
    for (const s of senders) {
      await tx.people.unbindScope(s.id);
      await tx.inventory.removeSender(s.id);
    }
    await tx.people.unbindScope(t.id);
    await tx.inventory.removeTenant(t.id);
    await record(tx, env, p, 'tenant.remove', 'tenant', t.id, { name: t.name, senders: senders.length });
    return { id: t.id, removed: true };
  });
}

// ---- senders -------------------------------------------------------------------------------------

const senderResource = (s: Sender): Resource => ({
  kind: 'sender',
  tenantId: s.tenantId,
  senderId: s.id,
});

function newSender(env: Env, tenantId: string, f: SenderFields) {
  return {
    tenantId,
    name: f.name,
    contacts: f.contacts,
    truststoreKind: f.truststoreKind,
    sourceAddresses: f.sourceAddresses ?? [],
    clientCertSubject: f.clientCertSubject ?? null,
    createdAt: nowText(env),
  };
}

/** Refuses source addresses the caller may not claim for a sender of `tenantId` (see address-claims). */
async function checkAddressClaims(env: Env, p: Principal, tenantId: string, claims: readonly string[]) {
  if (claims.length === 0) return;
  assertAddressClaims(p, tenantId, claims, await env.store.inventory.claimedAddresses(tenantId));
}

/** A tenant the caller may add senders to (404 when invisible, 403 when visible but read-only). */
async function senderTenant(env: Env, p: Principal, ref: string) {
  const t = await visibleTenant(env, p, 'read', ref);
  if (!can(p, 'create', { kind: 'sender', tenantId: t.id, senderId: '' }))
    forbidden('add senders to this tenant');
  return t;
}

/** Adds one sender to a tenant. */
export async function addSender(env: Env, p: Principal, input: SenderInput) {
  const t = await senderTenant(env, p, input.tenant);
  await checkAddressClaims(env, p, t.id, input.sourceAddresses ?? []);
  return env.store.transaction(async (tx) => {
    const [s] = await tx.inventory.addSenders([newSender(env, t.id, input)]);
    await record(tx, env, p, 'sender.add', 'sender', s!.id, { ...input, tenant: t.id });
    return senderView(s!);
  });
}

/**
 * Adds many senders to a tenant, all or nothing: every row is checked (duplicates within the batch
 * and against the tenant) before the first is written, and any failure rolls the whole batch back.
 */
export async function importSenders(
  env: Env,
  p: Principal,
  input: { tenant: string; senders: SenderFields[] },
) {
  const t = await senderTenant(env, p, input.tenant);
  const seen = new Map<string, number>();
  const problems: Array<{ row: number; message: string }> = [];
  const existing = new Set((await env.store.inventory.senders(t.id)).map((s) => s.name));
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
    const out = (await tx.inventory.addSenders(input.senders.map((s) => newSender(env, t.id, s)))).map(
      senderView,
    );
    await record(tx, env, p, 'sender.import', 'tenant', t.id, {
      count: out.length,
      names: out.map((s) => s.name),
    });
    return { tenantId: t.id, imported: out.length, senders: out };
  });
}

/** The senders the caller may see, optionally of one tenant. */
export async function listSenders(env: Env, p: Principal, tenantRef?: string) {
  let tenantId: string | undefined;
  if (tenantRef !== undefined) {
    const t = await env.store.inventory.tenantByRef(tenantRef);
    // A tenant the caller cannot see may still hold their sender (sender-admin): filter, don't refuse.
    // Query even for a tenant that does not exist, so a hidden tenant and a missing one cost the same.
    tenantId = t?.id ?? tenantRef;
  }
  return (await env.store.inventory.senders(tenantId))
    .filter((s) => can(p, 'read', senderResource(s)))
    .map(senderView);
}

/** Loads a sender by id, checking `action` for the caller. */
function visibleSender(env: Env, p: Principal, action: Action, id: string) {
  return visible(() => env.store.inventory.sender(id), senderResource, p, action, 'sender', id);
}

/** One sender. */
export async function showSender(env: Env, p: Principal, id: string) {
  return senderView(await visibleSender(env, p, 'read', id));
}

/** Changes a sender's contacts, truststore kind or attribution hints. */
export async function updateSender(env: Env, p: Principal, id: string, patch: SenderPatch) {
  const s = await visibleSender(env, p, 'update', id);
  if (patch.sourceAddresses !== undefined)
    await checkAddressClaims(env, p, s.tenantId, patch.sourceAddresses);
  return env.store.transaction(async (tx) => {
    const change = Object.fromEntries(
      Object.entries(patch).filter(([, v]) => v !== undefined),
    ) as SenderPatch;
    if (Object.keys(change).length === 0) return senderView(s); // nothing to change, nothing to record
    await tx.inventory.updateSender(s.id, change);
    await record(tx, env, p, 'sender.update', 'sender', s.id, { ...patch });
    return senderView({ ...s, ...change });
  });
}

/** Removes a sender and the sender-admin bindings on it. */
export async function removeSender(env: Env, p: Principal, id: string) {
  const s = await visibleSender(env, p, 'delete', id);
  return env.store.transaction(async (tx) => {
    await tx.people.unbindScope(s.id);
    await tx.inventory.removeSender(s.id);
    await record(tx, env, p, 'sender.remove', 'sender', s.id, { name: s.name, tenant: s.tenantId });
    return { id: s.id, removed: true };
  });
}
