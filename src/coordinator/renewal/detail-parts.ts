/**
 * The parts of a renewal's detail view: its nodes (staging, verification, source exceptions), its
 * steps, its tenants with their forwardings, the page of senders shown, and the gate.
 */
import { evaluateGate, type GateDecision } from '../../renewal/gate.js';
import { nodeStaging } from '../../renewal/node-staging.js';
import type { RenewalPhase } from '../../renewal/renewal-status.js';
import type { RenewalClock } from '../../renewal/sender-status.js';
import type { InventoryRepo, Tenant } from '../ports/inventory.js';
import type { RenewalNode, RenewalNodes } from '../ports/renewal-nodes.js';
import type { Forwarding, RecordedStep, SenderScope } from '../ports/renewal-views.js';
import type { Renewal } from '../ports/renewals.js';
import type { SenderRecord } from '../ports/sender-facts.js';
import { STEP_NUMBER } from './model.js';
import { senderObservationStands, statusOf } from './sender-facts.js';
import type { ViewsPort } from './view-access.js';
import { type StepView, scopeNodeExceptions } from './view-scope.js';

/** How many senders and tenants the detail lists (its counts cover every one). */
export const DETAIL_PAGE = 1000;

/**
 * What a node answered to the source exceptions last sent (current announcement only), worst first:
 * a node whose agent answers "not yet" is shown as such, never as done.
 */
export function exceptionsView(rows: readonly RenewalNode[], sequence: number) {
  const sent = rows.filter((r) => r.sequence === sequence && r.exceptions).map((r) => r.exceptions!);
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

/** The latest instant, once every one is set (null while one is missing). */
const latest = (xs: Array<string | null>) => (xs.every((x) => x) ? (xs as string[]).sort().at(-1)! : null);

/**
 * Each node of the renewal (over its virtual servers): staged, verified, late after T, its errors. A
 * scoped caller reads a node's source-exception answer without its detail (others' addresses).
 */
export async function nodesView(
  store: { renewalNodes: RenewalNodes; inventory: InventoryRepo },
  r: Pick<Renewal, 'id' | 'state' | 'sequence' | 'exchangeAt'>,
  phase: RenewalPhase,
  now: number,
  scoped: boolean,
) {
  const names = new Map((await store.inventory.nodes()).map((n) => [n.id, n.name]));
  const byNode = new Map<string, RenewalNode[]>();
  for (const n of await store.renewalNodes.list(r.id))
    if (names.has(n.nodeId)) byNode.set(n.nodeId, [...(byNode.get(n.nodeId) ?? []), n]);
  const afterT = now > Date.parse(r.exchangeAt!) && ['exchanged', 'verified'].includes(r.state);
  return [...byNode.entries()].map(([nid, rows]) => {
    const verifiedAt = latest(rows.map((x) => x.verifiedAt));
    const stagedAckAt = latest(rows.map((x) => x.stagedAckAt));
    const lastError = rows.find((x) => x.lastError)?.lastError ?? null;
    return {
      id: nid,
      name: names.get(nid)!,
      stagedAckAt,
      verifiedAt,
      staging: nodeStaging({ stagedAckAt, verifiedAt, lastError }, phase),
      servedSha256: rows[0]!.servedSha256,
      tlsProfile: rows.find((x) => x.tlsProfile)?.tlsProfile ?? null,
      late: !verifiedAt && afterT,
      ...(lastError ? { lastError } : {}),
      exceptions: scopeNodeExceptions(exceptionsView(rows, r.sequence), scoped),
    };
  });
}

/** The steps as the detail shows them (seed step number, evidence as detail). */
export function stepViews(steps: readonly RecordedStep[]): StepView[] {
  return steps.map((s) => ({
    step: STEP_NUMBER[s.kind] ?? null,
    kind: s.kind,
    role: s.role,
    actor: s.actor,
    at: s.at,
    detail: s.evidence,
  }));
}

/** Each tenant shown with whether, when and by whom it forwarded the renewal. */
export function tenantsView(tenants: readonly Tenant[], fwd: readonly Forwarding[]) {
  return tenants.map((t) => {
    const w = fwd.find((x) => x.tenantId === t.id);
    const forwarded = w?.state === 'forwarded';
    return {
      id: t.id,
      name: t.name,
      operatingModel: t.operatingModel,
      forwarded,
      forwardedAt: forwarded ? w.updatedAt : null,
      forwardedBy: forwarded ? w.actor : null,
    };
  });
}

/**
 * The senders the detail lists with their readiness: the first {@link DETAIL_PAGE} of the renewal for
 * those who see all (ids from the unique index, in order, then their rows), else the caller's own.
 */
export async function sendersShown(
  store: ViewsPort,
  renewalId: string,
  scope: SenderScope | 'all',
): Promise<SenderRecord[]> {
  if (scope !== 'all') return store.renewalViews.senderReadiness(renewalId, scope, DETAIL_PAGE);
  const senderIds = await store.renewalViews.firstSenderIds(renewalId, DETAIL_PAGE);
  return store.renewalViews.senderReadiness(renewalId, { tenantIds: [], senderIds }, DETAIL_PAGE);
}

/** Each sender with its derived status (told when its tenant forwarded the renewal). */
export function withStatus(
  senders: readonly SenderRecord[],
  fwd: readonly Forwarding[],
  clock: RenewalClock,
  now: Date,
) {
  return senders.map((s) => {
    const w = fwd.find((x) => x.tenantId === s.tenantId && x.state === 'forwarded');
    return { row: s, status: statusOf(s, w?.updatedAt ?? null, clock, now) };
  });
}

/** The gate's last decision, or what it would decide now over the senders shown. */
export function gateOf(
  r: Pick<Renewal, 'gate' | 'gateOverride' | 'gatePolicy' | 'acceptObserved'>,
  senders: readonly SenderRecord[],
): GateDecision {
  if (r.gate) return r.gate;
  return evaluateGate({
    policy: r.gatePolicy,
    senders: senders.map((s) => ({
      id: s.senderId,
      state: s.state,
      observed: senderObservationStands(s),
    })),
    acceptObserved: r.acceptObserved === true,
    ...(r.gateOverride ? { override: r.gateOverride } : {}),
  });
}
