/** Per-sender grace over SQL (readiness.grace, JSON written here only). */
import type { Kysely } from 'kysely';
import type { GraceRepo, StoredSenderGrace } from '../../coordinator/ports/grace.js';
import type { Database } from '../schema.js';

/** Grace on `db`. */
export function sqlGrace(db: Kysely<Database>): GraceRepo {
  return {
    async senders(renewalId) {
      const rows = await db
        .selectFrom('readiness')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .innerJoin('tenants', 'tenants.id', 'senders.tenant_id')
        .select([
          'readiness.id as rid',
          'senders.id as sid',
          'senders.name',
          'senders.source_addresses',
          'tenants.virtual_server_id',
          'readiness.grace',
        ])
        .where('readiness.renewal_id', '=', renewalId)
        .orderBy('senders.id')
        .execute();
      return rows.map((r) => ({
        readinessId: r.rid,
        senderId: r.sid,
        name: r.name,
        virtualServerId: r.virtual_server_id ?? '',
        addresses: JSON.parse(r.source_addresses || '[]') as string[],
        grace: r.grace ? (JSON.parse(r.grace) as StoredSenderGrace) : null,
      }));
    },
    async setSenderGrace(readinessId, grace) {
      await db
        .updateTable('readiness')
        .set({ grace: grace ? JSON.stringify(grace) : null })
        .where('id', '=', readinessId)
        .execute();
    },
    async inGraceAt(renewalId, now) {
      const rows = await db
        .selectFrom('readiness')
        .select(['sender_id', 'grace'])
        .where('renewal_id', '=', renewalId)
        .where('grace', 'is not', null)
        .orderBy('sender_id')
        .execute();
      return rows
        .filter((r) => {
          const g = JSON.parse(r.grace!) as StoredSenderGrace;
          return g.oldUntil !== null && g.oldUntil > now;
        })
        .map((r) => r.sender_id);
    },
  };
}
