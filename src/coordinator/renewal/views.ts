/**
 * What the API shows of renewals: the summary (counts, computed in SQL so 100k senders stay fast),
 * the detail (steps, tenants, senders, nodes — scoped to what the caller may see), the public status
 * for `truststore remove --renewal-status`, the signed announcement, and a sender's link page.
 */

import { can, senderScopes, tenantScopes } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { signAnnouncement } from '../../notice/jws.js';
import { KIT_FILES } from '../../pki/kit.js';
import { evaluateGate, type GatePolicy } from '../../renewal/gate.js';
import { nodeStaging } from '../../renewal/node-staging.js';
import { type ReadinessState, readinessSummary } from '../../renewal/readiness.js';
import { renewalStatus } from '../../renewal/renewal-status.js';
import { tallySenders } from '../../renewal/sender-status.js';
import { type Row, type Store, toSenderRecord } from '../../store/store.js';
import { notFound } from '../env.js';
import type { NodeExceptions } from '../ports/renewal-nodes.js';
import type { SenderLink } from '../ports/sender-links.js';
import { bridgeView } from './bridge.js';
import { countReadiness } from './counts.js';
import { currentLinkId, linkToken } from './links.js';
import { loadFacts, type RenewalFacts, STEP_NUMBER, vsIdsOf } from './model.js';
import { previewUrl, proveTarget, verifyCommand } from './outbox.js';
import type { RenewalEnv } from './ports.js';
import {
  renewalClockOf,
  renewalFactsOf,
  renewalStatusOf,
  senderObservationStands,
  senderStatusIn,
  statusOf,
} from './sender-facts.js';
import { unknownClientsOfRenewal } from './unknown-clients.js';
import { gateReason, type StepView, scopeNodeExceptions, scopeStep, WITHHELD } from './view-scope.js';

/**
 * What a node answered to the source exceptions last sent (current announcement only), worst first:
 * a node whose agent answers "not yet" is shown as such, never as done.
 */
function exceptionsView(
  rows: Array<{ exceptions: string | null; sequence: number | string }>,
  sequence: number,
) {
  const sent = rows
    .filter((r) => Number(r.sequence) === sequence && r.exceptions)
    .map((r) => JSON.parse(r.exceptions!) as NodeExceptions);
  if (!sent.length) return null;
  const rank = { failed: 0, differs: 1, 'not-yet': 2, applied: 3 } as const;
  const worst = sent.sort((a, b) => rank[a.outcome] - rank[b.outcome])[0]!;
  return {
    outcome: worst.outcome,
    detail: worst.detail,
    sentAt: worst.sentAt,
    entries: sent.reduce((n, x) => n + x.entries.length, 0),
    autoEntries: sent.reduce((n, x) => n + x.auto.length, 0),
  };
}

/** True when the caller sees everything (lb-admin or auditor). */
function global(p: Principal): boolean {
  return p.bindings.some((b) => (b.role === 'lb-admin' || b.role === 'auditor') && b.scopeId === '');
}

/**
 * The virtual servers a scoped caller may see: those serving its tenants or its senders' tenants
 * (undefined for lb-admin and auditor, who see all).
 */
async function visibleVsIds(store: Store, p: Principal): Promise<Set<string> | undefined> {
  if (global(p)) return undefined;
  const mySenders = senderScopes(p);
  const viaSenders = mySenders.length
    ? await store.db.selectFrom('senders').select('tenant_id').where('id', 'in', mySenders).execute()
    : [];
  const tenants = [...tenantScopes(p), ...viaSenders.map((s) => s.tenant_id)];
  if (!tenants.length) return new Set();
  const rows = await store.db
    .selectFrom('tenants')
    .select('virtual_server_id')
    .where('id', 'in', tenants)
    .execute();
  return new Set(rows.map((r) => r.virtual_server_id ?? '').filter(Boolean));
}

/**
 * The scope facts of a renewal for can(). A sender admin's senders count only once their tenant admin
 * forwarded the renewal (or the tenant forwards automatically): before that, the renewal is not theirs
 * to see (step 3 has not reached them).
 */
async function visible(store: Store, p: Principal, r: Row<'renewals'>, vsIds: string[]): Promise<boolean> {
  if (global(p)) return true;
  const mine = tenantScopes(p);
  const tenants = await store.db
    .selectFrom('tenants')
    .select('id')
    .where('virtual_server_id', 'in', vsIds)
    .where('id', 'in', mine.length ? mine : [''])
    .execute();
  const mySenders = senderScopes(p);
  const senders = mySenders.length
    ? await store.db
        .selectFrom('senders')
        .innerJoin('tenants', 'tenants.id', 'senders.tenant_id')
        .innerJoin('forwardings', (j) =>
          j.onRef('forwardings.tenant_id', '=', 'senders.tenant_id').on('forwardings.renewal_id', '=', r.id),
        )
        .select('senders.id')
        .where('senders.id', 'in', mySenders)
        .where('tenants.virtual_server_id', 'in', vsIds)
        .where('forwardings.state', '=', 'forwarded')
        .execute()
    : [];
  return can(p, 'read', {
    kind: 'renewal',
    tenantIds: tenants.map((t) => t.id),
    senderIds: senders.map((s) => s.id),
  });
}

/** The readiness rows of the senders a scoped caller may see, driven from the senders side (indexed). */
async function scopedRows(
  store: Store,
  renewalId: string,
  tenantIds: readonly string[],
  senderIds: readonly string[],
  limit: number,
) {
  // Two indexed steps (the caller's senders, then their readiness rows by the unique key), so no
  // planner walks all 100 000 readiness rows of the renewal to find a tenant's ten.
  const ids = new Set(senderIds);
  for (let i = 0; i < tenantIds.length; i += 500) {
    const rows = await store.db
      .selectFrom('senders')
      .select('id')
      .where('tenant_id', 'in', tenantIds.slice(i, i + 500))
      .execute();
    for (const r of rows) ids.add(r.id);
  }
  const sorted = [...ids].sort().slice(0, limit);
  const out = [];
  for (let i = 0; i < sorted.length; i += 1000) {
    out.push(
      ...(await store.db
        .selectFrom('readiness')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .select([
          'senders.id',
          'senders.name',
          'senders.tenant_id',
          'readiness.state',
          'readiness.reason',
          'readiness.updated_at',
          'readiness.failures_after_t',
          'readiness.acknowledged_at',
          'readiness.proof',
          'readiness.removal',
          'readiness.traffic',
          'readiness.observed',
          'readiness.grace',
          'senders.source_addresses',
        ])
        .where('readiness.renewal_id', '=', renewalId)
        .where('readiness.sender_id', 'in', sorted.slice(i, i + 1000))
        .orderBy('readiness.sender_id')
        .execute()),
    );
  }
  return out;
}

async function counts(
  store: Store,
  r: Row<'renewals'>,
  p?: Principal,
): Promise<Record<ReadinessState, number>> {
  if (!p || global(p)) {
    if (r.readiness_counts)
      return {
        ...readinessSummary([]),
        ...(JSON.parse(r.readiness_counts) as Record<ReadinessState, number>),
      };
    return countReadiness(store, r.id);
  }
  return readinessSummary(
    (await scopedRows(store, r.id, tenantScopes(p), senderScopes(p), 1_000_000)).map(
      (x) => x.state as ReadinessState,
    ),
  );
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
    id: f.r.id,
    state: f.r.state,
    phase: v.phase,
    headline: v.headline,
    exchangeAt: f.r.exchange_at,
    virtualServers: f.vss
      .filter((v) => !vsVisible || vsVisible.has(v.id))
      .map((v) => ({ id: v.id, name: v.name, hosts: JSON.parse(v.hosts) as string[] })),
    newRootSha256: f.r.new_root_fingerprint,
    oldRootSha256: f.r.old_root_fingerprint,
    readiness: await counts(env.store, f.r, p),
  };
}

/** Renewals the caller may see, summarised. */
export async function listRenewalSummaries(env: RenewalEnv, p: Principal) {
  const out = [];
  const vsVisible = await visibleVsIds(env.store, p);
  for (const r of await env.store.list('renewals')) {
    if (!(await visible(env.store, p, r, await vsIdsOf(env.store, r)))) continue;
    out.push(await summaryOf(env, await loadFacts(env.store, r.id, false), p, vsVisible));
  }
  return out;
}

/** A renewal the caller may see (NOT_FOUND otherwise). */
export async function visibleFacts(env: RenewalEnv, p: Principal, id: string): Promise<RenewalFacts> {
  const f = await loadFacts(env.store, id, false);
  if (
    !(await visible(
      env.store,
      p,
      f.r,
      f.vss.map((v) => v.id),
    ))
  )
    notFound('renewal', id);
  return f;
}

/** The full detail, scoped: a tenant admin sees only its tenants and their senders. */
export async function renewalDetail(env: RenewalEnv, p: Principal, id: string) {
  const f = await visibleFacts(env, p, id);
  const all = global(p);
  const ts = new Set(tenantScopes(p));
  const ss = new Set(senderScopes(p));
  // The first 1000 tenants for those who see all (the summary counts cover every one), else their own.
  f.tenants = await env.store.db
    .selectFrom('tenants')
    .selectAll()
    .where(
      'virtual_server_id',
      'in',
      f.vss.map((v) => v.id),
    )
    .$if(!all, (q) => q.where('id', 'in', ts.size ? [...ts] : ['']))
    .orderBy('id')
    .limit(1000)
    .execute();
  const steps = await env.store.db
    .selectFrom('steps')
    .selectAll()
    .where('renewal_id', '=', id)
    .orderBy('at')
    .orderBy('id')
    .execute();
  // The first 1000 senders for those who see all (ids from the unique index, in order, then their
  // rows), else the caller's own; the counts cover everyone.
  const firstIds = all
    ? (
        await env.store.db
          .selectFrom('readiness')
          .select('sender_id')
          .where('renewal_id', '=', id)
          .orderBy('sender_id')
          .limit(1000)
          .execute()
      ).map((x) => x.sender_id)
    : [];
  const senderRows = all
    ? await scopedRows(env.store, id, [], firstIds, 1000)
    : await scopedRows(env.store, id, [...ts], [...ss], 1000);
  // The forwardings of the tenants shown and of the caller's own senders' tenants (a sender admin's
  // sender is told only once its tenant forwarded the renewal).
  const fwdTenants = [...new Set([...f.tenants.map((t) => t.id), ...senderRows.map((s) => s.tenant_id)])];
  const fwd = await env.store.db
    .selectFrom('forwardings')
    .selectAll()
    .where('renewal_id', '=', id)
    .where('tenant_id', 'in', fwdTenants.length ? fwdTenants : [''])
    .execute();
  const forwarded = new Set(fwd.filter((x) => x.state === 'forwarded').map((x) => x.tenant_id));
  const nodeRows = await env.store.db
    .selectFrom('renewal_nodes')
    .innerJoin('lb_nodes', 'lb_nodes.id', 'renewal_nodes.node_id')
    .select([
      'lb_nodes.id',
      'lb_nodes.name',
      'renewal_nodes.staged_ack_at',
      'renewal_nodes.verified_at',
      'renewal_nodes.served_sha256',
      'renewal_nodes.tls_profile',
      'renewal_nodes.last_error',
      'renewal_nodes.exceptions',
      'renewal_nodes.sequence',
    ])
    .where('renewal_nodes.renewal_id', '=', id)
    .execute();
  const byNode = new Map<string, typeof nodeRows>();
  for (const n of nodeRows) byNode.set(n.id, [...(byNode.get(n.id) ?? []), n]);
  const latest = (xs: Array<string | null>) => (xs.every((x) => x) ? (xs as string[]).sort().at(-1)! : null);
  const ov = f.r.gate_override
    ? (JSON.parse(f.r.gate_override) as { by: string; reason: string })
    : undefined;
  const gate = f.r.gate
    ? (JSON.parse(f.r.gate) as { decision: string; notReady: string[]; reason: string })
    : evaluateGate({
        policy: f.r.gate_policy as GatePolicy,
        senders: senderRows.map((s) => ({
          id: s.id,
          state: s.state as ReadinessState,
          observed: senderObservationStands(toSenderRecord(s)),
        })),
        acceptObserved: Number(f.r.accept_observed ?? 0) === 1,
        ...(ov ? { override: ov } : {}),
      });
  const exchangedAt = Date.parse(f.r.exchange_at!);
  const now = new Date(env.clock.now());
  const clock = renewalClockOf(f.renewal);
  const senders = senderRows
    .filter((s) => all || ts.has(s.tenant_id) || (ss.has(s.id) && forwarded.has(s.tenant_id)))
    .map((s) => {
      const w = fwd.find((x) => x.tenant_id === s.tenant_id && x.state === 'forwarded');
      return { row: s, status: statusOf(toSenderRecord(s), w?.updated_at ?? null, clock, now) };
    });
  const total = Object.values(await counts(env.store, f.r, p)).reduce((a, b) => a + b, 0);
  // Every field below is cut to what a scoped caller may see, like the objects themselves.
  const vsVisible = await visibleVsIds(env.store, p);
  const scope = vsVisible && {
    tenants: new Set([...ts, ...senders.map((s) => s.row.tenant_id)]),
    senders: new Set(senders.map((s) => s.row.id)),
    virtualServers: vsVisible,
  };
  const myNotReady = scope ? gate.notReady.filter((s) => scope.senders.has(s)) : gate.notReady;
  const stepViews: StepView[] = steps.map((s) => ({
    step: STEP_NUMBER[s.kind] ?? null,
    kind: s.kind,
    role: s.role,
    actor: s.actor,
    at: s.at,
    detail: JSON.parse(s.evidence) as unknown,
  }));
  const derived = await renewalStatusOf(
    env.store,
    f.renewal,
    senders.map((x) => x.status),
    now,
    total > senders.length,
  );
  return {
    ...(await summaryOf(env, f, p, vsVisible)),
    exchangedAt: derived.status.exchangedAt,
    safeRemovalAt: derived.status.safeRemovalAt,
    status: derived.status,
    tally: derived.tally,
    completion: f.r.completion
      ? scope
        ? {
            ...JSON.parse(f.r.completion),
            reason: JSON.parse(f.r.completion).reason === null ? null : WITHHELD,
          }
        : JSON.parse(f.r.completion)
      : null,
    /** Where `sender verify` proves the new root now (the preview listener before the exchange). */
    prove: proveTarget(f),
    gateAt: f.r.gate_at,
    postponeDeadline: f.r.postpone_deadline,
    rollbackWindowSeconds: Number(f.r.rollback_window_seconds),
    gatePolicy: f.r.gate_policy,
    bridge: bridgeView(f.renewal.bridge),
    acceptObserved: Number(f.r.accept_observed ?? 0) === 1,
    // Addresses no sender claims: only for those who see every tenant (an address may be anyone's).
    unknownClients: all ? await unknownClientsOfRenewal(env, f.renewal) : null,
    sequence: Number(f.r.sequence),
    gate: {
      decision: ov && gate.decision === 'blocked' ? 'overridden' : gate.decision,
      notReady: myNotReady.slice(0, 1000),
      reason: scope ? gateReason(myNotReady.length) : gate.reason,
      ...(ov ? { override: scope ? { ...ov, reason: WITHHELD } : ov } : {}),
    },
    steps: scope
      ? stepViews.map((s) => scopeStep(s, scope)).filter((s): s is StepView => s !== undefined)
      : stepViews,
    tenants: f.tenants
      .filter((t) => all || ts.has(t.id))
      .map((t) => {
        const w = fwd.find((x) => x.tenant_id === t.id);
        return {
          id: t.id,
          name: t.name,
          operatingModel: t.operating_model,
          forwarded: w?.state === 'forwarded',
          forwardedAt: w?.state === 'forwarded' ? w.updated_at : null,
          forwardedBy: w?.state === 'forwarded' ? w.actor : null,
        };
      }),
    senders: senders.map(({ row: s, status }) => ({
      id: s.id,
      name: s.name,
      tenantId: s.tenant_id,
      state: s.state,
      ...(s.reason ? { reason: s.reason } : {}),
      updatedAt: s.updated_at,
      failuresAfterT: Number(s.failures_after_t),
      status,
    })),
    nodes: [...byNode.entries()].map(([nid, rows]) => {
      const verifiedAt = latest(rows.map((r) => r.verified_at));
      const stagedAckAt = latest(rows.map((r) => r.staged_ack_at));
      const lastError = rows.find((r) => r.last_error)?.last_error ?? null;
      return {
        id: nid,
        name: rows[0]!.name,
        stagedAckAt,
        verifiedAt,
        staging: nodeStaging({ stagedAckAt, verifiedAt, lastError }, derived.status.phase),
        servedSha256: rows[0]!.served_sha256,
        tlsProfile: rows.find((r) => r.tls_profile)?.tls_profile ?? null,
        late: !verifiedAt && env.clock.now() > exchangedAt && ['exchanged', 'verified'].includes(f.r.state),
        ...(rows.some((r) => r.last_error) ? { lastError: rows.find((r) => r.last_error)!.last_error } : {}),
        exceptions: scopeNodeExceptions(exceptionsView(rows, Number(f.r.sequence)), scope !== undefined),
      };
    }),
    announcementUrl: `${env.publicUrl}/api/v1/renewals/${id}/announcement.jws`,
    statusUrl: `${env.publicUrl}/api/v1/renewals/${id}/status.json`,
  };
}

/**
 * The public status (no secrets) that `truststore remove --renewal-status` reads. With a sender (its
 * id, or its personal link) it carries that sender's derived status and removal verdict, which the
 * CLI checks; without one it says that removal is decided per sender.
 */
export async function publicStatus(env: RenewalEnv, id: string, senderId?: string) {
  const r = (await env.store.get('renewals', id)) ?? notFound('renewal', id);
  if (r.state === 'planned') notFound('renewal', id); // nothing is public before the announcement
  const renewal = (await env.store.renewals.get(r.id)) ?? notFound('renewal', id);
  const v = renewalStatus(
    await renewalFactsOf(env.store, renewal),
    tallySenders([]),
    new Date(env.clock.now()),
  );
  const sender = senderId
    ? ((await senderStatusIn(env, renewal, senderId)) ?? notFound('sender', senderId))
    : undefined;
  return {
    id: r.id,
    state: r.state,
    phase: v.phase,
    exchangeAt: r.exchange_at!,
    exchangedAt: v.exchangedAt?.toISOString() ?? null,
    safeRemovalAt: v.safeRemovalAt.toISOString(),
    oldRootSha256: r.old_root_fingerprint!,
    newRootSha256: r.new_root_fingerprint!,
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
  if (f.r.state === 'planned') notFound('renewal', id);
  const announced = await env.store.db
    .selectFrom('steps')
    .select('at')
    .where('renewal_id', '=', id)
    .where('kind', 'in', ['announce', 'postpone'])
    .orderBy('at', 'desc')
    .executeTakeFirst();
  const preview = previewUrl(f);
  return signAnnouncement(
    {
      type: 'rollover.root-announcement',
      version: 1,
      renewalId: id,
      exchangeAt: f.r.exchange_at!,
      safeRemovalAt: f.r.safe_removal_at!,
      virtualServers: f.vss.map((v, i) => ({
        id: v.id,
        hosts: JSON.parse(v.hosts) as string[],
        ...(i === 0 && preview ? { previewUrl: preview } : {}),
      })),
      newRootSha256: f.r.new_root_fingerprint!,
      ...(f.r.old_root_fingerprint ? { oldRootSha256: f.r.old_root_fingerprint } : {}),
      newRootPem: f.newCred.root_pem,
      url: `${env.publicUrl}/api/v1/renewals/${id}/announcement.jws`,
      issuedAt: announced?.at ?? f.r.updated_at,
      ...(Number(f.r.sequence) > 0 ? { supersedes: `${id}#${Number(f.r.sequence) - 1}` } : {}),
    },
    env.renewal.announcementKey.privateKey,
    env.renewal.announcementKey.jwk.kid,
  );
}

/** A sender's personal page: everything to act without an account. */
export async function linkPage(env: RenewalEnv, link: SenderLink) {
  const f = await loadFacts(env.store, link.renewalId, false);
  const sender = (await env.store.get('senders', link.senderId))!;
  const senderVs = (await env.store.get('tenants', sender.tenant_id))?.virtual_server_id;
  const rdy = await env.store.db
    .selectFrom('readiness')
    .selectAll()
    .where('renewal_id', '=', f.r.id)
    .where('sender_id', '=', sender.id)
    .executeTakeFirst();
  const linkId = (await currentLinkId(env.store, f.r.id, sender.id)) ?? link.id;
  const token = linkToken(env.store, linkId);
  const mine = (await senderStatusIn(env, f.renewal, sender.id))!;
  const v = renewalStatus(
    await renewalFactsOf(env.store, f.renewal),
    tallySenders([]),
    new Date(env.clock.now()),
  );
  return {
    renewal: {
      id: f.r.id,
      state: f.r.state,
      phase: v.phase,
      headline: v.headline,
      held: v.held ? { since: v.held.since.toISOString(), reason: v.held.reason } : null,
      exchangeAt: f.r.exchange_at,
      exchangedAt: v.exchangedAt?.toISOString() ?? null,
      safeRemovalAt: v.safeRemovalAt.toISOString(),
      // Only the virtual server serving this sender's tenant: never another tenant's.
      virtualServers: f.vss
        .filter((x) => x.id === senderVs)
        .map((x) => ({ id: x.id, name: x.name, hosts: JSON.parse(x.hosts) as string[] })),
      newRootSha256: f.r.new_root_fingerprint,
      oldRootSha256: f.r.old_root_fingerprint,
    },
    sender: { id: sender.id, name: sender.name, truststoreKind: sender.truststore_kind },
    fingerprint: f.r.new_root_fingerprint,
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
