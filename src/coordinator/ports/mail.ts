/** The mail port the coordinator owns; src/notify/mail.ts implements it over SMTP. */

/** A rendered message, independent of the channel that carries it. */
export interface MailMessage {
  subject: string;
  text: string;
  attachments: Array<{ filename: string; content: string; contentType: string }>;
}

/** Delivers one message to one recipient; the key makes redelivery recognisable. */
export interface MailSender {
  send(to: string, message: MailMessage, idempotencyKey: string): Promise<void>;
  close(): void;
}
