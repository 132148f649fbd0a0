/** Per-sender grace over SQL (readiness.grace, JSON written here only). */
import { createHash } from 'node:crypto';
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
          'senders.tenant_id',
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
        tenantId: r.tenant_id,
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
    async inputsDigest(renewalId) {
      // The columns as stored (no JSON parsed), in a fixed order; readiness.grace left out.
      const rows = await db
        .selectFrom('readiness')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .leftJoin('tenants', 'tenants.id', 'senders.tenant_id')
        .select([
          'readiness.id',
          'readiness.sender_id',
          'readiness.state',
          'readiness.updated_at',
          'readiness.reason',
          'readiness.failures_after_t',
          'readiness.acknowledged_at',
          'readiness.evidence',
          'readiness.proof',
          'readiness.removal',
          'readiness.traffic',
          'readiness.observed',
          'senders.name',
          'senders.tenant_id',
          'senders.source_addresses',
          'tenants.virtual_server_id',
        ])
        .where('readiness.renewal_id', '=', renewalId)
        .orderBy('readiness.sender_id')
        .execute();
      const graced = await db
        .selectFrom('renewal_clients')
        .select('address')
        .where('renewal_id', '=', renewalId)
        .where('graced_at', 'is not', null)
        .orderBy('address')
        .execute();
      const h = createHash('sha256');
      for (const r of rows) h.update(`${JSON.stringify(Object.values(r))}\n`);
      h.update(`graced:${JSON.stringify(graced.map((g) => g.address))}`);
      return `${rows.length}:${h.digest('hex')}`;
    },
  };
}
