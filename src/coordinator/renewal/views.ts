/**
 * What the API shows of renewals: the summary (counts kept beside the renewal, so 100k senders stay
 * fast), the public status for `truststore remove --renewal-status`, the signed announcement, and a
 * sender's link page. The detail is `renewal-detail.ts`; who may see what, `view-access.ts`.
 */

import type { Principal } from '../../access/roles.js';
import { signAnnouncement } from '../../notice/jws.js';
import { KIT_FILES } from '../../pki/kit.js';
import { type ReadinessState, readinessSummary } from '../../renewal/readiness.js';
import { renewalStatus } from '../../renewal/renewal-status.js';
import { tallySenders } from '../../renewal/sender-status.js';
import { notFound } from '../env.js';
import type { ReadinessCounts } from '../ports/readiness-counts.js';
import type { SenderLink } from '../ports/sender-links.js';
import { currentLinkId, linkToken } from './links.js';
import { loadFacts, type RenewalFacts } from './model.js';
import { previewUrl, verifyCommand } from './outbox.js';
import type { RenewalEnv } from './ports.js';
import { renewalFactsOf, senderStatusIn } from './sender-facts.js';
import { mayRead, scopeOf, seesAll, type ViewsPort, visibleRenewals, visibleVsIds } from './view-access.js';
import { scopeRenewalFacts } from './view-scope.js';

/** A virtual server's host names. */

/**
 * A renewal's readiness counts: the kept ones (else counted) for those who see all, else counted over
 * the caller's own senders.
 */
export async function readinessCounts(
  store: ViewsPort & { readinessCounts: ReadinessCounts },
  renewalId: string,
  p?: Principal,
): Promise<Record<ReadinessState, number>> {
  if (!p || seesAll(p)) {
    const kept = await store.readinessCounts.kept(renewalId);
    return kept ? { ...readinessSummary([]), ...kept } : store.readinessCounts.count(renewalId);
  }
  const mine = await store.renewalViews.senderReadiness(renewalId, scopeOf(p), 1_000_000);
  return readinessSummary(mine.map((x) => x.state as ReadinessState));
}

/** The summary of one renewal. */
export async function summaryOf(
  env: RenewalEnv,
  f: RenewalFacts,
  p?: Principal,
  /** For a scoped caller: the virtual servers it may see (another tenant's are left out). */
  vsVisible?: ReadonlySet<string>,
) {
  // The phase and its headline speak from renewal-level facts only (no per-sender pass for a list).
  const v = renewalStatus(
    await renewalFactsOf(env.store, f.renewal),
    tallySenders([]),
    new Date(env.clock.now()),
  );
  return {
    id: f.renewal.id,
    state: f.renewal.state,
    phase: v.phase,
    headline: v.headline,
    exchangeAt: f.renewal.exchangeAt,
    virtualServers: f.vss
      .filter((v) => !vsVisible || vsVisible.has(v.id))
      .map((v) => ({ id: v.id, name: v.name, hosts: v.hosts })),
    newRootSha256: f.renewal.newRootSha256 ?? null,
    oldRootSha256: f.renewal.oldRootSha256 ?? null,
    readiness: await readinessCounts(env.store, f.renewal.id, p),
  };
}

/** Renewals the caller may see, summarised. */
export async function listRenewalSummaries(env: RenewalEnv, p: Principal) {
  const out = [];
  const vsVisible = await visibleVsIds(env.store, p);
  for (const r of await visibleRenewals(env.store, p))
    out.push(await summaryOf(env, await loadFacts(env.store, r.id, false), p, vsVisible));
  return out;
}

/** A renewal the caller may see (NOT_FOUND otherwise). */
export async function visibleFacts(env: RenewalEnv, p: Principal, id: string): Promise<RenewalFacts> {
  const f = await loadFacts(env.store, id, false);
  if (
    !(await mayRead(
      env.store,
      p,
      id,
      f.vss.map((v) => v.id),
    ))
  )
    notFound('renewal', id);
  return f;
}

/**
 * The public status (no secrets) that `truststore remove --renewal-status` reads. With a sender (its
 * id, or its personal link) it carries that sender's derived status and removal verdict, which the
 * CLI checks; without one it says that removal is decided per sender.
 */
export async function publicStatus(env: RenewalEnv, id: string, senderId?: string) {
  const f = await loadFacts(env.store, id, false);
  if (f.renewal.state === 'planned') notFound('renewal', id); // nothing is public before the announcement
  const v = renewalStatus(
    await renewalFactsOf(env.store, f.renewal),
    tallySenders([]),
    new Date(env.clock.now()),
  );
  const sender = senderId
    ? ((await senderStatusIn(env, f.renewal, senderId)) ?? notFound('sender', senderId))
    : undefined;
  return {
    id: f.renewal.id,
    state: f.renewal.state,
    phase: v.phase,
    exchangeAt: f.renewal.exchangeAt!,
    exchangedAt: v.exchangedAt?.toISOString() ?? null,
    safeRemovalAt: v.safeRemovalAt.toISOString(),
    oldRootSha256: f.renewal.oldRootSha256!,
    newRootSha256: f.renewal.newRootSha256!,
    removalDecidedPerSender: true as const,
    ...(sender
      ? {
          sender: {
            id: sender.id,
            state: sender.status.state,
            headline: sender.status.headline,
            removal: sender.status.removal,
            oldCredentialServedUntil: sender.status.oldCredentialServedUntil,
            graceUntil: sender.status.graceUntil,
          },
        }
      : {}),
  };
}

/** The signed announcement (compact JWS), public once announced. */
export async function announcementJws(env: RenewalEnv, id: string): Promise<string> {
  const f = await loadFacts(env.store, id, false);
  const r = f.renewal;
  if (r.state === 'planned') notFound('renewal', id);
  const announcedAt = await env.store.renewalViews.lastStepAt(id, ['announce', 'postpone']);
  const preview = previewUrl(f);
  return signAnnouncement(
    {
      type: 'rollover.root-announcement',
      version: 1,
      renewalId: id,
      exchangeAt: r.exchangeAt!,
      safeRemovalAt: r.safeRemovalAt!,
      virtualServers: f.vss.map((v, i) => ({
        id: v.id,
        hosts: v.hosts,
        ...(i === 0 && preview ? { previewUrl: preview } : {}),
      })),
      newRootSha256: r.newRootSha256!,
      ...(r.oldRootSha256 ? { oldRootSha256: r.oldRootSha256 } : {}),
      newRootPem: f.newCred.rootPem,
      url: `${env.publicUrl}/api/v1/renewals/${id}/announcement.jws`,
      issuedAt: announcedAt ?? r.updatedAt,
      ...(r.sequence > 0 ? { supersedes: `${id}#${r.sequence - 1}` } : {}),
    },
    env.renewal.announcementKey.privateKey,
    env.renewal.announcementKey.jwk.kid,
  );
}

/** A sender's personal page: everything to act without an account. */
export async function linkPage(env: RenewalEnv, link: SenderLink) {
  const f = await loadFacts(env.store, link.renewalId, false);
  const sender = (await env.store.inventory.sender(link.senderId))!;
  const [senderVs] = await env.store.renewalViews.virtualServersOf({
    tenantIds: [sender.tenantId],
    senderIds: [],
  });
  const [rdy] = await env.store.renewalViews.senderReadiness(
    f.renewal.id,
    { tenantIds: [], senderIds: [sender.id] },
    1,
  );
  const linkId = (await currentLinkId(env.store, f.renewal.id, sender.id)) ?? link.id;
  const token = linkToken(env.store, linkId);
  // The page speaks of this sender only: the hold counts it alone, a completion reason is withheld.
  const scoped = scopeRenewalFacts(f.renewal, f.renewal.gate?.notReady.includes(sender.id) ? 1 : 0);
  const mine = (await senderStatusIn(env, scoped, sender.id))!;
  const v = renewalStatus(
    await renewalFactsOf(env.store, scoped),
    tallySenders([]),
    new Date(env.clock.now()),
  );
  return {
    renewal: {
      id: f.renewal.id,
      state: f.renewal.state,
      phase: v.phase,
      headline: v.headline,
      held: v.held ? { since: v.held.since.toISOString(), reason: v.held.reason } : null,
      exchangeAt: f.renewal.exchangeAt,
      exchangedAt: v.exchangedAt?.toISOString() ?? null,
      safeRemovalAt: v.safeRemovalAt.toISOString(),
      // Only the virtual server serving this sender's tenant: never another tenant's.
      virtualServers: f.vss
        .filter((x) => x.id === senderVs)
        .map((x) => ({ id: x.id, name: x.name, hosts: x.hosts })),
      newRootSha256: f.renewal.newRootSha256 ?? null,
      oldRootSha256: f.renewal.oldRootSha256 ?? null,
    },
    sender: { id: sender.id, name: sender.name, truststoreKind: sender.truststoreKind },
    fingerprint: f.renewal.newRootSha256 ?? null,
    kitFiles: [...KIT_FILES],
    kitUrl: `${env.publicUrl}/api/v1/links/${token}/kit/`,
    previewUrl: previewUrl(f) ?? null,
    verifyCommand: verifyCommand(
      env,
      env.store,
      f,
      sender.id,
      linkId,
      Boolean(mine.status.oldCredentialServedUntil),
    ),
    state: rdy?.state ?? 'pending',
    status: mine.status,
    removalAllowed: mine.status.removal.allowed,
    removalReason: mine.status.removal.reason,
    statusUrl: `${env.publicUrl}/api/v1/links/${token}/status.json`,
    expiresAt: link.expiresAt,
  };
}
