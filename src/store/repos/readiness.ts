/** Readiness reads and writes the scheduled jobs need, over SQL. */
import { type Kysely, sql } from 'kysely';
import type { ReadinessRepo } from '../../coordinator/ports/readiness.js';
import type { ReadinessState } from '../../renewal/readiness.js';
import type { Database } from '../schema.js';

/** A JSON list of strings written by this store. */
function list(text: string): string[] {
  return JSON.parse(text) as string[];
}

/** Readiness on `db`. */
export function sqlReadiness(db: Kysely<Database>): ReadinessRepo {
  return {
    async states(renewalId) {
      const rows = await db
        .selectFrom('readiness')
        .select(['sender_id', 'state'])
        .where('renewal_id', '=', renewalId)
        .orderBy('sender_id')
        .execute();
      return rows.map((r) => ({ senderId: r.sender_id, state: r.state as ReadinessState }));
    },
    async senderIdsIn(renewalId, states) {
      if (states.length === 0) return [];
      const rows = await db
        .selectFrom('readiness')
        .select(['sender_id'])
        .where('renewal_id', '=', renewalId)
        .where('state', 'in', [...states])
        .orderBy('sender_id')
        .execute();
      return rows.map((r) => r.sender_id);
    },
    async hints(renewalId) {
      const rows = await db
        .selectFrom('readiness')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .select([
          'readiness.id as rid',
          'senders.source_addresses as hints',
          'readiness.failures_after_t as n',
        ])
        .where('readiness.renewal_id', '=', renewalId)
        .execute();
      return rows.map((r) => ({
        readinessId: r.rid,
        sourceAddresses: list(r.hints),
        failuresAfterT: Number(r.n),
      }));
    },
    async setFailuresAfterT(readinessId, n) {
      await db.updateTable('readiness').set({ failures_after_t: n }).where('id', '=', readinessId).execute();
    },
    async contacts(renewalId) {
      const rows = await db
        .selectFrom('readiness')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .select(['senders.id', 'senders.contacts'])
        .where('readiness.renewal_id', '=', renewalId)
        .orderBy('senders.id')
        .execute();
      return rows.map((r) => ({ senderId: r.id, contacts: list(r.contacts) }));
    },
    async tenantsOf(senderIds) {
      if (senderIds.length === 0) return [];
      const rows = await db
        .selectFrom('senders')
        .select('tenant_id')
        .distinct()
        .where('id', 'in', senderIds.slice(0, 5000))
        .execute();
      return rows.map((r) => r.tenant_id);
    },
    async addForTenants(renewalId, tenantIds, state, at) {
      // One insert … select per batch of tenants: a fan-out to 100 000 senders stays a few statements.
      for (let i = 0; i < tenantIds.length; i += 500)
        await db
          .insertInto('readiness')
          .columns(['id', 'renewal_id', 'sender_id', 'state', 'evidence', 'updated_at'])
          .expression((eb) =>
            eb
              .selectFrom('senders')
              .select((s) => [
                sql<string>`cast(${`rdy_${renewalId.slice(4)}_`} as text) || ${s.ref('senders.id')}`.as('id'),
                sql<string>`cast(${renewalId} as text)`.as('renewal_id'),
                s.ref('senders.id').as('sender_id'),
                sql<string>`cast(${state} as text)`.as('state'),
                sql<string>`cast('{}' as text)`.as('evidence'),
                sql<string>`cast(${at} as text)`.as('updated_at'),
              ])
              .where('senders.tenant_id', 'in', tenantIds.slice(i, i + 500)),
          )
          .onConflict((oc) => oc.columns(['renewal_id', 'sender_id']).doNothing())
          .execute();
    },
    async markNotified(renewalId, senderIds, at) {
      let moved = 0;
      for (let i = 0; i < senderIds.length; i += 1000) {
        const r = await db
          .updateTable('readiness')
          .set({ state: 'notified', updated_at: at })
          .where('renewal_id', '=', renewalId)
          .where('sender_id', 'in', senderIds.slice(i, i + 1000))
          .where('state', '=', 'pending')
          .executeTakeFirst();
        moved += Number(r.numUpdatedRows);
      }
      return moved;
    },
    async told(renewalId) {
      const rows = await db
        .selectFrom('readiness')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .select(['senders.id', 'senders.contacts'])
        .where('readiness.renewal_id', '=', renewalId)
        .where('readiness.state', '!=', 'pending')
        .orderBy('senders.id')
        .execute();
      return rows.map((r) => ({ senderId: r.id, contacts: list(r.contacts) }));
    },
    async openCountsByVirtualServer() {
      const rows = await db
        .selectFrom('readiness')
        .innerJoin('renewals', 'renewals.id', 'readiness.renewal_id')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .innerJoin('tenants', 'tenants.id', 'senders.tenant_id')
        .innerJoin('virtual_servers', 'virtual_servers.id', 'tenants.virtual_server_id')
        .select(['virtual_servers.name as vs', 'readiness.state', sql<number>`count(*)`.as('n')])
        .where('renewals.state', 'not in', ['completed', 'rolled-back', 'cancelled'])
        .groupBy(['virtual_servers.name', 'readiness.state'])
        .orderBy('virtual_servers.name')
        .orderBy('readiness.state')
        .execute();
      return rows.map((r) => ({ virtualServer: r.vs, state: r.state, n: Number(r.n) }));
    },
  };
}
