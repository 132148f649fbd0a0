/**
 * Gathering the facts the per-sender status is derived from (rows → pure inputs), and turning the
 * derived status into its JSON. The one place that knows how facts are stored; views, mails, the
 * status JSON and the CLI all go through here to src/renewal/sender-status.ts.
 */
import type { SenderStatusJson } from '../../api/contract/sender-status.js';
import type { GatePolicy } from '../../renewal/gate.js';
import { type GracePolicy, NO_GRACE } from '../../renewal/grace.js';
import { REMIND_INTERVAL_MS, remindVerdict } from '../../renewal/remind.js';
import {
  type Completion,
  type RenewalFactsForStatus,
  type RenewalStatusView,
  renewalStatus,
} from '../../renewal/renewal-status.js';
import {
  observationStands,
  type RenewalClock,
  type SenderFacts,
  type SenderStatus,
  type SenderTally,
  type SenderTraffic,
  senderStatus,
  tallySenders,
} from '../../renewal/sender-status.js';
import type { RenewalState } from '../../renewal/states.js';
import type { Row, Store } from '../../store/store.js';
import type { Observation } from '../ports/client-observations.js';
import type { StoredSenderGrace } from '../ports/grace.js';

/** A sender's proof as stored in `readiness.proof`. */
export interface StoredProof {
  ok: boolean;
  at: string;
  afterStaging: boolean;
  reason?: string;
}

/** A sender's removal report as stored in `readiness.removal`. */
export interface StoredRemoval {
  at: string;
  forced: boolean;
}

/** Handshakes attributed to a sender, as stored in `readiness.traffic` (instants as ISO strings). */
export interface StoredTraffic {
  successesAfter: number;
  successesOnNewAfter: number;
  failuresAfter: number;
  firstFailureAfterAt: string | null;
  lastFailureAt: string | null;
  lastSuccessOnNewAt: string | null;
  lastHandshakeAt: string | null;
  lastServed: 'new' | 'old' | 'other' | null;
  lastServedSha256: string | null;
  successesBefore: number;
  failuresBefore: number;
}

/** No handshakes seen. */
export const NO_TRAFFIC: StoredTraffic = {
  successesAfter: 0,
  successesOnNewAfter: 0,
  failuresAfter: 0,
  firstFailureAfterAt: null,
  lastFailureAt: null,
  lastSuccessOnNewAt: null,
  lastHandshakeAt: null,
  lastServed: null,
  lastServedSha256: null,
  successesBefore: 0,
  failuresBefore: 0,
};

/** The readiness columns (and the sender's addresses) a status needs. */
export interface ReadinessFactsRow {
  state: string;
  updated_at: string;
  reason: string | null;
  failures_after_t: number | string;
  acknowledged_at: string | null;
  proof: string | null;
  removal: string | null;
  traffic: string | null;
  /** Migration 0008 (absent in rows selected before it): the grace decided for the sender. */
  grace?: string | null;
  /** Absent on rows selected before migration 0007's column was read. */
  observed?: string | null;
  source_addresses: string;
}

/** The readiness columns to select (prefixed) for {@link senderFactsOf}. */
export const READINESS_FACT_COLUMNS = [
  'readiness.state',
  'readiness.updated_at',
  'readiness.reason',
  'readiness.failures_after_t',
  'readiness.acknowledged_at',
  'readiness.proof',
  'readiness.removal',
  'readiness.traffic',
  'readiness.grace',
  'readiness.observed',
  'senders.source_addresses',
] as const;

const date = (s: string | null | undefined) => (s ? new Date(s) : null);

function trafficOf(t: StoredTraffic): SenderTraffic {
  return {
    successesAfter: t.successesAfter,
    successesOnNewAfter: t.successesOnNewAfter,
    failuresAfter: t.failuresAfter,
    firstFailureAfterAt: date(t.firstFailureAfterAt),
    lastFailureAt: date(t.lastFailureAt),
    lastSuccessOnNewAt: date(t.lastSuccessOnNewAt),
    lastHandshakeAt: date(t.lastHandshakeAt),
    lastServed: t.lastServed,
    successesBefore: t.successesBefore,
    failuresBefore: t.failuresBefore,
  };
}

/** The stored traffic of a row, or null when the sender has no addresses to attribute by. */
export function storedTraffic(row: ReadinessFactsRow): StoredTraffic | null {
  const hints = JSON.parse(row.source_addresses || '[]') as string[];
  if (!hints.length) return null;
  return row.traffic ? { ...NO_TRAFFIC, ...(JSON.parse(row.traffic) as Partial<StoredTraffic>) } : NO_TRAFFIC;
}

/**
 * A sender's facts from its readiness row. Rows written before these facts were kept fall back on the
 * readiness state (verified → a proof, old-root-removed → a removal report, at its update instant).
 */
export function senderFactsOf(row: ReadinessFactsRow, forwardedAt: string | null): SenderFacts {
  const st = row.state;
  const told = st !== 'pending';
  const proof: StoredProof | null = row.proof
    ? (JSON.parse(row.proof) as StoredProof)
    : st === 'verified'
      ? { ok: true, at: row.updated_at, afterStaging: true }
      : st === 'failing'
        ? { ok: false, at: row.updated_at, afterStaging: true, ...(row.reason ? { reason: row.reason } : {}) }
        : null;
  const removal: StoredRemoval | null = row.removal
    ? (JSON.parse(row.removal) as StoredRemoval)
    : st === 'old-root-removed'
      ? { at: row.updated_at, forced: false }
      : null;
  const traffic = storedTraffic(row);
  const g = row.grace ? (JSON.parse(row.grace) as StoredSenderGrace) : null;
  const observed = row.observed ? (JSON.parse(row.observed) as Observation) : null;
  return {
    grace: g
      ? {
          oldUntil: date(g.oldUntil),
          oldCidrs: g.oldCidrs,
          heldBy: g.heldBy,
          earlyCidrs: g.earlyCidrs,
          nodes: g.nodes,
        }
      : null,
    toldAt: told ? new Date(forwardedAt ?? row.updated_at) : null,
    acknowledgedAt: date(row.acknowledged_at) ?? (st === 'acknowledged' ? new Date(row.updated_at) : null),
    proof: proof
      ? {
          ok: proof.ok,
          at: new Date(proof.at),
          afterStaging: proof.afterStaging,
          ...(proof.reason ? { reason: proof.reason } : {}),
        }
      : null,
    removal: removal ? { at: new Date(removal.at), forced: removal.forced } : null,
    traffic: traffic ? trafficOf(traffic) : null,
    observed: observed
      ? { at: new Date(observed.at), client: observed.client, handshakes: observed.handshakes }
      : null,
  };
}

/** True when the row's observation stands (there is one and no later failed proof), for the gate. */
export function rowObservationStands(row: ReadinessFactsRow, forwardedAt: string | null = null): boolean {
  const f = senderFactsOf(row, forwardedAt);
  return observationStands(f.observed, f.proof);
}

/** The renewal's nodes for its current T: how many, staged, verified. */
export async function nodeCounts(store: Store, r: Row<'renewals'>) {
  const rows = await store.db
    .selectFrom('renewal_nodes')
    .select(['staged_ack_at', 'verified_at', 'sequence'])
    .where('renewal_id', '=', r.id)
    .execute();
  const current = rows.filter((x) => Number(x.sequence) === Number(r.sequence));
  const use = current.length ? current : rows;
  return {
    nodes: use.length,
    nodesStaged: use.filter((x) => x.staged_ack_at).length,
    nodesVerified: use.filter((x) => x.verified_at).length,
  };
}

/** The grace policy columns of a renewal row (null columns: planned before grace existed, none). */
export function gracePolicyOfRow(r: Row<'renewals'>): GracePolicy {
  if (!r.grace_policy) return NO_GRACE;
  return {
    grace: r.grace_policy as GracePolicy['grace'],
    graceUntil: r.grace_until ? new Date(r.grace_until) : null,
    early: (r.early_policy ?? 'off') as GracePolicy['early'],
    autoGrace: r.auto_grace === 'on',
  };
}

/** The renewal's clock: planned T, the real exchange instant, window, verification, gate and hold. */
export function renewalClockOf(r: Row<'renewals'>): RenewalClock {
  const state = r.state as RenewalState;
  const gate = r.gate ? (JSON.parse(r.gate) as { decision: string; reason: string }) : undefined;
  const before = ['planned', 'announced', 'staged', 'postponed'].includes(state);
  const exchangedAt = r.exchanged_at
    ? new Date(r.exchanged_at)
    : before || state === 'cancelled'
      ? null
      : new Date(r.exchange_at!);
  return {
    state,
    exchangeAt: new Date(r.exchange_at!),
    exchangedAt,
    rollbackWindowMs: Number(r.rollback_window_seconds) * 1000,
    exchangeVerified: ['verified', 'retiring', 'completed'].includes(state),
    gatePolicy: r.gate_policy as GatePolicy,
    gateAt: new Date(r.gate_at ?? r.exchange_at!),
    held:
      before && gate?.decision === 'blocked' && !r.gate_override
        ? { reason: gate.reason, since: new Date(r.gate_at ?? r.exchange_at!) }
        : null,
    grace: gracePolicyOfRow(r),
    bridgeUntil: r.bridge ? new Date((JSON.parse(r.bridge) as { until: string }).until) : null,
    acceptObserved: Number(r.accept_observed ?? 0) === 1,
  };
}

/** The renewal's facts for its status. */
export async function renewalFactsOf(store: Store, r: Row<'renewals'>): Promise<RenewalFactsForStatus> {
  const c = r.completion ? (JSON.parse(r.completion) as Omit<Completion, 'at'> & { at: string }) : null;
  const ov = r.gate_override ? (JSON.parse(r.gate_override) as { by: string; reason: string }) : null;
  return {
    ...renewalClockOf(r),
    postponeDeadline: new Date(r.postpone_deadline ?? r.exchange_at!),
    ...(await nodeCounts(store, r)),
    completion: c ? { ...c, at: new Date(c.at) } : null,
    override: ov ? { by: ov.by, reason: ov.reason } : null,
  };
}

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** A derived sender status as JSON, with its traffic. */
export function senderStatusJson(s: SenderStatus, traffic: StoredTraffic | null): SenderStatusJson {
  const t = traffic ?? NO_TRAFFIC;
  return {
    state: s.state,
    tone: s.tone,
    headline: s.headline,
    reason: s.reason,
    since: isoOrNull(s.since),
    next: { who: s.next.who, action: s.next.action, by: isoOrNull(s.next.by) },
    proven: s.proven,
    removal: { allowed: s.removal.allowed, from: isoOrNull(s.removal.from), reason: s.removal.reason },
    oldCredentialServedUntil: isoOrNull(s.oldCredentialServedUntil),
    graceUntil: isoOrNull(s.graceUntil),
    grace: s.grace,
    evidence: s.evidence
      ? {
          kind: s.evidence.kind,
          at: s.evidence.at.toISOString(),
          detail: s.evidence.detail,
          counts: s.evidence.counts,
        }
      : null,
    traffic: {
      addressesKnown: traffic !== null,
      successesAfterExchange: t.successesAfter,
      successesOnNewAfterExchange: t.successesOnNewAfter,
      failuresAfterExchange: t.failuresAfter,
      lastHandshakeAt: t.lastHandshakeAt,
      lastServed: t.lastServed,
      lastServedSha256: t.lastServedSha256,
      lastFailureAt: t.lastFailureAt,
    },
  };
}

/** The derived status of one sender row, as JSON. */
export function statusOfRow(
  row: ReadinessFactsRow,
  forwardedAt: string | null,
  clock: RenewalClock,
  now: Date,
): SenderStatusJson {
  return senderStatusJson(senderStatus(senderFactsOf(row, forwardedAt), clock, now), storedTraffic(row));
}

/** A renewal status view as JSON. */
export function renewalStatusJson(v: RenewalStatusView) {
  return {
    ...v,
    grace: { ...v.grace, graceUntil: isoOrNull(v.grace.graceUntil) },
    held: v.held ? { ...v.held, since: v.held.since.toISOString() } : null,
    exchangeAt: v.exchangeAt.toISOString(),
    exchangedAt: isoOrNull(v.exchangedAt),
    safeRemovalAt: v.safeRemovalAt.toISOString(),
    rollbackUntil: isoOrNull(v.rollbackUntil),
  };
}

/** The renewal's status over the given sender statuses, with their tally. */
export async function renewalStatusOf(
  store: Store,
  r: Row<'renewals'>,
  statuses: Array<Pick<SenderStatusJson, 'state' | 'proven' | 'oldCredentialServedUntil'>>,
  now: Date,
  partial: boolean,
): Promise<{ status: ReturnType<typeof renewalStatusJson>; tally: SenderTally & { partial: boolean } }> {
  const tally = tallySenders(statuses);
  return {
    status: renewalStatusJson(renewalStatus(await renewalFactsOf(store, r), tally, now)),
    tally: { ...tally, partial },
  };
}

/** One sender's derived status in a renewal, or undefined when the sender is not part of it. */
export async function senderStatusIn(
  env: { store: Store; clock: { now(): number } },
  r: Row<'renewals'>,
  senderId: string,
) {
  const row = await env.store.db
    .selectFrom('readiness')
    .innerJoin('senders', 'senders.id', 'readiness.sender_id')
    .select([...READINESS_FACT_COLUMNS, 'senders.id', 'senders.name', 'senders.tenant_id'])
    .where('readiness.renewal_id', '=', r.id)
    .where('readiness.sender_id', '=', senderId)
    .executeTakeFirst();
  if (!row) return undefined;
  const fwd = await env.store.db
    .selectFrom('forwardings')
    .select('updated_at')
    .where('renewal_id', '=', r.id)
    .where('tenant_id', '=', row.tenant_id)
    .where('state', '=', 'forwarded')
    .executeTakeFirst();
  return {
    id: row.id,
    name: row.name,
    status: statusOfRow(
      row as ReadinessFactsRow,
      fwd?.updated_at ?? null,
      renewalClockOf(r),
      new Date(env.clock.now()),
    ),
  };
}

/** A sender row with the facts its status is derived from (for "remind" and the scheduled reminders). */
type StatusRow = ReadinessFactsRow & { id: string; name: string; tenant_id: string };

/** The readiness rows (with facts) of a renewal's senders: of some tenants, the given ones, or all. */
export async function statusRows(
  tx: Store,
  renewalId: string,
  by: {
    tenantId?: string | undefined;
    tenantIds?: readonly string[] | undefined;
    senderIds?: readonly string[] | undefined;
  } = {},
): Promise<StatusRow[]> {
  const tenants = by.tenantIds ?? (by.tenantId ? [by.tenantId] : undefined);
  const out: StatusRow[] = [];
  // In batches of 500 tenants (an IN list stays bounded); one pass when no tenant is named.
  for (let i = 0; i === 0 || (tenants && i < tenants.length); i += 500) {
    const batch = tenants?.slice(i, i + 500);
    out.push(
      ...((await tx.db
        .selectFrom('readiness')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .select([...READINESS_FACT_COLUMNS, 'senders.id', 'senders.name', 'senders.tenant_id'])
        .where('readiness.renewal_id', '=', renewalId)
        .$if(Boolean(batch), (q) => q.where('senders.tenant_id', 'in', batch!.length ? batch! : ['']))
        .$if(Boolean(by.senderIds?.length), (q) => q.where('senders.id', 'in', [...by.senderIds!]))
        .orderBy('senders.id')
        .execute()) as StatusRow[]),
    );
  }
  return out;
}

/** When each tenant forwarded the renewal (tenants that have not are absent): of these tenants, or all. */
export async function forwardedAt(
  tx: Store,
  renewalId: string,
  tenantIds?: readonly string[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i === 0 || (tenantIds && i < tenantIds.length); i += 500) {
    const batch = tenantIds?.slice(i, i + 500);
    if (batch?.length === 0) break;
    for (const x of await tx.db
      .selectFrom('forwardings')
      .select(['tenant_id', 'updated_at'])
      .where('renewal_id', '=', renewalId)
      .where('state', '=', 'forwarded')
      .$if(Boolean(batch), (q) => q.where('tenant_id', 'in', batch!))
      .execute())
      out.set(x.tenant_id, x.updated_at);
  }
  return out;
}

/**
 * For each row: may its sender be reminded now (by a person or the schedule)? Derived from its status
 * and the renewal's recent `remind` steps.
 */
export async function remindVerdicts(
  tx: Store,
  f: { r: Row<'renewals'> },
  rows: readonly StatusRow[],
  now: Date,
) {
  const forwarded = await forwardedAt(tx, f.r.id, [...new Set(rows.map((r) => r.tenant_id))]);
  const last = new Map<string, Date>();
  const recent = await tx.db
    .selectFrom('steps')
    .select(['at', 'evidence'])
    .where('renewal_id', '=', f.r.id)
    .where('kind', '=', 'remind')
    .where('at', '>=', new Date(now.getTime() - REMIND_INTERVAL_MS).toISOString())
    .execute();
  for (const s of recent) {
    const sender = (JSON.parse(s.evidence) as { sender?: unknown }).sender;
    if (typeof sender === 'string') last.set(sender, new Date(s.at));
  }
  const clock = renewalClockOf(f.r);
  return rows.map((row) => {
    const status = statusOfRow(row, forwarded.get(row.tenant_id) ?? null, clock, now);
    return { row, status, verdict: remindVerdict(status, last.get(row.id) ?? null, now) };
  });
}

const PAGE = 5000;

/** Every sender's derived status in a renewal (paged, so 100 000 senders stay in bounds). */
export async function allSenderStatuses(
  store: Store,
  r: Row<'renewals'>,
  now: Date,
): Promise<SenderStatus[]> {
  return [...(await senderStatusesById(store, r, now)).values()];
}

/** Every sender's derived status in a renewal, by sender id. */
export async function senderStatusesById(
  store: Store,
  r: Row<'renewals'>,
  now: Date,
): Promise<Map<string, SenderStatus>> {
  const forwarded = await forwardedAt(store, r.id);
  const clock = renewalClockOf(r);
  const out = new Map<string, SenderStatus>();
  let after = '';
  for (;;) {
    const rows = await store.db
      .selectFrom('readiness')
      .innerJoin('senders', 'senders.id', 'readiness.sender_id')
      .select([...READINESS_FACT_COLUMNS, 'readiness.sender_id', 'senders.tenant_id'])
      .where('readiness.renewal_id', '=', r.id)
      .where('readiness.sender_id', '>', after)
      .orderBy('readiness.sender_id')
      .limit(PAGE)
      .execute();
    for (const row of rows)
      out.set(
        row.sender_id,
        senderStatus(
          senderFactsOf(row as ReadinessFactsRow, forwarded.get(row.tenant_id) ?? null),
          clock,
          now,
        ),
      );
    if (rows.length < PAGE) return out;
    after = rows.at(-1)!.sender_id;
  }
}
