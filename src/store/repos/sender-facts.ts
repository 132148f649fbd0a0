/** Senders' status facts over SQL: readiness rows mapped to domain values, their JSON parsed here. */
import type { Kysely } from 'kysely';
import type { Observation } from '../../coordinator/ports/client-observations.js';
import type { StoredSenderGrace } from '../../coordinator/ports/grace.js';
import {
  NO_TRAFFIC,
  type SenderFactsRepo,
  type SenderRecord,
  type StoredProof,
  type StoredRemoval,
  type StoredTraffic,
} from '../../coordinator/ports/sender-facts.js';
import type { ReadinessState } from '../../renewal/readiness.js';
import type { Database } from '../schema.js';

/** The readiness and sender columns a sender's facts are read from. */
export interface SenderFactsRow {
  /** The readiness row's id (absent when a reader did not select it). */
  rid?: string;
  id: string;
  name: string;
  tenant_id: string;
  state: string;
  updated_at: string;
  reason: string | null;
  failures_after_t: number | string;
  acknowledged_at: string | null;
  proof: string | null;
  removal: string | null;
  traffic: string | null;
  grace: string | null;
  observed: string | null;
  source_addresses: string;
}

/** The columns to select for {@link toSenderRecord}. */
export const SENDER_FACT_COLUMNS = [
  'readiness.id as rid',
  'senders.id',
  'senders.name',
  'senders.tenant_id',
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

/** JSON text written by this store, or null. */
function json<T>(text: string | null | undefined): T | null {
  return text ? (JSON.parse(text) as T) : null;
}

/** A traffic record as written (older ones lack fields: none). */
function trafficOf(text: string | null): StoredTraffic | null {
  const t = json<Partial<StoredTraffic>>(text);
  return t && { ...NO_TRAFFIC, ...t };
}

/** A sender's readiness row (joined with its sender) as the domain value. */
export function toSenderRecord(r: SenderFactsRow): SenderRecord {
  return {
    readinessId: r.rid ?? '',
    senderId: r.id,
    name: r.name,
    tenantId: r.tenant_id,
    state: r.state as ReadinessState,
    updatedAt: r.updated_at,
    reason: r.reason,
    failuresAfterT: Number(r.failures_after_t),
    acknowledgedAt: r.acknowledged_at,
    proof: json<StoredProof>(r.proof),
    removal: json<StoredRemoval>(r.removal),
    traffic: trafficOf(r.traffic),
    grace: json<StoredSenderGrace>(r.grace),
    observed: json<Observation>(r.observed),
    sourceAddresses: json<string[]>(r.source_addresses) ?? [],
  };
}

/** An IN list stays bounded: tenants and senders are looked up 500 at a time. */
const BATCH = 500;

/** Senders' facts on `db`. */
export function sqlSenderFacts(db: Kysely<Database>): SenderFactsRepo {
  const facts = (renewalId: string) =>
    db
      .selectFrom('readiness')
      .innerJoin('senders', 'senders.id', 'readiness.sender_id')
      .select([...SENDER_FACT_COLUMNS])
      .where('readiness.renewal_id', '=', renewalId);
  return {
    async list(renewalId, by = {}) {
      const tenants = by.tenantIds;
      const out: SenderRecord[] = [];
      // One pass when no tenant is named, else one per batch of tenants.
      for (let i = 0; i === 0 || (tenants && i < tenants.length); i += BATCH) {
        const batch = tenants?.slice(i, i + BATCH);
        const rows = await facts(renewalId)
          .$if(Boolean(batch), (q) => q.where('senders.tenant_id', 'in', batch!.length ? batch! : ['']))
          .$if(Boolean(by.senderIds?.length), (q) => q.where('senders.id', 'in', [...by.senderIds!]))
          .orderBy('senders.id')
          .execute();
        out.push(...rows.map(toSenderRecord));
      }
      return tenants && tenants.length > BATCH
        ? out.sort((a, b) => (a.senderId < b.senderId ? -1 : a.senderId > b.senderId ? 1 : 0))
        : out;
    },
    async page(renewalId, after, limit) {
      const rows = await facts(renewalId)
        .where('readiness.sender_id', '>', after)
        .orderBy('readiness.sender_id')
        .limit(limit)
        .execute();
      return rows.map(toSenderRecord);
    },
    async get(renewalId, senderId) {
      const r = await facts(renewalId).where('readiness.sender_id', '=', senderId).executeTakeFirst();
      return r && toSenderRecord(r);
    },
    async find(renewalId, ref) {
      const r = await facts(renewalId)
        .where((eb) => eb.or([eb('senders.id', '=', ref), eb('senders.name', '=', ref)]))
        .orderBy('senders.id')
        .executeTakeFirst();
      return r && toSenderRecord(r);
    },
    async forwardedAt(renewalId, tenantIds) {
      const out = new Map<string, string>();
      for (let i = 0; i === 0 || (tenantIds && i < tenantIds.length); i += BATCH) {
        const batch = tenantIds?.slice(i, i + BATCH);
        if (batch?.length === 0) break;
        const rows = await db
          .selectFrom('forwardings')
          .select(['tenant_id', 'updated_at'])
          .where('renewal_id', '=', renewalId)
          .where('state', '=', 'forwarded')
          .$if(Boolean(batch), (q) => q.where('tenant_id', 'in', batch!))
          .execute();
        for (const x of rows) out.set(x.tenant_id, x.updated_at);
      }
      return out;
    },
    async remindedSince(renewalId, since) {
      const rows = await db
        .selectFrom('steps')
        .select(['at', 'evidence'])
        .where('renewal_id', '=', renewalId)
        .where('kind', '=', 'remind')
        .where('at', '>=', since)
        .execute();
      const out = new Map<string, string>();
      for (const s of rows) {
        const sender = json<{ sender?: unknown }>(s.evidence)?.sender;
        if (typeof sender === 'string' && s.at > (out.get(sender) ?? '')) out.set(sender, s.at);
      }
      return out;
    },
    async traffic(renewalId) {
      const rows = await db
        .selectFrom('readiness')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .select(['readiness.id as rid', 'senders.source_addresses', 'readiness.traffic'])
        .where('readiness.renewal_id', '=', renewalId)
        .orderBy('readiness.sender_id')
        .execute();
      return rows.map((r) => ({
        readinessId: r.rid,
        sourceAddresses: json<string[]>(r.source_addresses) ?? [],
        traffic: trafficOf(r.traffic),
      }));
    },
    async setTraffic(readinessId, traffic) {
      await db
        .updateTable('readiness')
        .set({ traffic: JSON.stringify(traffic) })
        .where('id', '=', readinessId)
        .execute();
    },
    async acknowledge(readinessId, state, at) {
      await db
        .updateTable('readiness')
        .set({ state, updated_at: at, acknowledged_at: at })
        .where('id', '=', readinessId)
        .execute();
    },
    async report(readinessId, r) {
      await db
        .updateTable('readiness')
        .set({
          state: r.state,
          evidence: JSON.stringify(r.evidence),
          reason: r.reason,
          updated_at: r.at,
          ...(r.proof ? { proof: JSON.stringify(r.proof) } : {}),
          ...(r.removal ? { removal: JSON.stringify(r.removal) } : {}),
        })
        .where('id', '=', readinessId)
        .execute();
    },
  };
}
