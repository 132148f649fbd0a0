/** Tenants' notification settings over SQL. */
import type { Kysely, Selectable } from 'kysely';
import type { TenantNotifySettings, TenantSettingsRepo } from '../../coordinator/ports/tenant-settings.js';
import type { Database, TenantSettingsTable } from '../schema.js';

/** A settings row as the domain value. */
function toSettings(r: Selectable<TenantSettingsTable>): TenantNotifySettings {
  return {
    tenantId: r.tenant_id,
    webhookUrl: r.webhook_url,
    webhookSecretSealed: r.webhook_secret_sealed,
    autoForward: Number(r.auto_forward) === 1,
    updatedAt: r.updated_at,
  };
}

/** Tenant settings on `db`. */
export function sqlTenantSettings(db: Kysely<Database>): TenantSettingsRepo {
  /** The ids among `tenantIds` whose row passes `where`, in batches (a bound list stays short). */
  async function among(tenantIds: readonly string[], which: 'webhook' | 'auto-forward'): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < tenantIds.length; i += 1000) {
      const rows = await db
        .selectFrom('tenant_settings')
        .select('tenant_id')
        .where('tenant_id', 'in', tenantIds.slice(i, i + 1000))
        .$if(which === 'webhook', (q) => q.where('webhook_url', 'is not', null))
        .$if(which === 'auto-forward', (q) => q.where('auto_forward', '=', 1))
        .execute();
      out.push(...rows.map((r) => r.tenant_id));
    }
    return [...new Set(out)].sort();
  }
  return {
    async get(tenantId) {
      const r = await db
        .selectFrom('tenant_settings')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst();
      return r && toSettings(r);
    },
    async put(s) {
      const row = {
        tenant_id: s.tenantId,
        webhook_url: s.webhookUrl,
        webhook_secret_sealed: s.webhookSecretSealed,
        auto_forward: s.autoForward ? 1 : 0,
        updated_at: s.updatedAt,
      };
      const { tenant_id: _, ...change } = row;
      await db
        .insertInto('tenant_settings')
        .values(row)
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet(change))
        .execute();
    },
    withWebhook: (tenantIds) => among(tenantIds, 'webhook'),
    autoForwarding: (tenantIds) => among(tenantIds, 'auto-forward'),
  };
}
