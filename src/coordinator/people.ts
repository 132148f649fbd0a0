/**
 * Users, their roles, and invitations: lb-admin adds users directly; tenant and sender admins of other
 * organisations join through one-time, expiring invitation links. A tenant-scoped role is only given
 * to the organisation the tenant's operating model names.
 */
import { can } from '../access/can.js';
import { holderOrganisation } from '../access/operating-model.js';
import { type Binding, type Principal, ROLE_SCOPE, type Role } from '../access/roles.js';
import { parseDuration } from '../shared/duration.js';
import { fail } from '../shared/errors.js';
import { issueToken } from './auth.js';
import { type EnvWith, forbidden, notFound, nowText, record } from './env.js';
import type { Ports } from './ports/unit-of-work.js';
import { principalOf } from './principal.js';
import { hashPassword, hashSecret, newSecret, wrongSecretKind } from './secrets.js';
import { userView } from './views.js';

/** A role as requested: the role and, for scoped roles, the tenant or sender (id or tenant name). */
export interface RoleRequest {
  role: Role;
  scope?: string | undefined;
}

/** Input of `user add`. */
export interface UserInput {
  name: string;
  email?: string | undefined;
  organisation: string;
  password?: string | undefined;
  roles: RoleRequest[];
}

/** Input of an invitation. */
export interface InvitationInput {
  role: Role;
  scope: string;
  organisation: string;
  email?: string | undefined;
  expiresIn?: string | undefined;
}

const MAX_INVITATION_TTL_MS = parseDuration('30d');

/** What the people use cases need: people, the inventory their roles are scoped to, the audit log. */
type Env = EnvWith<'people' | 'inventory' | 'audit'>;

/**
 * Resolves a role request to a binding, checking that the scope exists, that `p` may see it, and that
 * the operating model lets `organisation` hold the role.
 */
async function resolveBinding(
  env: Env,
  store: Pick<Ports, 'inventory'>,
  p: Principal,
  req: RoleRequest,
  organisation: string,
): Promise<Binding & { tenantId: string }> {
  const kind = ROLE_SCOPE[req.role];
  if (kind === 'global') {
    if (req.scope) fail('BAD_ARGUMENT', `${req.role} is a global role: give it without a scope`);
    return { role: req.role, scopeId: '', tenantId: '' };
  }
  if (!req.scope) fail('BAD_ARGUMENT', `${req.role} needs a scope: the ${kind} it applies to`);
  if (kind === 'sender') {
    const s = await store.inventory.sender(req.scope);
    if (!s || !can(p, 'read', { kind: 'sender', tenantId: s.tenantId, senderId: s.id }))
      notFound('sender', req.scope);
    return { role: req.role, scopeId: s.id, tenantId: s.tenantId };
  }
  const t = await store.inventory.tenantByRef(req.scope);
  if (!t || !can(p, 'read', { kind: 'tenant', tenantId: t.id })) notFound('tenant', req.scope);
  const holder = holderOrganisation(
    { operatingModel: t.operatingModel, customerOrganisation: t.customerOrganisation },
    req.role,
    env.provider,
  );
  if (holder !== undefined && holder !== organisation) {
    fail(
      'OPERATING_MODEL',
      `tenant ${t.name} is ${t.operatingModel}: its ${req.role} must belong to ${holder}, not ${organisation}`,
    );
  }
  return { role: req.role, scopeId: t.id, tenantId: t.id };
}

/** Adds a user with roles (lb-admin). */
export async function addUser(env: Env, p: Principal, input: UserInput) {
  if (!can(p, 'create', { kind: 'users' })) forbidden('add users');
  const bindings: Array<Binding & { tenantId: string }> = [];
  for (const r of input.roles) bindings.push(await resolveBinding(env, env.store, p, r, input.organisation));
  const hash = input.password === undefined ? null : await hashPassword(input.password);
  return env.store.transaction(async (tx) => {
    const u = await tx.people.addUser({
      name: input.name,
      email: input.email ?? null,
      organisation: input.organisation,
      passwordHash: hash,
      createdAt: nowText(env),
    });
    for (const b of bindings) await tx.people.bind(u.id, b.role, b.scopeId);
    await record(tx, env, p, 'user.add', 'user', u.id, {
      name: input.name,
      organisation: input.organisation,
      roles: bindings.map((b) => ({ role: b.role, scope: b.scopeId })),
    });
    return userView(u, bindings);
  });
}

/** Users the caller may see: everyone for lb-admin and auditor, else only themselves. */
export async function listUsers(env: Env, p: Principal) {
  const rows = (await env.store.people.users()).filter(
    (u) => can(p, 'read', { kind: 'users' }) || can(p, 'read', { kind: 'user', userId: u.id }),
  );
  const out = [];
  for (const u of rows) out.push(userView(u, (await principalOf(env.store, u)).bindings));
  return out;
}

async function visibleUser(env: Env, p: Principal, ref: string) {
  const u = await env.store.people.userByRef(ref);
  if (!u || !(can(p, 'read', { kind: 'users' }) || can(p, 'read', { kind: 'user', userId: u.id }))) {
    notFound('user', ref);
  }
  return u;
}

/** One user by id or name. */
export async function showUser(env: Env, p: Principal, ref: string) {
  const u = await visibleUser(env, p, ref);
  return userView(u, (await principalOf(env.store, u)).bindings);
}

/** Removes a user with their roles and tokens (lb-admin; never yourself). */
export async function removeUser(env: Env, p: Principal, ref: string) {
  const u = await visibleUser(env, p, ref);
  if (!can(p, 'delete', { kind: 'users' })) forbidden('remove users');
  if (u.id === p.userId) fail('SELF_REMOVAL', 'you cannot remove yourself: ask another lb-admin');
  return env.store.transaction(async (tx) => {
    await tx.people.removeUser(u.id);
    await record(tx, env, p, 'user.remove', 'user', u.id, { name: u.name });
    return { id: u.id, removed: true };
  });
}

/** Creates a one-time invitation link; the secret is returned once and stored only as a hash. */
export async function invite(env: Env, p: Principal, input: InvitationInput) {
  if (ROLE_SCOPE[input.role] === 'global')
    fail('BAD_ARGUMENT', `invitations are for scoped roles, not ${input.role}`);
  const b = await resolveBinding(
    env,
    env.store,
    p,
    { role: input.role, scope: input.scope },
    input.organisation,
  );
  const resource = {
    kind: 'invitation' as const,
    role: input.role,
    tenantId: b.tenantId,
    ...(ROLE_SCOPE[input.role] === 'sender' ? { senderId: b.scopeId } : {}),
  };
  if (!can(p, 'create', resource)) forbidden(`invite a ${input.role}`);
  const ms = parseDuration(input.expiresIn ?? '7d');
  if (ms <= 0 || ms > MAX_INVITATION_TTL_MS)
    fail('BAD_ARGUMENT', 'an invitation must expire within 1s to 30d');
  const secret = newSecret('rli');
  return env.store.transaction(async (tx) => {
    const inv = await tx.people.addInvitation({
      tokenHash: hashSecret(secret),
      role: input.role,
      scopeId: b.scopeId,
      organisation: input.organisation,
      email: input.email ?? null,
      createdBy: p.userId,
      createdAt: nowText(env),
      expiresAt: new Date(env.clock.now() + ms).toISOString(),
    });
    await record(tx, env, p, 'invitation.create', 'invitation', inv.id, {
      role: input.role,
      scope: b.scopeId,
      organisation: input.organisation,
      email: input.email ?? null,
      expiresAt: inv.expiresAt,
    });
    return {
      id: inv.id,
      role: inv.role,
      scope: inv.scopeId,
      organisation: inv.organisation,
      expiresAt: inv.expiresAt,
      token: secret,
      url: `${env.publicUrl.replace(/\/$/, '')}/invite#${secret}`,
    };
  });
}

/** Accepts an invitation: creates the user with the invited role and signs them in. Works once. */
export async function acceptInvitation(
  env: Env,
  input: { token: string; name: string; password: string; email?: string | undefined },
) {
  const wrong = wrongSecretKind(input.token, 'rli');
  if (wrong) fail('INVITATION_INVALID', `this invitation link is not valid (${wrong}): ask for a new one`);
  const inv = await env.store.people.invitationByHash(hashSecret(input.token));
  if (!inv) fail('INVITATION_INVALID', 'this invitation link is not valid: ask for a new one');
  if (inv.usedAt) fail('INVITATION_INVALID', 'this invitation link was already used: ask for a new one');
  if (Date.parse(inv.expiresAt) <= env.clock.now()) {
    fail('INVITATION_INVALID', `this invitation link expired at ${inv.expiresAt}: ask for a new one`);
  }
  const hash = await hashPassword(input.password);
  return env.store.transaction(async (tx) => {
    if (!(await tx.people.consumeInvitation(inv.id, nowText(env)))) {
      fail('INVITATION_INVALID', 'this invitation link was already used: ask for a new one');
    }
    const scope =
      ROLE_SCOPE[inv.role as Role] === 'sender'
        ? await tx.inventory.sender(inv.scopeId)
        : await tx.inventory.tenantByRef(inv.scopeId);
    if (scope?.id !== inv.scopeId) {
      fail('INVITATION_INVALID', 'what this invitation was for no longer exists: ask for a new one');
    }
    const u = await tx.people.addUser({
      name: input.name,
      email: input.email ?? inv.email,
      organisation: inv.organisation,
      passwordHash: hash,
      createdAt: nowText(env),
    });
    await tx.people.bind(u.id, inv.role, inv.scopeId);
    const p = await principalOf(tx, u);
    const token = await issueToken(env, tx, u.id, 'sign-in', '12h');
    await record(tx, env, p, 'invitation.accept', 'invitation', inv.id, { user: u.id, role: inv.role });
    return { user: userView(u, p.bindings), token };
  });
}
