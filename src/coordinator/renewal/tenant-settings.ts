/** A tenant's notification settings: a webhook (URL and HMAC secret, sealed) and the auto-forward policy. */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { fail } from '../../shared/errors.js';
import { type EnvWith, forbidden, notFound, record } from '../env.js';
import type { RenewalPorts } from './ports.js';
import { sealSecret } from './sealing.js';

/** Sets a tenant's webhook and auto-forward (its tenant admin or an lb-admin). */
export async function setTenantNotify(
  env: EnvWith<'inventory' | 'tenantSettings' | 'secrets' | 'audit'> & {
    renewal: Pick<RenewalPorts, 'checkOutboundUrl'>;
  },
  p: Principal,
  tenantId: string,
  b: {
    webhookUrl?: string | null | undefined;
    webhookSecret?: string | undefined;
    autoForward?: boolean | undefined;
  },
) {
  const t = await env.store.inventory.tenantByRef(tenantId);
  if (t?.id !== tenantId || !can(p, 'read', { kind: 'tenant', tenantId })) notFound('tenant', tenantId);
  // Visible but read-only (auditor, integration developer): 403, as for every other write.
  if (!can(p, 'update', { kind: 'tenant', tenantId })) forbidden("change this tenant's notifications");
  // Checked when stored (scheme, address literal), and again at every delivery after resolving.
  if (b.webhookUrl) env.renewal.checkOutboundUrl(b.webhookUrl);
  if (b.webhookUrl && !b.webhookSecret)
    fail('BAD_ARGUMENT', 'a webhook needs a secret (webhookSecret, 16 characters or more) to sign with');
  const now = new Date(env.clock.now()).toISOString();
  return env.store.transaction(async (tx) => {
    const cur = await tx.tenantSettings.get(tenantId);
    const next = {
      tenantId,
      webhookUrl: b.webhookUrl === undefined ? (cur?.webhookUrl ?? null) : b.webhookUrl,
      webhookSecretSealed: b.webhookSecret
        ? sealSecret(tx, `webhook:${tenantId}`, b.webhookSecret)
        : b.webhookUrl === null
          ? null
          : (cur?.webhookSecretSealed ?? null),
      autoForward: b.autoForward === undefined ? (cur?.autoForward ?? false) : b.autoForward,
      updatedAt: now,
    };
    await tx.tenantSettings.put(next);
    await record(tx, env, p, 'tenant.notify', 'tenant', tenantId, {
      webhookUrl: next.webhookUrl,
      autoForward: next.autoForward,
    });
    return { tenantId, webhookUrl: next.webhookUrl, autoForward: next.autoForward };
  });
}
