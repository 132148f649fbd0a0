/** Readiness reads and writes the scheduled jobs need, over SQL. */
import type { Kysely } from 'kysely';
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
  };
}
