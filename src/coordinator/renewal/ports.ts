/**
 * What the renewal workflow needs from outside, wired once in the composition root: timing policy,
 * the announcement key, mail and webhook delivery, the data-plane nodes' control APIs, a TLS
 * observer, and a change feed for live views.
 */

import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { TimingPolicy } from '../../renewal/timing.js';
import type { CoordinatorEnv } from '../env.js';
import type { MailSender } from '../ports/mail.js';
import type { MessageTexts } from '../ports/messages.js';
import type { NodeControl } from './node-control.js';

/** The coordinator's P-256 key that signs announcements, and its public JWK (kid = RFC 7638 thumbprint). */
export interface AnnouncementKey {
  privateKey: KeyObject;
  jwk: JWK & { kid: string };
}

/** Posts one signed webhook event; resolves on a 2xx answer. */
export type WebhookPoster = (p: {
  url: string;
  secret: string;
  event: unknown;
  idempotencyKey: string;
  nowSeconds: number;
}) => Promise<void>;

/** The renewal workflow's ports and settings. */
export interface RenewalPorts {
  timing: TimingPolicy;
  /** How long a personal sender link stays valid after it is issued. */
  linkTtlMs: number;
  /** Days ahead of the latest safe T that the expiry watch proposes starting a renewal. */
  proposeDaysAhead: number;
  announcementKey: AnnouncementKey;
  /** The words of each message (src/notify/messages.ts). */
  texts: MessageTexts;
  /** Mail delivery; without it mail stays in the outbox (and is reported as undeliverable). */
  mail?: MailSender | undefined;
  webhook: WebhookPoster;
  /**
   * Refuses an outbound URL the operator's rule does not allow (URL_REFUSED); called when a URL is
   * stored (delivery checks it again). The rule itself lives with the delivery adapter.
   */
  checkOutboundUrl: (url: string) => void;
  nodes: NodeControl;
  /** The SHA-256 of the leaf a fresh handshake gets (a real TLS client; no trust decision). */
  /** The leaf a fresh handshake gets, and the local address it came from (null: unknown). */
  observe: (p: {
    host: string;
    port: number;
    servername?: string;
  }) => Promise<{ sha256: string; from: string | null }>;
  /** Told whenever a renewal changes (server-sent events). */
  changed: (id: string, state: string) => void;
  /** Subscribes to the same changes (server-sent events); returns the unsubscribe. */
  subscribe: (fn: (id: string, state: string) => void) => () => void;
  /** Outbox retry backoff: first delay and cap (ms). */
  retryBaseMs: number;
  retryMaxMs: number;
}

/** The coordinator environment plus the renewal ports. */
export interface RenewalEnv extends CoordinatorEnv {
  renewal: RenewalPorts;
}

/** True when the environment carries the renewal workflow's ports. */
export function hasRenewal(env: CoordinatorEnv): env is RenewalEnv {
  return 'renewal' in env;
}
