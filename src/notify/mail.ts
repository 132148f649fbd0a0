import nodemailer from 'nodemailer';
import type { MailSender } from '../coordinator/ports/mail.js';

/** SMTP settings. */
export interface SmtpSettings {
  host: string;
  port: number;
  from: string;
  secure?: boolean;
  user?: string;
  pass?: string;
  /** Refuse to send without STARTTLS (default false for loopback sinks, true elsewhere). */
  requireTls?: boolean;
  /** PEM roots to trust for the relay's TLS certificate (a relay under a private CA); default the system's. */
  ca?: string;
}

/**
 * SMTP delivery with nodemailer. The idempotency key becomes the Message-ID, so a message delivered
 * twice after a crash (the outbox delivers at least once) is recognisably the same message.
 */
export function smtpMailSender(s: SmtpSettings): MailSender {
  const loopback = s.host === '127.0.0.1' || s.host === 'localhost' || s.host === '::1';
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.secure ?? false,
    requireTLS: s.requireTls ?? !loopback,
    ...(s.user ? { auth: { user: s.user, pass: s.pass ?? '' } } : {}),
    ...(s.ca ? { tls: { ca: s.ca } } : {}),
    connectionTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(to, m, key) {
      await transport.sendMail({
        from: s.from,
        to,
        subject: m.subject,
        text: m.text,
        messageId: `<${key}@rollover>`,
        headers: { 'X-Rollover-Idempotency-Key': key },
        attachments: m.attachments.map((a) => ({
          filename: a.filename,
          content: a.content,
          contentType: a.contentType,
        })),
      });
    },
    close: () => transport.close(),
  };
}
