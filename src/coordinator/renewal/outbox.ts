/**
 * The transactional outbox: notifications are written in the same transaction as the state change
 * that causes them, once per (step, recipient) thanks to a unique idempotency key, and delivered at
 * least once by the scheduler — retried with exponential backoff while SMTP or a webhook target is
 * down. Rows hold template references, not rendered mail: messages are rendered at delivery from the
 * stored facts (the link token is derived again from the link id, so no secret sits in the outbox).
 */

import { readOneCertificate } from '../../pki/certificate.js';
import { isBeforeExchange, type RenewalState } from '../../renewal/states.js';
import type { ExchangeFacts, Message } from '../ports/messages.js';
import type { Outbox, PendingNotification, Template } from '../ports/outbox.js';
import type { SecretBox } from '../ports/secrets.js';
import { linkToken, linkUrl } from './links.js';
import { loadFacts, type RenewalFacts } from './model.js';
import type { RenewalEnv } from './ports.js';
import { unsealSecret } from './sealing.js';
import { senderStatusIn } from './sender-facts.js';

export type { Template } from '../ports/outbox.js';

/** One notification to write. */
export interface OutboxItem {
  key: string;
  channel: 'mail' | 'webhook' | 'inbox';
  /** A mail address, a tenant id (webhook) or a user id (inbox). */
  recipient: string;
  subject: string;
  body: Template;
  renewalId: string;
}

/** Writes notifications in the caller's transaction; an item whose key exists already is skipped. */
export async function enqueue(
  tx: { outbox: Outbox },
  env: Pick<RenewalEnv, 'clock'>,
  items: readonly OutboxItem[],
): Promise<void> {
  const now = new Date(env.clock.now()).toISOString();
  await tx.outbox.add(
    items.map((i) => ({
      channel: i.channel,
      recipient: i.recipient,
      subject: i.subject,
      body: i.body,
      // The in-app inbox is the store itself: written is delivered.
      state: i.channel === 'inbox' ? 'delivered' : 'pending',
      nextAttemptAt: now,
      createdAt: now,
      deliveredAt: i.channel === 'inbox' ? now : null,
      idempotencyKey: i.key,
      renewalId: i.renewalId,
    })),
  );
}

/** The message facts of a renewal. */
export function exchangeFacts(env: RenewalEnv, f: RenewalFacts): ExchangeFacts {
  const newRoot = readOneCertificate(f.newCred.rootPem, 'root');
  return {
    renewalId: f.renewal.id,
    exchangeAt: new Date(f.renewal.exchangeAt!),
    safeRemovalAt: new Date(f.renewal.safeRemovalAt!),
    hosts: f.vss.flatMap((v) => v.hosts),
    newRootSha256: newRoot.sha256,
    newRootPem: f.newCred.rootPem,
    ...(f.renewal.oldRootSha256 ? { oldRootSha256: f.renewal.oldRootSha256 } : {}),
    announcementUrl: `${env.publicUrl}/api/v1/renewals/${f.renewal.id}/announcement.jws`,
    sequence: Number(f.renewal.sequence),
    ...(f.renewal.bridge ? { bridgeUntil: new Date(f.renewal.bridge.until) } : {}),
    ...(f.renewal.grace.grace === 'unready' && f.renewal.grace.graceUntil
      ? { graceUntil: f.renewal.grace.graceUntil }
      : {}),
  };
}

/** The preview listener URL of a renewal's first virtual server, when it has one. */
export function previewUrl(f: RenewalFacts): string | undefined {
  const p = f.vss[0]?.previewListen;
  return p ? `https://${p}` : undefined;
}

/**
 * Where a sender proves the new root: before the exchange the preview listener (it serves the new
 * credential already, so success proves the new root, not the old), after it the virtual server
 * itself; always with the virtual server's host name as SNI, since it need not resolve here.
 */
export function proveTarget(
  f: RenewalFacts,
  /** The sender's addresses are served the old credential (grace): the virtual server would prove nothing. */
  inGrace = false,
): { url: string; servername: string; exchanged: boolean } {
  const vs = f.vss[0]!;
  const host = vs.hosts[0]!;
  const exchanged = !isBeforeExchange(f.renewal.state as RenewalState);
  const preview = previewUrl(f);
  if ((!exchanged || inGrace) && preview) return { url: preview, servername: host, exchanged };
  // The listener's address when it is a concrete one; a wildcard listener is reached by the host name.
  const listen = vs.listen ?? '';
  const at = listen.lastIndexOf(':');
  const addr = at > 0 ? listen.slice(0, at).replace(/^\[|\]$/g, '') : '';
  const wildcard = addr === '' || addr === '0.0.0.0' || addr === '::';
  return { url: wildcard ? `https://${host}` : `https://${listen}`, servername: host, exchanged };
}

/** The exact `rollover sender verify` command for a sender, reporting with its own link token. */
export function verifyCommand(
  env: RenewalEnv,
  store: { secrets: SecretBox },
  f: RenewalFacts,
  senderId: string,
  linkId: string,
  inGrace = false,
): string {
  const t = proveTarget(f, inGrace);
  return [
    'rollover sender verify --truststore YOUR-TRUSTSTORE',
    `--url ${t.url}`,
    `--servername ${t.servername}`,
    `--report ${env.publicUrl}/api/v1/renewals/${f.renewal.id}/evidence`,
    `--token ${linkToken(store, linkId)}`,
    `--sender ${senderId}`,
  ].join(' ');
}

async function render(
  env: RenewalEnv,
  n: PendingNotification,
  cache: Map<string, RenewalFacts>,
): Promise<Message | Record<string, unknown>> {
  const b = n.body;
  if (b.t === 'event') return b.event;
  let f = cache.get(b.renewalId);
  if (!f) {
    f = await loadFacts(env.store, b.renewalId);
    cache.set(b.renewalId, f);
  }
  const facts = exchangeFacts(env, f);
  const now = new Date(env.clock.now());
  switch (b.t) {
    case 'tenant-announcement': {
      const tenant = f.tenants.find((t) => t.id === b.tenantId);
      return env.renewal.texts.announcementToTenant(
        { ...facts, sequence: b.sequence },
        {
          tenantName: tenant?.name ?? b.tenantId,
          forwardUrl: `${env.publicUrl}/api/v1/renewals/${f.renewal.id}/forward`,
          now,
        },
      );
    }
    case 'sender-notice': {
      const sender = await env.store.inventory.sender(b.senderId);
      const preview = previewUrl(f);
      return env.renewal.texts.noticeToSender(
        { ...facts, sequence: b.sequence },
        {
          senderName: sender?.name ?? b.senderId,
          link: linkUrl(env, env.store, b.linkId),
          ...(preview ? { previewUrl: preview } : {}),
          verifyCommand: verifyCommand(
            env,
            env.store,
            f,
            b.senderId,
            b.linkId,
            // A sender in grace after T proves against the preview listener (its addresses get the old one).
            Boolean((await senderStatusIn(env, f.renewal, b.senderId))?.status.oldCredentialServedUntil),
          ),
          ...(b.message ? { message: b.message } : {}),
          ...(b.reminder ? { reminder: true } : {}),
          now,
        },
      );
    }
    case 'safe-removal': {
      // Rendered from the sender's status at delivery: only a sender that may remove the old root
      // now is told so; every other one is told what is true for it instead.
      const sender = await env.store.inventory.sender(b.senderId);
      const mine = await senderStatusIn(env, f.renewal, b.senderId);
      const senderName = sender?.name ?? b.senderId;
      const link = linkUrl(env, env.store, b.linkId);
      if (!mine?.status.removal.allowed)
        return env.renewal.texts.senderStatusToSender(facts, {
          senderName,
          link,
          status: mine?.status ?? {
            headline: 'not part of this renewal',
            reason: 'this sender is no longer part of the renewal',
            next: { action: 'keep the old root', by: null },
          },
        });
      return env.renewal.texts.safeRemovalToSender(facts, {
        senderName,
        link,
        statusUrl: `${env.publicUrl}/api/v1/links/${linkToken(env.store, b.linkId)}/status.json`,
        exchangedAt: new Date(f.renewal.exchangedAt ?? f.renewal.exchangeAt!),
        removalFrom: mine.status.removal.from ? new Date(mine.status.removal.from) : null,
      });
    }
    case 'escalation':
      return { subject: b.subject, text: b.text, attachments: [] };
  }
}

/** Delivery backoff after `attempts` failures. */
export function backoffMs(env: RenewalEnv, attempts: number): number {
  return Math.min(env.renewal.retryMaxMs, env.renewal.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

async function deliverOne(
  env: RenewalEnv,
  n: PendingNotification,
  cache: Map<string, RenewalFacts>,
): Promise<void> {
  const content = await render(env, n, cache);
  const key = n.idempotencyKey;
  if (n.channel === 'mail') {
    if (!env.renewal.mail) throw new Error('no SMTP server is configured (set ROLLOVER_SMTP_URL)');
    await env.renewal.mail.send(n.recipient, content as Message, key);
  } else if (n.channel === 'webhook') {
    const s = await env.store.tenantSettings.get(n.recipient);
    if (!s?.webhookUrl || !s.webhookSecretSealed) return; // the tenant removed its webhook: nothing to send
    await env.renewal.webhook({
      url: s.webhookUrl,
      secret: unsealSecret(env.store, `webhook:${n.recipient}`, s.webhookSecretSealed),
      event: content,
      idempotencyKey: key,
      nowSeconds: Math.floor(env.clock.now() / 1000),
    });
  }
}

/** Delivers due notifications (at most `limit`); returns how many were delivered and how many failed. */
export async function deliverDue(
  env: RenewalEnv,
  limit = 200,
): Promise<{ delivered: number; failed: number }> {
  const now = new Date(env.clock.now()).toISOString();
  const due = await env.store.outbox.due(now, limit);
  const cache = new Map<string, RenewalFacts>();
  let delivered = 0;
  let failed = 0;
  const queue = [...due];
  const worker = async () => {
    for (let n = queue.shift(); n; n = queue.shift()) {
      try {
        await deliverOne(env, n, cache);
        await env.store.outbox.delivered(n.id, n.attempts + 1, new Date(env.clock.now()).toISOString());
        delivered++;
      } catch (e) {
        const attempts = n.attempts + 1;
        await env.store.outbox.failed(
          n.id,
          attempts,
          (e as Error).message.slice(0, 500),
          new Date(env.clock.now() + backoffMs(env, attempts)).toISOString(),
        );
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, queue.length) }, worker));
  return { delivered, failed };
}
