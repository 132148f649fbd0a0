import type { ExchangeFacts, Message, MessageTexts, StatedStatus } from '../coordinator/ports/messages.js';
import { colonFingerprint } from '../pki/certificate.js';
import { readableUtc } from '../shared/time.js';
import { exchangeEvent } from './ics.js';

export type { ExchangeFacts, Message } from '../coordinator/ports/messages.js';

const utc = (d: Date) => readableUtc(d);

function common(f: ExchangeFacts, now: Date, uid: string): Message['attachments'] {
  return [
    { filename: 'new-root.pem', content: f.newRootPem, contentType: 'application/x-pem-file' },
    {
      filename: 'exchange.ics',
      contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
      content: exchangeEvent({
        uid,
        summary: `Certificate exchange on ${f.hosts.join(', ')}`,
        description: `The load balancer serves a certificate under a new root from this moment. New root SHA-256: ${f.newRootSha256}`,
        start: f.exchangeAt,
        stamp: now,
        sequence: f.sequence ?? 0,
        ...(f.announcementUrl ? { url: f.announcementUrl } : {}),
      }),
    },
  ];
}

function fingerprintBlock(f: ExchangeFacts): string {
  return [
    `New root SHA-256:  ${f.newRootSha256}`,
    `                   ${colonFingerprint(f.newRootSha256)}`,
    ...(f.oldRootSha256 ? [`Old root SHA-256:  ${f.oldRootSha256} (keep it until the removal time)`] : []),
  ].join('\n');
}

/** Step 2: the LB admin's announcement to a tenant admin. */
export function announcementToTenant(
  f: ExchangeFacts,
  p: { tenantName: string; forwardUrl: string; now: Date },
): Message {
  return {
    subject: `[action needed] New root certificate for ${f.hosts[0]} — exchange at ${utc(f.exchangeAt)}`,
    text: [
      `The load balancer certificate for ${f.hosts.join(', ')} (tenant ${p.tenantName}) moves to a new CA root.`,
      '',
      `Exchange time (T):     ${utc(f.exchangeAt)}`,
      `Old root removable:    ${utc(f.safeRemovalAt)} at the earliest, once the exchange is verified`,
      '',
      fingerprintBlock(f),
      '',
      'What to do: pass this on to the admins of every sender (back-end system) that calls this tenant,',
      `so they add the new root to their truststores before T. Forward it here: ${p.forwardUrl}`,
      '',
      f.announcementUrl
        ? `Check that this announcement is genuine: rollover notice verify ${f.announcementUrl}`
        : 'The signed announcement is available from the coordinator.',
      '',
      'The new root is attached (new-root.pem), with a calendar entry for T.',
    ].join('\n'),
    attachments: common(f, p.now, `${f.renewalId}@rollover`),
  };
}

/** Step 3: what a sender admin receives (forwarded by its tenant admin, or a reminder). */
export function noticeToSender(
  f: ExchangeFacts,
  p: {
    senderName: string;
    link: string;
    previewUrl?: string;
    verifyCommand: string;
    message?: string;
    now: Date;
    reminder?: boolean;
  },
): Message {
  const bridge = f.bridgeUntil
    ? [
        '',
        `Bridge: from T until ${utc(f.bridgeUntil)} the server also presents a bridge certificate, so a client that`,
        `trusts only the old root keeps working until then. Your real deadline is ${utc(f.bridgeUntil)}: after it,`,
        'a client without the new root fails. Proving it before T (step 3) still counts for the exchange.',
      ]
    : [];
  return {
    subject: `${p.reminder ? '[reminder] ' : ''}[action needed] Add the new root for ${f.hosts[0]} before ${utc(f.bridgeUntil && p.reminder ? f.bridgeUntil : f.exchangeAt)}${f.bridgeUntil && p.reminder ? ' (bridge deadline)' : ''}`,
    text: [
      ...(p.message ? [p.message, ''] : []),
      `Your system "${p.senderName}" calls ${f.hosts.join(', ')}. At ${utc(f.exchangeAt)} that server starts presenting`,
      'a certificate under a new CA root. If your HTTPS client does not trust the new root by then, its calls fail.',
      ...(f.graceUntil
        ? [
            `(Grace: if its source addresses are known and it has not proven the new root by T, they keep the old certificate`,
            `until ${utc(f.graceUntil)}, the grace deadline; from then on its calls fail unless it trusts the new root.)`,
          ]
        : []),
      '',
      '1. Compare the fingerprint of the attached new-root.pem with:',
      fingerprintBlock(f),
      '2. Add it to your truststore (keep the old root!): rollover truststore add YOUR-TRUSTSTORE new-root.pem',
      `3. Prove it before T${p.previewUrl ? ` against the preview listener ${p.previewUrl}` : ''}:`,
      `   ${p.verifyCommand}`,
      `4. Confirm, or upload the evidence, on your personal page: ${p.link}`,
      '',
      `Remove the old root only after ${utc(f.safeRemovalAt)}, and only when you are told the exchange is verified.`,
      ...bridge,
    ].join('\n'),
    attachments: common(f, p.now, `${f.renewalId}@rollover`),
  };
}

/** Step 6: the old root may go. */
export function safeRemovalToSender(
  f: ExchangeFacts,
  p: { senderName: string; link: string; statusUrl: string; exchangedAt: Date; removalFrom: Date | null },
): Message {
  return {
    subject: `You may now remove the old root for ${f.hosts[0]}`,
    text: [
      `The exchange on ${f.hosts.join(', ')} happened at ${utc(p.exchangedAt)}, was verified on every load balancer node,`,
      `and its rollback window closed at ${utc(p.removalFrom ?? f.safeRemovalAt)}. "${p.senderName}" is proven to trust the new root.`,
      '',
      `"${p.senderName}" may now remove the old root${f.oldRootSha256 ? ` (SHA-256 ${f.oldRootSha256})` : ''} from its truststore:`,
      `   rollover truststore remove YOUR-TRUSTSTORE --fingerprint ${f.oldRootSha256 ?? 'OLD-ROOT-SHA256'} \\`,
      `     --renewal-status ${p.statusUrl}`,
      '(--renewal-status refuses the removal unless the coordinator says it is safe for your sender.)',
      `Record the removal on your page: ${p.link}`,
    ].join('\n'),
    attachments: [],
  };
}

/** What is true for one sender now, with its next action: sent instead of any instruction that would be false. */
export function senderStatusToSender(
  f: ExchangeFacts,
  p: {
    senderName: string;
    link: string;
    status: StatedStatus;
  },
): Message {
  return {
    subject: `${f.hosts[0]}: ${p.senderName} — ${p.status.headline}`,
    text: [
      `Renewal ${f.renewalId} on ${f.hosts.join(', ')}: ${p.status.headline}.`,
      p.status.reason,
      '',
      `Next: ${p.status.next.action}${p.status.next.by ? ` (by ${utc(new Date(p.status.next.by))})` : ''}.`,
      'Keep the old root in your truststore until this page says you may remove it:',
      `   ${p.link}`,
    ].join('\n'),
    attachments: [],
  };
}

/** The texts as the coordinator's port (wired in src/main). */
export const messageTexts: MessageTexts = {
  announcementToTenant,
  noticeToSender,
  safeRemovalToSender,
  senderStatusToSender,
};
