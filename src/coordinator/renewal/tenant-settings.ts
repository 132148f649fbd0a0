/** A tenant's notification settings: a webhook (URL and HMAC secret, sealed) and the auto-forward policy. */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { fail } from '../../shared/errors.js';
import { forbidden, notFound, record } from '../env.js';
import type { RenewalEnv } from './ports.js';
import { sealSecret } from './sealing.js';

/** Sets a tenant's webhook and auto-forward (its tenant admin or an lb-admin). */
export async function setTenantNotify(
  env: RenewalEnv,
  p: Principal,
  tenantId: string,
  b: {
    webhookUrl?: string | null | undefined;
    webhookSecret?: string | undefined;
    autoForward?: boolean | undefined;
  },
) {
  const t = await env.store.get('tenants', tenantId);
  if (!t || !can(p, 'read', { kind: 'tenant', tenantId })) notFound('tenant', tenantId);
  // Visible but read-only (auditor, integration developer): 403, as for every other write.
  if (!can(p, 'update', { kind: 'tenant', tenantId })) forbidden("change this tenant's notifications");
  // Checked when stored (scheme, address literal), and again at every delivery after resolving.
  if (b.webhookUrl) env.renewal.checkOutboundUrl(b.webhookUrl);
  if (b.webhookUrl && !b.webhookSecret)
    fail('BAD_ARGUMENT', 'a webhook needs a secret (webhookSecret, 16 characters or more) to sign with');
  const now = new Date(env.clock.now()).toISOString();
  return env.store.transaction(async (tx) => {
    const cur = await tx.db
      .selectFrom('tenant_settings')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .executeTakeFirst();
    const next = {
      tenant_id: tenantId,
      webhook_url: b.webhookUrl === undefined ? (cur?.webhook_url ?? null) : b.webhookUrl,
      webhook_secret_sealed: b.webhookSecret
        ? sealSecret(tx, `webhook:${tenantId}`, b.webhookSecret)
        : b.webhookUrl === null
          ? null
          : (cur?.webhook_secret_sealed ?? null),
      auto_forward: b.autoForward === undefined ? Number(cur?.auto_forward ?? 0) : b.autoForward ? 1 : 0,
      updated_at: now,
    };
    if (cur) await tx.db.updateTable('tenant_settings').set(next).where('tenant_id', '=', tenantId).execute();
    else await tx.db.insertInto('tenant_settings').values(next).execute();
    await record(tx, env, p, 'tenant.notify', 'tenant', tenantId, {
      webhookUrl: next.webhook_url,
      autoForward: Boolean(next.auto_forward),
    });
    return { tenantId, webhookUrl: next.webhook_url, autoForward: Boolean(next.auto_forward) };
  });
}
