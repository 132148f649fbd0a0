/** Sender links over SQL. */
import type { Kysely, Selectable } from 'kysely';
import type { SenderLink, SenderLinks } from '../../coordinator/ports/sender-links.js';
import { bulkInsert } from '../bulk.js';
import type { Database, SenderLinkTable } from '../schema.js';

/** A link row as the domain value. */
export function toSenderLink(r: Selectable<SenderLinkTable>): SenderLink {
  return {
    id: r.id,
    renewalId: r.renewal_id,
    senderId: r.sender_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

/** Sender links on `db`. */
export function sqlSenderLinks(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): SenderLinks {
  return {
    async get(id) {
      const r = await db.selectFrom('sender_links').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toSenderLink(r);
    },
    async current(renewalId, senderId) {
      const row = await db
        .selectFrom('sender_links')
        .select('id')
        .where('renewal_id', '=', renewalId)
        .where('sender_id', '=', senderId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row?.id;
    },
    async revoke(renewalId, senderIds, at) {
      // 1 000 ids per statement stays below both databases' parameter limits.
      for (let i = 0; i < senderIds.length; i += 1000) {
        await db
          .updateTable('sender_links')
          .set({ revoked_at: at })
          .where('renewal_id', '=', renewalId)
          .where('sender_id', 'in', senderIds.slice(i, i + 1000))
          .where('revoked_at', 'is', null)
          .execute();
      }
    },
    async add(links) {
      await bulkInsert(
        db,
        dialect,
        'sender_links',
        links.map((l) => ({
          id: l.id,
          renewal_id: l.renewalId,
          sender_id: l.senderId,
          token_hash: l.tokenHash,
          created_at: l.createdAt,
          expires_at: l.expiresAt,
          revoked_at: null,
        })),
        {
          id: 'text',
          renewal_id: 'text',
          sender_id: 'text',
          token_hash: 'text',
          created_at: 'text',
          expires_at: 'text',
          revoked_at: 'text',
        },
      );
    },
  };
}
