/** Observations and seen clients over SQL (readiness.observed, renewal_clients). */
import type { Kysely, Selectable } from 'kysely';
import type {
  ClientObservations,
  Observation,
  SeenClient,
} from '../../coordinator/ports/client-observations.js';
import type { Database, RenewalClientTable } from '../schema.js';

function seenOf(r: Selectable<RenewalClientTable>): SeenClient {
  return {
    address: r.address,
    firstSeenAt: r.first_seen_at,
    lastSeenAt: r.last_seen_at,
    handshakes: Number(r.handshakes),
    gracedAt: r.graced_at,
    gracedBy: r.graced_by,
  };
}

const observation = (text: string | null) => (text ? (JSON.parse(text) as Observation) : null);

/** Observations and seen clients on `db`. */
export function sqlClientObservations(db: Kysely<Database>): ClientObservations {
  return {
    async senders(renewalId) {
      const rows = await db
        .selectFrom('readiness')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .select([
          'readiness.id as rid',
          'senders.id as sid',
          'senders.source_addresses',
          'readiness.observed',
        ])
        .where('readiness.renewal_id', '=', renewalId)
        .orderBy('senders.id')
        .execute();
      return rows.map((r) => ({
        readinessId: r.rid,
        senderId: r.sid,
        sourceAddresses: JSON.parse(r.source_addresses) as string[],
        observed: observation(r.observed),
      }));
    },
    async setObserved(readinessId, o) {
      await db
        .updateTable('readiness')
        .set({ observed: JSON.stringify(o) })
        .where('id', '=', readinessId)
        .execute();
    },
    async observations(renewalId) {
      const rows = await db
        .selectFrom('readiness')
        .select(['sender_id', 'observed', 'proof'])
        .where('renewal_id', '=', renewalId)
        .where('observed', 'is not', null)
        .orderBy('sender_id')
        .execute();
      return rows.map((r) => {
        const p = r.proof ? (JSON.parse(r.proof) as { ok: boolean; at: string }) : null;
        return {
          senderId: r.sender_id,
          observed: observation(r.observed)!,
          proof: p ? { ok: p.ok, at: p.at } : null,
        };
      });
    },
    async recordSeen(renewalId, clients) {
      for (const c of clients) {
        await db
          .insertInto('renewal_clients')
          .values({
            renewal_id: renewalId,
            address: c.address,
            first_seen_at: c.lastSeenAt,
            last_seen_at: c.lastSeenAt,
            handshakes: c.handshakes,
            graced_at: null,
            graced_by: null,
          })
          .onConflict((oc) =>
            oc.columns(['renewal_id', 'address']).doUpdateSet((eb) => ({
              last_seen_at: eb
                .case()
                .when('renewal_clients.last_seen_at', '<', c.lastSeenAt)
                .then(c.lastSeenAt)
                .else(eb.ref('renewal_clients.last_seen_at'))
                .end(),
              handshakes: eb
                .case()
                .when('renewal_clients.handshakes', '<', c.handshakes)
                .then(c.handshakes)
                .else(eb.ref('renewal_clients.handshakes'))
                .end(),
            })),
          )
          .execute();
      }
    },
    async seen(renewalId) {
      const rows = await db
        .selectFrom('renewal_clients')
        .selectAll()
        .where('renewal_id', '=', renewalId)
        .orderBy('address')
        .execute();
      return rows.map(seenOf);
    },
    async grace(renewalId, addresses, by, at) {
      if (addresses.length === 0) return [];
      const added: string[] = [];
      for (let i = 0; i < addresses.length; i += 1000) {
        const rows = await db
          .updateTable('renewal_clients')
          .set({ graced_at: at, graced_by: by })
          .where('renewal_id', '=', renewalId)
          .where('address', 'in', addresses.slice(i, i + 1000))
          .where('graced_at', 'is', null)
          .returning('address')
          .execute();
        added.push(...rows.map((r) => r.address));
      }
      return added.sort();
    },
    async graced(renewalId) {
      const rows = await db
        .selectFrom('renewal_clients')
        .select('address')
        .where('renewal_id', '=', renewalId)
        .where('graced_at', 'is not', null)
        .orderBy('address')
        .execute();
      return rows.map((r) => r.address);
    },
    async inventoryAddresses() {
      const rows = await db.selectFrom('senders').select('source_addresses').execute();
      return [...new Set(rows.flatMap((r) => JSON.parse(r.source_addresses) as string[]))];
    },
  };
}
