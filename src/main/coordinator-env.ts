/**
 * The one place the coordinator's environment is assembled: the store, the clock, the provider's
 * name, the sign-in limiter and, when the renewal workflow runs, its ports (timing, announcement
 * key, mail, webhooks, node control, TLS observer, change feed). `rollover server`, `up`, the
 * benchmarks and the test harnesses all build it here, so they cannot drift apart.
 */

import { httpNodeControl } from '../adapters/node-control-http.js';
import { observeLeafFrom } from '../adapters/observe.js';
import type { CoordinatorEnv } from '../coordinator/env.js';
import type { MailSender } from '../coordinator/ports/mail.js';
import { FailureLimiter } from '../coordinator/rate-limit.js';
import { routedNodeControl } from '../coordinator/remote-nodes.js';
import { loadAnnouncementKey } from '../coordinator/renewal/announcement-key.js';
import { ChangeFeed } from '../coordinator/renewal/change-feed.js';
import type { NodeControl } from '../coordinator/renewal/node-control.js';
import type { RenewalEnv } from '../coordinator/renewal/ports.js';
import { smtpMailSender } from '../notify/mail.js';
import { messageTexts } from '../notify/messages.js';
import { checkOutboundUrl, STRICT_OUTBOUND } from '../notify/outbound.js';
import { postWebhook } from '../notify/webhook.js';
import { type Clock, systemClock } from '../shared/time.js';
import type { Store } from '../store/store.js';
import type { RenewalSettings } from './renewal-runtime.js';

/** What every coordinator needs. */
export interface CoordinatorEnvOptions {
  store: Store;
  clock?: Clock;
  /** The provider organisation's name (default "Provider"). */
  provider?: string;
  /** The public base URL; set again once the listening address is known. */
  publicUrl?: string;
  /** After how long without a failure a sign-in delay starts afresh (default 15 min). */
  signInForgetMs?: number;
  /**
   * Addresses or CIDR blocks (IPv4 or IPv6) of reverse proxies in front of the API: only a request from one of
   * them has its client address taken from X-Forwarded-For (default: none, the peer address counts).
   */
  trustedProxies?: readonly string[];
}

/** The renewal workflow's settings and any adapters a caller replaces (tests, benchmarks). */
export interface RenewalEnvOptions extends CoordinatorEnvOptions {
  renewal: Omit<RenewalSettings, 'tickMs'>;
  /** Mail delivery instead of the SMTP settings' sender. */
  mail?: MailSender;
  /** Node control instead of HTTP routed through remote nodes. */
  nodes?: NodeControl;
}

/** Builds a coordinator environment; with `renewal` settings, the workflow's ports too. */
export async function buildCoordinatorEnv(o: RenewalEnvOptions): Promise<RenewalEnv>;
export async function buildCoordinatorEnv(o: CoordinatorEnvOptions): Promise<CoordinatorEnv>;
export async function buildCoordinatorEnv(
  o: CoordinatorEnvOptions | RenewalEnvOptions,
): Promise<CoordinatorEnv | RenewalEnv> {
  const clock = o.clock ?? systemClock;
  const env: CoordinatorEnv = {
    store: o.store,
    clock,
    provider: o.provider ?? 'Provider',
    signInLimiter: new FailureLimiter(clock, o.signInForgetMs),
    trustedProxies: o.trustedProxies ?? [],
    publicUrl: o.publicUrl ?? '',
  };
  if (!('renewal' in o)) return env;
  const s = o.renewal;
  const feed = new ChangeFeed();
  return {
    ...env,
    renewal: {
      timing: s.timing,
      linkTtlMs: s.linkTtlMs,
      proposeDaysAhead: s.proposeDaysAhead,
      announcementKey: await loadAnnouncementKey(o.store),
      texts: messageTexts,
      mail: o.mail ?? (s.smtp ? smtpMailSender(s.smtp) : undefined),
      webhook: (p) => postWebhook({ ...p, policy: s.outbound ?? STRICT_OUTBOUND }),
      checkOutboundUrl: (url) => {
        checkOutboundUrl(url, s.outbound ?? STRICT_OUTBOUND);
      },
      nodes: o.nodes ?? routedNodeControl(o.store, () => clock.now(), httpNodeControl),
      observe: (p) => observeLeafFrom({ ...p, timeoutMs: 3000 }),
      changed: (id, state) => feed.publish(id, state),
      subscribe: (fn) => feed.subscribe(fn),
      retryBaseMs: s.retryBaseMs,
      retryMaxMs: s.retryMaxMs,
    },
  };
}
