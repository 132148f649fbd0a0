/** The in-app inbox: what the outbox delivered to a user in the app. */
import type { Principal } from '../../access/roles.js';
import type { EnvWith } from '../env.js';
import type { InboxItem } from '../ports/outbox.js';

/** How many inbox notifications one read returns at most. */
export const INBOX_LIMIT = 500;

/** The caller's own in-app notifications, newest first (nobody reads another's inbox). */
export function inbox(env: EnvWith<'outbox'>, p: Principal): Promise<InboxItem[]> {
  return env.store.outbox.inbox(p.userId, INBOX_LIMIT);
}
