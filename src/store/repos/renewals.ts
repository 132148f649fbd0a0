/** The renewal repository over SQL: rows mapped to domain values, JSON columns parsed once here. */
import type { Kysely, Selectable } from 'kysely';
import type {
  FailureBaseline,
  GateOverride,
  Renewal,
  RenewalBridge,
  RenewalCompletion,
  RenewalRepo,
} from '../../coordinator/ports/renewals.js';
import type { GateDecision, GatePolicy } from '../../renewal/gate.js';
import { type EarlyMode, type GraceMode, type GracePolicy, NO_GRACE } from '../../renewal/grace.js';
import type { RenewalState } from '../../renewal/states.js';
import { insertRow } from '../entities.js';
import type { Database, RenewalTable } from '../schema.js';

/** JSON text written by this store, or null. */
function json<T>(text: string | null): T | null {
  return text ? (JSON.parse(text) as T) : null;
}

/** The grace policy columns as the domain value (null columns: planned before grace existed, none). */
export function gracePolicyOf(
  r: Pick<Selectable<RenewalTable>, 'grace_policy' | 'grace_until' | 'early_policy' | 'auto_grace'>,
): GracePolicy {
  if (!r.grace_policy) return NO_GRACE;
  return {
    grace: r.grace_policy as GraceMode,
    graceUntil: r.grace_until ? new Date(r.grace_until) : null,
    early: (r.early_policy ?? 'off') as EarlyMode,
    autoGrace: r.auto_grace === 'on',
  };
}

/** The grace policy as its columns. */
export function gracePolicyColumns(g: GracePolicy) {
  return {
    grace_policy: g.grace,
    grace_until: g.graceUntil ? g.graceUntil.toISOString() : null,
    early_policy: g.early,
    auto_grace: g.autoGrace ? 'on' : 'off',
  };
}

/** A renewal row as the domain value. */
export function toRenewal(r: Selectable<RenewalTable>): Renewal {
  return {
    id: r.id,
    virtualServerId: r.virtual_server_id,
    oldCredentialId: r.old_credential_id,
    newCredentialId: r.new_credential_id,
    state: r.state as RenewalState,
    sequence: Number(r.sequence),
    gatePolicy: r.gate_policy as GatePolicy,
    acceptObserved: Number(r.accept_observed ?? 0) === 1,
    exchangeAt: r.exchange_at,
    exchangedAt: r.exchanged_at,
    gateAt: r.gate_at,
    postponeDeadline: r.postpone_deadline,
    safeRemovalAt: r.safe_removal_at,
    rollbackWindowSeconds: Number(r.rollback_window_seconds),
    reminders: json<string[]>(r.reminders) ?? [],
    gate: json<GateDecision>(r.gate),
    gateOverride: json<GateOverride>(r.gate_override),
    failuresBaseline: json<FailureBaseline>(r.failures_baseline),
    bridge: json<RenewalBridge>(r.bridge),
    grace: gracePolicyOf(r),
    oldRootSha256: r.old_root_fingerprint,
    newRootSha256: r.new_root_fingerprint,
    completion: json<RenewalCompletion>(r.completion),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Renewals on `db` (a transaction's handle inside a unit of work). */
export function sqlRenewals(db: Kysely<Database>): RenewalRepo {
  return {
    async get(id) {
      const r = await db.selectFrom('renewals').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toRenewal(r);
    },
    async add(n) {
      await insertRow(db, 'renewals', {
        id: n.id,
        virtual_server_id: n.virtualServerId,
        old_credential_id: n.oldCredentialId,
        new_credential_id: n.newCredentialId,
        old_root_fingerprint: n.oldRootSha256,
        new_root_fingerprint: n.newRootSha256,
        exchange_at: n.exchangeAt,
        rollback_window_seconds: n.rollbackWindowSeconds,
        gate_policy: n.gatePolicy,
        accept_observed: n.acceptObserved ? 1 : 0,
        state: 'planned',
        created_at: n.createdAt,
        updated_at: n.createdAt,
        gate_at: n.gateAt,
        postpone_deadline: n.postponeDeadline,
        safe_removal_at: n.safeRemovalAt,
        reminders: JSON.stringify(n.reminders),
      });
    },
    async setGateOverride(id, override) {
      await db
        .updateTable('renewals')
        .set({ gate_override: JSON.stringify(override), updated_at: override.at })
        .where('id', '=', id)
        .execute();
    },
    async setGate(id, gate) {
      await db
        .updateTable('renewals')
        .set({ gate: JSON.stringify(gate) })
        .where('id', '=', id)
        .execute();
    },
    async setGrace(id, grace) {
      await db.updateTable('renewals').set(gracePolicyColumns(grace)).where('id', '=', id).execute();
    },
    async setFailuresBaseline(id, baseline) {
      await db
        .updateTable('renewals')
        .set({ failures_baseline: JSON.stringify(baseline) })
        .where('id', '=', id)
        .execute();
    },
    async openFor(virtualServerId) {
      const r = await db
        .selectFrom('renewals')
        .selectAll()
        .where((eb) =>
          eb.or([
            eb('virtual_server_id', '=', virtualServerId),
            eb(
              'id',
              'in',
              eb
                .selectFrom('renewal_virtual_servers')
                .select('renewal_id')
                .where('virtual_server_id', '=', virtualServerId),
            ),
          ]),
        )
        .where('state', 'not in', ['completed', 'rolled-back', 'cancelled'])
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return r && toRenewal(r);
    },
    async setBridge(id, bridge) {
      await db
        .updateTable('renewals')
        .set({ bridge: bridge ? JSON.stringify(bridge) : null })
        .where('id', '=', id)
        .execute();
    },
    async setState(id, state, at, c = {}) {
      const set = {
        state,
        updated_at: at,
        exchange_at: c.exchangeAt,
        gate_at: c.gateAt,
        postpone_deadline: c.postponeDeadline,
        safe_removal_at: c.safeRemovalAt,
        exchanged_at: c.exchangedAt,
        reminders: c.reminders && JSON.stringify(c.reminders),
        sequence: c.sequence,
        gate: c.gate,
        completion: c.completion && JSON.stringify(c.completion),
      };
      await db
        .updateTable('renewals')
        .set(Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined)))
        .where('id', '=', id)
        .execute();
    },
    async virtualServerIds(renewalId) {
      const r = await db
        .selectFrom('renewals')
        .select('virtual_server_id')
        .where('id', '=', renewalId)
        .executeTakeFirst();
      if (!r) return [];
      const extra = await db
        .selectFrom('renewal_virtual_servers')
        .select('virtual_server_id')
        .where('renewal_id', '=', renewalId)
        .orderBy('virtual_server_id')
        .execute();
      return [
        r.virtual_server_id,
        ...extra.map((e) => e.virtual_server_id).filter((v) => v !== r.virtual_server_id),
      ];
    },
    async addVirtualServers(renewalId, virtualServerIds) {
      for (const vsId of virtualServerIds)
        await db
          .insertInto('renewal_virtual_servers')
          .values({ renewal_id: renewalId, virtual_server_id: vsId })
          .execute();
    },
    async addForwardings(renewalId, tenantIds, at) {
      const rows = tenantIds.map((t) => ({
        id: `fwd_${renewalId.slice(4)}_${t}`,
        renewal_id: renewalId,
        tenant_id: t,
        state: 'announced',
        actor: null,
        updated_at: at,
        message: null,
      }));
      for (let i = 0; i < rows.length; i += 500)
        await db
          .insertInto('forwardings')
          .values(rows.slice(i, i + 500))
          .onConflict((oc) => oc.columns(['renewal_id', 'tenant_id']).doNothing())
          .execute();
    },
    async markForwarded(renewalId, tenantIds, by) {
      const moved: string[] = [];
      for (let i = 0; i < tenantIds.length; i += 500) {
        const open = await db
          .selectFrom('forwardings')
          .select(['id', 'tenant_id'])
          .where('renewal_id', '=', renewalId)
          .where('tenant_id', 'in', tenantIds.slice(i, i + 500))
          .where('state', '!=', 'forwarded')
          .orderBy('tenant_id')
          .execute();
        if (open.length === 0) continue;
        await db
          .updateTable('forwardings')
          .set({ state: 'forwarded', actor: by.actor, updated_at: by.at, message: by.message })
          .where(
            'id',
            'in',
            open.map((o) => o.id),
          )
          .execute();
        moved.push(...open.map((o) => o.tenant_id));
      }
      return moved;
    },
  };
}
