/**
 * Personal sender links: `rlk_<link id>.<HMAC>` — signed with a key derived from the master key,
 * expiring, one per sender and renewal. Issuing a new one (a postpone re-notifies) revokes the old,
 * so only the latest link works; an expired or superseded link answers LINK_INVALID (HTTP 410).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fail } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import type { SecretBox } from '../ports/secrets.js';
import type { NewSenderLink, SenderLink, SenderLinks } from '../ports/sender-links.js';
import { hashSecret } from '../secrets.js';
import type { RenewalEnv } from './ports.js';
import { linkKey } from './sealing.js';

/** What signing links needs. */
type Keys = { secrets: SecretBox };

function mac(store: Keys, linkId: string): string {
  return createHmac('sha256', linkKey(store)).update(linkId).digest('base64url');
}

/** The secret link token for a link row (derivable again from its id, so the outbox stores no secret). */
export function linkToken(store: Keys, linkId: string): string {
  return `rlk_${linkId}.${mac(store, linkId)}`;
}

/** The personal page URL for a link. */
export function linkUrl(env: RenewalEnv, store: Keys, linkId: string): string {
  // The personal page in the web UI (it reads /api/v1/links/{token}); the mail links people there.
  return `${env.publicUrl}/s/${linkToken(store, linkId)}`;
}

/** Issues a new link for a sender, revoking the previous ones for this renewal. */
export async function issueLinks(
  tx: Keys & { senderLinks: SenderLinks },
  env: Pick<RenewalEnv, 'clock'> & { renewal: Pick<RenewalEnv['renewal'], 'linkTtlMs'> },
  renewalId: string,
  senderIds: readonly string[],
  /** True when the senders have no link for this renewal yet: nothing to revoke. */
  fresh = false,
): Promise<Map<string, string>> {
  const now = env.clock.now();
  const at = new Date(now).toISOString();
  const key = linkKey(tx);
  // A first forward has nothing to revoke: skip updates that would find nothing.
  if (!fresh) await tx.senderLinks.revoke(renewalId, senderIds, at);
  const out = new Map<string, string>();
  const links: NewSenderLink[] = senderIds.map((senderId) => {
    const id = newId('lnk');
    out.set(senderId, id);
    return {
      id,
      renewalId,
      senderId,
      tokenHash: hashSecret(`rlk_${id}.${createHmac('sha256', key).update(id).digest('base64url')}`),
      createdAt: at,
      expiresAt: new Date(now + env.renewal.linkTtlMs).toISOString(),
    };
  });
  await tx.senderLinks.add(links);
  return out;
}

/** The link row behind a token, or LINK_INVALID (unknown, forged, expired or superseded). */
export async function resolveLink(env: RenewalEnv, token: string): Promise<SenderLink> {
  const m = /^rlk_([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(token);
  const invalid = (why: string) =>
    fail('LINK_INVALID', `this personal link ${why}: ask your tenant admin for a new one`);
  if (!m) return invalid('is not a rollover link');
  const expected = Buffer.from(mac(env.store, m[1]!));
  const given = Buffer.from(m[2]!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return invalid('is not valid');
  const link = await env.store.senderLinks.get(m[1]!);
  if (!link) return invalid('is not valid');
  if (link.revokedAt) return invalid(`was replaced by a newer one on ${link.revokedAt}`);
  if (Date.parse(link.expiresAt) <= env.clock.now()) return invalid(`expired at ${link.expiresAt}`);
  return link;
}

/** The current (latest, unrevoked) link id of a sender for a renewal. */
export async function currentLinkId(
  store: { senderLinks: SenderLinks },
  renewalId: string,
  senderId: string,
): Promise<string | undefined> {
  return store.senderLinks.current(renewalId, senderId);
}
