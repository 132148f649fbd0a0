/** First start: the initial lb-admin and their API token, created once when the store has no users. */
import type { CoordinatorEnv } from './env.js';
import { nowText } from './env.js';
import { hashSecret, newSecret } from './secrets.js';

/** The initial admin's user name. */
export const INITIAL_ADMIN = 'admin';

/**
 * Creates the initial lb-admin with a token that does not expire, when there are no users yet.
 * Returns the token secret, or undefined when users already exist (a restart).
 */
export async function bootstrapAdmin(env: CoordinatorEnv): Promise<string | undefined> {
  return env.store.transaction(async (tx) => {
    const any = await tx.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (any) return undefined;
    const at = nowText(env);
    const u = await tx.insert('users', {
      name: INITIAL_ADMIN,
      email: null,
      organisation: env.provider,
      password_hash: null,
      created_at: at,
    });
    await tx.bind(u.id, 'lb-admin', '');
    const secret = newSecret('rlv');
    const tok = await tx.insert('api_tokens', {
      user_id: u.id,
      name: 'initial-admin',
      token_hash: hashSecret(secret),
      created_at: at,
      expires_at: null,
      revoked_at: null,
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
