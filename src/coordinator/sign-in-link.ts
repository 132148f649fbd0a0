/**
 * One-time sign-in links: an lb-admin hands a person a link that signs them in once (for example
 * `rollover up` prints one per role). The link's secret (`rls_…`) is its own kind of secret: it is
 * accepted only by the redeem route, never as a bearer token. Redeeming it revokes it and issues an
 * ordinary 12-hour session, so the URL is worth nothing afterwards. A user has at most one live link:
 * a new one revokes the earlier ones, so a restarted `rollover up` leaves no old link working.
 */
import { can } from '../access/can.js';
import type { Principal } from '../access/roles.js';
import { fail } from '../shared/errors.js';
import { issueToken, SESSION_TTL, SIGN_IN_LINK_NAME, tokenOwner } from './auth.js';
import { type EnvWith, forbidden, nowText, record } from './env.js';
import { principalOf } from './principal.js';
import { hashSecret, wrongSecretKind } from './secrets.js';

/** The name that marks a token row as a one-time sign-in link. */
export const SIGN_IN_LINK = SIGN_IN_LINK_NAME;

/** Creates a one-time sign-in link for `user` (lb-admin; default lifetime 24 h); earlier links of `user` stop working. */
export async function createSignInLink(
  env: EnvWith<'people' | 'audit'>,
  p: Principal,
  input: { user: string; expiresIn?: string | undefined },
) {
  const userId = await tokenOwner(env, p, input.user);
  // Only lb-admin hands out links, also to itself: any other role that sees the user is refused.
  if (!can(p, 'create', { kind: 'users' })) forbidden('create sign-in links (lb-admin only)');
  return env.store.transaction(async (tx) => {
    const at = nowText(env);
    const earlier = await tx.people.revokeTokensNamed(userId, SIGN_IN_LINK, at);
    const token = await issueToken(env, tx, userId, SIGN_IN_LINK, input.expiresIn ?? '24h', 'rls');
    await record(tx, env, p, 'sign-in-link.create', 'token', token.id, {
      userId,
      expiresAt: token.expiresAt,
      revokedEarlier: earlier,
    });
    return { url: `${env.publicUrl}/#signin=${token.token}`, expiresAt: token.expiresAt };
  });
}

/** Uses a sign-in link once: the link is revoked and a session token for its user is returned. */
export async function redeemSignInLink(env: EnvWith<'people' | 'audit'>, secret: string) {
  const invalid = (why = 'is unknown, was used already or expired') =>
    fail('SIGN_IN_LINK_INVALID', `this sign-in link ${why}: ask for a new one`);
  // Only a link secret opens this door: an API token, session or any other secret is refused here.
  const wrong = wrongSecretKind(secret, 'rls');
  if (wrong) invalid(`is not one (${wrong})`);
  return env.store.transaction(async (tx) => {
    const row = await tx.people.tokenByHash(hashSecret(secret));
    if (!row || row.name !== SIGN_IN_LINK || row.revokedAt) invalid();
    if (row!.expiresAt && Date.parse(row!.expiresAt) <= env.clock.now()) invalid();
    const user = (await tx.people.user(row!.userId)) ?? invalid();
    // Conditional, so two uses racing each other cannot both succeed.
    if (!(await tx.people.revokeToken(row!.id, nowText(env)))) invalid();
    const p = await principalOf(tx, user);
    const session = await issueToken(env, tx, user.id, 'sign-in', SESSION_TTL);
    await record(tx, env, p, 'session.link', 'token', session.id, { link: row!.id });
    return session;
  });
}
