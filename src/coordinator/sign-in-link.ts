/**
 * One-time sign-in links: an lb-admin hands a person a link that signs them in once (for example
 * `rollover up` prints one per role). The link's secret is a short-lived token marked as a link; using
 * it revokes it and issues an ordinary 12-hour session, so the URL is worth nothing afterwards.
 */
import type { Principal } from '../access/roles.js';
import { fail } from '../shared/errors.js';
import { createToken, issueToken, SESSION_TTL } from './auth.js';
import { type CoordinatorEnv, nowText, record } from './env.js';
import { principalOf } from './principal.js';
import { hashSecret } from './secrets.js';

/** The name that marks a token as a one-time sign-in link. */
export const SIGN_IN_LINK = 'one-time sign-in link';

/** Creates a one-time sign-in link for `user` (lb-admin; default lifetime 24 h). */
export async function createSignInLink(
  env: CoordinatorEnv,
  p: Principal,
  input: { user: string; expiresIn?: string | undefined },
) {
  const token = await createToken(env, p, {
    name: SIGN_IN_LINK,
    user: input.user,
    expiresIn: input.expiresIn ?? '24h',
  });
  return { url: `${env.publicUrl}/#signin=${token.token}`, expiresAt: token.expiresAt };
}

/** Uses a sign-in link once: the link is revoked and a session token for its user is returned. */
export async function redeemSignInLink(env: CoordinatorEnv, secret: string) {
  const invalid = () =>
    fail(
      'SIGN_IN_LINK_INVALID',
      'this sign-in link is unknown, was used already or expired: ask for a new one',
    );
  return env.store.transaction(async (tx) => {
    const row = await tx.tokenByHash(hashSecret(secret));
    if (!row || row.name !== SIGN_IN_LINK || row.revoked_at) invalid();
    if (row!.expires_at && Date.parse(row!.expires_at) <= env.clock.now()) invalid();
    const user = (await tx.get('users', row!.user_id)) ?? invalid();
    // Conditional, so two uses racing each other cannot both succeed.
    const used = await tx.db
      .updateTable('api_tokens')
      .set({ revoked_at: nowText(env) })
      .where('id', '=', row!.id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) invalid();
    const p = await principalOf(tx, user);
    const session = await issueToken(env, tx, user.id, 'sign-in', SESSION_TTL);
    await record(tx, env, p, 'session.link', 'token', session.id, { link: row!.id });
    return session;
  });
}
