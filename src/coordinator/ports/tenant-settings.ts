/** A tenant's notification settings: its webhook (URL and signing secret, sealed) and auto-forward. */

/** What a tenant asked to be told through, and whether it passes announcements on by itself. */
export interface TenantNotifySettings {
  tenantId: string;
  webhookUrl: string | null;
  /** The webhook's HMAC secret, sealed (SecretBox, context `webhook:TENANT`). */
  webhookSecretSealed: string | null;
  /** The tenant forwards every announcement to its senders at once. */
  autoForward: boolean;
  updatedAt: string;
}

/** Reading and keeping tenants' notification settings. */
export interface TenantSettingsRepo {
  /** A tenant's settings, or undefined when it never set any. */
  get(tenantId: string): Promise<TenantNotifySettings | undefined>;
  /** Keeps a tenant's settings (replacing what it had). */
  put(settings: TenantNotifySettings): Promise<void>;
  /** Those of `tenantIds` that have a webhook URL, by id. */
  withWebhook(tenantIds: readonly string[]): Promise<string[]>;
  /** Those of `tenantIds` that forward automatically, by id. */
  autoForwarding(tenantIds: readonly string[]): Promise<string[]>;
}
