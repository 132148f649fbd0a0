/** Notifications: messages rendered from typed facts, delivered by mail (SMTP) and signed webhooks. */
export * from './ics.js';
export * from './mail.js';
export * from './messages.js';
export * from './webhook.js';
