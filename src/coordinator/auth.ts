/**
 * Who is calling: bearer tokens (stored hashed, with expiry and revocation), sign-in with a password
 * (rate-limited), and API tokens people create and revoke for scripts.
 */
import { can } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import { parseDuration } from '../shared/duration.js';
import { fail } from '../shared/errors.js';
import { clientKey } from '../shared/ip.js';
import { type EnvWith, notFound, nowText, record } from './env.js';
import type { PeopleRepo } from './ports/people.js';
import { principalOf } from './principal.js';
import { ACCOUNT_DELAY, ADDRESS_DELAY, type DelayPolicy, delayAfter } from './rate-limit.js';
import { hashSecret, newSecret, type SecretPrefix, verifyPassword, wrongSecretKind } from './secrets.js';
import { tokenView } from './views.js';

/** What the sign-in and token use cases need. */
type Env = EnvWith<'people' | 'audit'>;

/** The name that marks a token row as a one-time sign-in link (its secret is `rls_…`). */
export const SIGN_IN_LINK_NAME = 'one-time sign-in link';

/** Tokens that sign-in hands out live this long. */
export const SESSION_TTL = '12h';
/** The longest lifetime a token may be given. */
const MAX_TOKEN_TTL_MS = parseDuration('400d');

/** The principal behind an `Authorization: Bearer …` value. */
export async function authenticate(env: Env, bearer: string | undefined): Promise<Principal> {
  if (!bearer) {
    fail('UNAUTHENTICATED', 'sign in first: send an API token as "Authorization: Bearer TOKEN"');
  }
  const wrong = wrongSecretKind(bearer, 'rlv');
  if (wrong) fail('UNAUTHENTICATED', `${wrong}; send an API token as "Authorization: Bearer TOKEN"`);
  const row = await env.store.people.tokenByHash(hashSecret(bearer));
  // A sign-in link stored before links had their own prefix is still only a link, never a token.
  if (!row || row.name === SIGN_IN_LINK_NAME)
    fail('UNAUTHENTICATED', 'the API token is not valid: sign in again or create a new token');
  if (row.revokedAt)
    fail('UNAUTHENTICATED', 'the API token was revoked: sign in again or create a new token');
  if (row.expiresAt && Date.parse(row.expiresAt) <= env.clock.now()) {
    fail('UNAUTHENTICATED', `the API token expired at ${row.expiresAt}: sign in again or create a new token`);
  }
  const user = await env.store.people.user(row.userId);
  if (!user) fail('UNAUTHENTICATED', 'the API token belongs to a removed user');
  return principalOf(env.store, user);
}

/** Issues a token for `userId`; returns the secret once (only its hash is stored). */
export async function issueToken(
  env: Env,
  tx: { people: PeopleRepo },
  userId: string,
  name: string,
  expiresIn: string | undefined,
  prefix: Extract<SecretPrefix, 'rlv' | 'rls'> = 'rlv',
) {
  let expiresAt: string | null = null;
  if (expiresIn !== undefined) {
    const ms = parseDuration(expiresIn);
    if (ms <= 0 || ms > MAX_TOKEN_TTL_MS)
      fail('BAD_ARGUMENT', 'a token lifetime must be between 1s and 400d');
    expiresAt = new Date(env.clock.now() + ms).toISOString();
  }
  const secret = newSecret(prefix);
  const row = await tx.people.addToken({
    userId,
    name,
    tokenHash: hashSecret(secret),
    createdAt: nowText(env),
    expiresAt,
  });
  return { ...tokenView(row), token: secret };
}

/**
 * Signs in with a user name and password. Each failure adds to a growing delay for the name and for
 * the client address (src/coordinator/rate-limit.ts; an IPv6 client by its /64, src/shared/ip.ts); while either waits, sign-in is RATE_LIMITED with
 * the seconds left, whatever the password. A delay that starts or grows is audited.
 */
export async function signIn(env: Env, input: { name: string; password: string }, clientAddress: string) {
  const limiter = env.signInLimiter;
  const account = `user:${input.name.toLowerCase()}`;
  // An IPv6 client is counted by its /64: one address per try would be a fresh key per try.
  const addressKey = clientKey(clientAddress);
  const address = `addr:${addressKey}`;
  const wait = Math.max(
    limiter.retryAfter(account, ACCOUNT_DELAY),
    limiter.retryAfter(address, ADDRESS_DELAY),
  );
  if (wait > 0) {
    fail('RATE_LIMITED', `too many failed sign-ins: try again in ${Math.ceil(wait / 1000)} s`, {
      retryAfterSeconds: Math.ceil(wait / 1000),
    });
  }
  const user = await env.store.people.userByName(input.name);
  const ok = await verifyPassword(input.password, user?.passwordHash);
  if (!ok || !user) {
    const byAccount = limiter.fail(account, ACCOUNT_DELAY);
    const byAddress = limiter.fail(address, ADDRESS_DELAY);
    // Names that are no account are not audited: a spray of made-up names must not flood the log.
    if (user && grew(byAccount, ACCOUNT_DELAY)) {
      await auditDelay(env, 'user', user.id, { name: user.name, clientAddress, ...seconds(byAccount) });
    }
    if (grew(byAddress, ADDRESS_DELAY)) {
      await auditDelay(env, 'address', addressKey, { clientAddress, ...seconds(byAddress) });
    }
    fail('UNAUTHENTICATED', 'wrong user name or password');
  }
  limiter.reset(account);
  return env.store.transaction(async (tx) => {
    const p = await principalOf(tx, user);
    const token = await issueToken(env, tx, user.id, 'sign-in', SESSION_TTL);
    await record(tx, env, p, 'session.create', 'token', token.id, { name: token.name });
    return token;
  });
}

/** True when this failure started or lengthened the key's delay (not when it stays at the cap). */
function grew(f: { failures: number; delayMs: number }, policy: DelayPolicy): boolean {
  return f.delayMs > delayAfter(f.failures - 1, policy);
}

function seconds(f: { failures: number; delayMs: number }) {
  return { failures: f.failures, delaySeconds: f.delayMs / 1000 };
}

/** Audits a sign-in delay: nobody is signed in, so the coordinator itself is the actor. */
async function auditDelay(
  env: Env,
  targetKind: 'user' | 'address',
  targetId: string,
  change: Record<string, unknown>,
): Promise<void> {
  await env.store.audit.append({
    at: nowText(env),
    actor: 'rollover',
    role: 'system',
    organisation: env.provider,
    action: 'session.delay',
    targetKind,
    targetId,
    change: JSON.stringify(change),
  });
}

/** The user a token is being made for: the caller, or (lb-admin) another user; refused otherwise. */
export async function tokenOwner(env: Env, p: Principal, user: string | undefined): Promise<string> {
  let userId = p.userId;
  if (user !== undefined) {
    const target = await env.store.people.userByRef(user);
    if (!target || !can(p, 'read', { kind: 'user', userId: target.id })) notFound('user', user);
    userId = target.id;
  }
  if (!can(p, 'create', { kind: 'token', userId })) {
    fail('FORBIDDEN', 'your role may not create tokens for other users');
  }
  return userId;
}

/** Creates an API token for the caller (or, for lb-admin, for another user). */
export async function createToken(
  env: Env,
  p: Principal,
  input: { name: string; expiresIn?: string | undefined; user?: string | undefined },
) {
  if (input.name === SIGN_IN_LINK_NAME)
    fail('BAD_ARGUMENT', `"${SIGN_IN_LINK_NAME}" is a reserved token name`);
  const userId = await tokenOwner(env, p, input.user);
  return env.store.transaction(async (tx) => {
    const token = await issueToken(env, tx, userId, input.name, input.expiresIn ?? '90d');
    await record(tx, env, p, 'token.create', 'token', token.id, {
      name: input.name,
      userId,
      expiresAt: token.expiresAt,
    });
    return token;
  });
}

/** The caller's tokens (every token for lb-admin and auditor). */
export async function listTokens(env: Env, p: Principal) {
  const rows = await env.store.people.tokens();
  return rows.filter((r) => can(p, 'read', { kind: 'token', userId: r.userId })).map(tokenView);
}

/** Revokes a token; revoking one already revoked changes nothing and says so. */
export async function revokeToken(env: Env, p: Principal, id: string) {
  const row = await env.store.people.token(id);
  if (!row || !can(p, 'read', { kind: 'token', userId: row.userId })) notFound('token', id);
  if (!can(p, 'delete', { kind: 'token', userId: row.userId })) {
    fail('FORBIDDEN', 'your role may not revoke this token');
  }
  if (row.revokedAt) return { ...tokenView(row), changed: false };
  return env.store.transaction(async (tx) => {
    const at = nowText(env);
    await tx.people.revokeToken(id, at);
    await record(tx, env, p, 'token.revoke', 'token', id, { name: row.name, userId: row.userId });
    return { ...tokenView({ ...row, revokedAt: at }), changed: true };
  });
}
