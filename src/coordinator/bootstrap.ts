/** First start: the initial lb-admin and their API token, created once when the store has no users. */
import { type EnvWith, nowText } from './env.js';
import { hashSecret, newSecret } from './secrets.js';

/** The initial admin's user name. */
export const INITIAL_ADMIN = 'admin';

/**
 * Creates the initial lb-admin with a token that does not expire, when there are no users yet.
 * Returns the token secret, or undefined when users already exist (a restart).
 */
export async function bootstrapAdmin(env: EnvWith<'people' | 'audit'>): Promise<string | undefined> {
  return env.store.transaction(async (tx) => {
    if (await tx.people.hasUsers()) return undefined;
    const at = nowText(env);
    const u = await tx.people.addUser({
      name: INITIAL_ADMIN,
      email: null,
      organisation: env.provider,
      passwordHash: null,
      createdAt: at,
    });
    await tx.people.bind(u.id, 'lb-admin', '');
    const secret = newSecret('rlv');
    const tok = await tx.people.addToken({
      userId: u.id,
      name: 'initial-admin',
      tokenHash: hashSecret(secret),
      createdAt: at,
      expiresAt: null,
    });
    await tx.audit.append({
      at,
      actor: 'rollover',
      role: 'system',
      organisation: env.provider,
      action: 'bootstrap',
      targetKind: 'user',
      targetId: u.id,
      change: JSON.stringify({ user: INITIAL_ADMIN, role: 'lb-admin', token: tok.id }),
    });
    return secret;
  });
}
