/** What every coordinator use case receives: the store, the clock, and who the provider is. */
import { type Principal, primaryRole } from '../access/roles.js';
import { fail } from '../shared/errors.js';
import type { Clock } from '../shared/time.js';
import type { AuditLog } from './ports/audit-log.js';
import type { PortName, StoreWith } from './ports/unit-of-work.js';
import type { FailureLimiter } from './rate-limit.js';

/** The use cases' environment (wired once in src/main/server.ts). */
export interface CoordinatorEnv {
  store: StoreWith<PortName>;
  clock: Clock;
  /** The provider organisation's name (the LB operator). */
  provider: string;
  /** Sign-in failures per user name and client address. */
  signInLimiter: FailureLimiter;
  /**
   * Reverse proxies (IPv4 and IPv6 addresses and CIDR blocks, canonical form) whose X-Forwarded-For
   * names the client; a request from any other peer is that peer.
   */
  trustedProxies: readonly string[];
  /** The public base URL, for invitation links. */
  publicUrl: string;
}

/**
 * The environment of a use case that needs only the ports `K` (and a unit of work over them): what it
 * declares instead of the whole store, so it runs against the store or the in-memory fakes alike.
 */
export type EnvWith<K extends PortName> = Omit<CoordinatorEnv, 'store'> & { store: StoreWith<K> };

/** The current instant as stored text. */
export function nowText(env: Pick<CoordinatorEnv, 'clock'>): string {
  return new Date(env.clock.now()).toISOString();
}

/** Appends one audit event for a change `p` made, inside the caller's transaction. */
export async function record(
  tx: { audit: AuditLog },
  env: Pick<CoordinatorEnv, 'clock'>,
  p: Principal,
  action: string,
  targetKind: string,
  targetId: string,
  change: Record<string, unknown>,
): Promise<void> {
  await tx.audit.append({
    at: nowText(env),
    actor: p.name,
    role: primaryRole(p),
    organisation: p.organisation,
    action,
    targetKind,
    targetId,
    change: JSON.stringify(change),
  });
}

/** The one answer for "does not exist" and "exists but you may not see it", so neither leaks. */
export function notFound(kind: string, ref: string): never {
  return fail('NOT_FOUND', `no ${kind} "${ref}" (it does not exist or you may not see it)`, { kind });
}

/** The answer when the caller sees the object but their role may not do this to it. */
export function forbidden(what: string): never {
  return fail('FORBIDDEN', `your role may not ${what}`);
}
