/**
 * The texts of the workflow's messages, rendered at delivery from the stored facts. The coordinator
 * says what each message must carry; src/notify/messages.ts writes the words (wired in src/main).
 */
import type { MailMessage } from './mail.js';

/** A rendered message, independent of the channel that carries it (the mail port's shape). */
export type Message = MailMessage;

/** What every root-exchange message needs to say. */
export interface ExchangeFacts {
  renewalId: string;
  exchangeAt: Date;
  safeRemovalAt: Date;
  hosts: string[];
  newRootSha256: string;
  newRootPem: string;
  oldRootSha256?: string;
  /** The signed announcement's URL, for `rollover notice verify`. */
  announcementUrl?: string;
  /** Sequence of this announcement (0 first; each postpone adds one). */
  sequence?: number;
  /** The bridge deadline, when the load balancer serves a bridge between the roots after T. */
  bridgeUntil?: Date;
  /** The grace deadline: senders not proven at T keep the old certificate until then (absent: grace off). */
  graceUntil?: Date;
}

/** One sender's status as a message states it. */
export interface StatedStatus {
  headline: string;
  reason: string;
  next: { action: string; by: string | null };
}

/** The messages the workflow sends. */
export interface MessageTexts {
  /** Step 2: the LB admin's announcement to a tenant admin. */
  announcementToTenant(f: ExchangeFacts, p: { tenantName: string; forwardUrl: string; now: Date }): Message;
  /** The notice (or a reminder of it) to a sender, with its personal link. */
  noticeToSender(
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
  ): Message;
  /** A sender proven ready may remove the old root now. */
  safeRemovalToSender(
    f: ExchangeFacts,
    p: { senderName: string; link: string; statusUrl: string; exchangedAt: Date; removalFrom: Date | null },
  ): Message;
  /** What is true for one sender now, sent instead of an instruction that would be false. */
  senderStatusToSender(
    f: ExchangeFacts,
    p: { senderName: string; link: string; status: StatedStatus },
  ): Message;
}
