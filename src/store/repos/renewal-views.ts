/** What the renewal views read, over SQL: indexed steps only, so a tenant's ten of 100 000 stay fast. */
import type { Kysely } from 'kysely';
import type { RenewalViews } from '../../coordinator/ports/renewal-views.js';
import type { SenderRecord } from '../../coordinator/ports/sender-facts.js';
import type { Database } from '../schema.js';
import { toTenant } from './inventory.js';
import { SENDER_FACT_COLUMNS, toSenderRecord } from './sender-facts.js';

/** `xs`, or a list matching nothing (an empty IN list is not valid SQL everywhere). */
const orNone = (xs: readonly string[]) => (xs.length ? [...xs] : ['']);

/** The renewal views' reads on `db`. */
export function sqlRenewalViews(db: Kysely<Database>): RenewalViews {
  return {
    async scopes() {
      const renewals = await db
        .selectFrom('renewals')
        .select(['id', 'virtual_server_id'])
        .orderBy('id')
        .execute();
      const extra = await db
        .selectFrom('renewal_virtual_servers')
        .select(['renewal_id', 'virtual_server_id'])
        .orderBy('renewal_id')
        .orderBy('virtual_server_id')
        .execute();
      return renewals.map((r) => ({
        id: r.id,
        virtualServerIds: [
          r.virtual_server_id,
          ...extra
            .filter((e) => e.renewal_id === r.id && e.virtual_server_id !== r.virtual_server_id)
            .map((e) => e.virtual_server_id),
        ],
      }));
    },

    async virtualServersOf({ tenantIds, senderIds }) {
      const viaSenders = senderIds.length
        ? await db
            .selectFrom('senders')
            .select('tenant_id')
            .where('id', 'in', [...senderIds])
            .execute()
        : [];
      const tenants = [...tenantIds, ...viaSenders.map((s) => s.tenant_id)];
      if (!tenants.length) return [];
      const rows = await db
        .selectFrom('tenants')
        .select('virtual_server_id')
        .where('id', 'in', tenants)
        .execute();
      return [...new Set(rows.map((r) => r.virtual_server_id ?? '').filter(Boolean))];
    },

    async tenantsOn(vsIds, opts = {}) {
      const rows = await db
        .selectFrom('tenants')
        .selectAll()
        .where('virtual_server_id', 'in', orNone(vsIds))
        .$if(opts.only !== undefined, (q) => q.where('id', 'in', orNone(opts.only!)))
        .orderBy('id')
        .$if(opts.limit !== undefined, (q) => q.limit(opts.limit!))
        .execute();
      return rows.map(toTenant);
    },

    async forwardedSenders(renewalId, vsIds, senderIds) {
      if (!senderIds.length) return [];
      const rows = await db
        .selectFrom('senders')
        .innerJoin('tenants', 'tenants.id', 'senders.tenant_id')
        .innerJoin('forwardings', (j) =>
          j
            .onRef('forwardings.tenant_id', '=', 'senders.tenant_id')
            .on('forwardings.renewal_id', '=', renewalId),
        )
        .select('senders.id')
        .where('senders.id', 'in', [...senderIds])
        .where('tenants.virtual_server_id', 'in', orNone(vsIds))
        .where('forwardings.state', '=', 'forwarded')
        .orderBy('senders.id')
        .execute();
      return rows.map((r) => r.id);
    },

    async firstSenderIds(renewalId, limit) {
      const rows = await db
        .selectFrom('readiness')
        .select('sender_id')
        .where('renewal_id', '=', renewalId)
        .orderBy('sender_id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.sender_id);
    },

    async senderReadiness(renewalId, { tenantIds, senderIds }, limit) {
      // Two indexed steps (the caller's senders, then their readiness rows by the unique key), so no
      // planner walks all 100 000 readiness rows of the renewal to find a tenant's ten.
      const ids = new Set(senderIds);
      for (let i = 0; i < tenantIds.length; i += 500) {
        const rows = await db
          .selectFrom('senders')
          .select('id')
          .where('tenant_id', 'in', tenantIds.slice(i, i + 500))
          .execute();
        for (const r of rows) ids.add(r.id);
      }
      const sorted = [...ids].sort().slice(0, limit);
      const out: SenderRecord[] = [];
      for (let i = 0; i < sorted.length; i += 1000) {
        const rows = await db
          .selectFrom('readiness')
          .innerJoin('senders', 'senders.id', 'readiness.sender_id')
          .select([...SENDER_FACT_COLUMNS])
          .where('readiness.renewal_id', '=', renewalId)
          .where('readiness.sender_id', 'in', sorted.slice(i, i + 1000))
          .orderBy('readiness.sender_id')
          .execute();
        out.push(...rows.map(toSenderRecord));
      }
      return out;
    },

    async forwardings(renewalId, tenantIds) {
      if (!tenantIds.length) return [];
      const rows = await db
        .selectFrom('forwardings')
        .select(['tenant_id', 'state', 'actor', 'updated_at'])
        .where('renewal_id', '=', renewalId)
        .where('tenant_id', 'in', [...tenantIds])
        .orderBy('tenant_id')
        .execute();
      return rows.map((f) => ({
        tenantId: f.tenant_id,
        state: f.state,
        actor: f.actor,
        updatedAt: f.updated_at,
      }));
    },

    async steps(renewalId) {
      const rows = await db
        .selectFrom('steps')
        .select(['kind', 'role', 'actor', 'at', 'evidence'])
        .where('renewal_id', '=', renewalId)
        .orderBy('at')
        .orderBy('id')
        .execute();
      return rows.map((s) => ({
        kind: s.kind,
        role: s.role,
        actor: s.actor,
        at: s.at,
        evidence: JSON.parse(s.evidence) as unknown,
      }));
    },

    async lastStepAt(renewalId, kinds) {
      if (!kinds.length) return undefined;
      const row = await db
        .selectFrom('steps')
        .select('at')
        .where('renewal_id', '=', renewalId)
        .where('kind', 'in', [...kinds])
        .orderBy('at', 'desc')
        .executeTakeFirst();
      return row?.at;
    },
  };
}
