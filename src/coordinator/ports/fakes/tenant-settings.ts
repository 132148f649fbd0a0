/** Tenants' notification settings in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { TenantNotifySettings, TenantSettingsRepo } from '../tenant-settings.js';

/** Tenants' notification settings in a map by tenant. */
export class FakeTenantSettings implements TenantSettingsRepo {
  rows: Record<string, TenantNotifySettings> = {};

  async get(tenantId: string) {
    const r = this.rows[tenantId];
    return r && { ...r };
  }
  async put(settings: TenantNotifySettings) {
    this.rows[settings.tenantId] = { ...settings };
  }
  async withWebhook(tenantIds: readonly string[]) {
    return [...new Set(tenantIds)].filter((t) => this.rows[t]?.webhookUrl != null).sort();
  }
  async autoForwarding(tenantIds: readonly string[]) {
    return [...new Set(tenantIds)].filter((t) => this.rows[t]?.autoForward).sort();
  }
}
