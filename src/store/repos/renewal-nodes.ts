/** Renewal-node rows over SQL; one `where` for the key, so every update targets the same row. */
import type { Kysely, Selectable } from 'kysely';
import type { NodeExceptions, RenewalNode, RenewalNodes } from '../../coordinator/ports/renewal-nodes.js';
import type { Database, RenewalNodeTable } from '../schema.js';

/** A row as the domain value. */
export function toRenewalNode(r: Selectable<RenewalNodeTable>): RenewalNode {
  return {
    renewalId: r.renewal_id,
    nodeId: r.node_id,
    virtualServerId: r.virtual_server_id,
    sequence: Number(r.sequence),
    stagedAckAt: r.staged_ack_at,
    verifiedAt: r.verified_at,
    servedSha256: r.served_sha256,
    tlsProfile: r.tls_profile ?? null,
    lastError: r.last_error,
    exceptions: r.exceptions ? (JSON.parse(r.exceptions) as NodeExceptions) : null,
    probes: r.probes ? (JSON.parse(r.probes) as Record<string, number>) : {},
  };
}

/** Renewal-node rows on `db`. */
export function sqlRenewalNodes(db: Kysely<Database>): RenewalNodes {
  return {
    async arm(renewalId, sequence, pairs) {
      await db.deleteFrom('renewal_nodes').where('renewal_id', '=', renewalId).execute();
      for (const p of pairs) {
        await db
          .insertInto('renewal_nodes')
          .values({
            renewal_id: renewalId,
            node_id: p.nodeId,
            virtual_server_id: p.virtualServerId,
            sequence,
            staged_ack_at: null,
            verified_at: null,
            served_sha256: null,
            last_error: null,
            exceptions: null,
          })
          .execute();
      }
    },
    async list(renewalId, sequence) {
      let q = db.selectFrom('renewal_nodes').selectAll().where('renewal_id', '=', renewalId);
      if (sequence !== undefined) q = q.where('sequence', '=', sequence);
      return (await q.orderBy('node_id').orderBy('virtual_server_id').execute()).map(toRenewalNode);
    },
    async update(key, patch) {
      const set = {
        ...(patch.stagedAckAt !== undefined ? { staged_ack_at: patch.stagedAckAt } : {}),
        ...(patch.verifiedAt !== undefined ? { verified_at: patch.verifiedAt } : {}),
        ...(patch.servedSha256 !== undefined ? { served_sha256: patch.servedSha256 } : {}),
        ...(patch.lastError !== undefined ? { last_error: patch.lastError } : {}),
        ...(patch.tlsProfile !== undefined ? { tls_profile: patch.tlsProfile } : {}),
        ...(patch.exceptions !== undefined
          ? { exceptions: patch.exceptions ? JSON.stringify(patch.exceptions) : null }
          : {}),
        ...(patch.probes !== undefined ? { probes: JSON.stringify(patch.probes) } : {}),
      };
      if (Object.keys(set).length === 0) return;
      await db
        .updateTable('renewal_nodes')
        .set(set)
        .where('renewal_id', '=', key.renewalId)
        .where('node_id', '=', key.nodeId)
        .where('virtual_server_id', '=', key.virtualServerId)
        .where('sequence', '=', key.sequence)
        .execute();
    },
  };
}
