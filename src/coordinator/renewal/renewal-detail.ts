/**
 * A renewal's full detail (status, gate, steps, tenants, senders, nodes), scoped: a tenant admin sees
 * only its tenants and their senders, and every field naming others is cut to what it may see.
 */
import type { Principal } from '../../access/roles.js';
import type { RenewalCompletion } from '../ports/renewals.js';
import { bridgeView } from './bridge.js';
import {
  DETAIL_PAGE,
  gateOf,
  nodesView,
  sendersShown,
  stepViews,
  tenantsView,
  withStatus,
} from './detail-parts.js';
import { proveTarget } from './outbox.js';
import type { RenewalEnv } from './ports.js';
import { renewalClockOf, renewalStatusOf } from './sender-facts.js';
import { unknownClientsOfRenewal } from './unknown-clients.js';
import { scopeOf, seesAll, visibleVsIds } from './view-access.js';
import {
  gateReason,
  type StepView,
  scopeRenewalFacts,
  scopeStep,
  type ViewScope,
  WITHHELD,
} from './view-scope.js';
import { readinessCounts, summaryOf, visibleFacts } from './views.js';

/** The completion as recorded; a scoped caller does not read the provider's reason. */
function completionView(c: RenewalCompletion | null | undefined, scoped: boolean) {
  if (!c) return null;
  return scoped ? { ...c, reason: c.reason === null ? null : WITHHELD } : c;
}

/** The full detail, scoped: a tenant admin sees only its tenants and their senders. */
export async function renewalDetail(env: RenewalEnv, p: Principal, id: string) {
  const f = await visibleFacts(env, p, id);
  const r = f.renewal;
  const views = env.store.renewalViews;
  const all = seesAll(p);
  const mine = scopeOf(p);
  const ts = new Set(mine.tenantIds);
  const ss = new Set(mine.senderIds);
  const vsIds = f.vss.map((v) => v.id);
  const tenants = await views.tenantsOn(vsIds, {
    ...(all ? {} : { only: mine.tenantIds }),
    limit: DETAIL_PAGE,
  });
  const steps = stepViews(await views.steps(id));
  const rows = await sendersShown(env.store, id, all ? 'all' : mine);
  // The forwardings of the tenants shown and of the caller's own senders' tenants (a sender admin's
  // sender is told only once its tenant forwarded the renewal).
  const fwd = await views.forwardings(id, [
    ...new Set([...tenants.map((t) => t.id), ...rows.map((s) => s.tenantId)]),
  ]);
  const forwarded = new Set(fwd.filter((x) => x.state === 'forwarded').map((x) => x.tenantId));
  const gate = gateOf(r, rows);
  const now = new Date(env.clock.now());
  const visibleRows = rows.filter(
    (s) => all || ts.has(s.tenantId) || (ss.has(s.senderId) && forwarded.has(s.tenantId)),
  );
  // Every field below is cut to what a scoped caller may see, like the objects themselves.
  const vsVisible = await visibleVsIds(env.store, p);
  // A scoped caller's derived texts (a hold, a forced completion) speak of its own senders only.
  const shown = new Set(visibleRows.map((s) => s.senderId));
  const facts = vsVisible ? scopeRenewalFacts(r, gate.notReady.filter((s) => shown.has(s)).length) : r;
  const senders = withStatus(visibleRows, fwd, renewalClockOf(facts), now);
  const total = Object.values(await readinessCounts(env.store, id, p)).reduce((a, b) => a + b, 0);
  const scope: ViewScope | undefined = vsVisible && {
    tenants: new Set([...ts, ...senders.map((s) => s.row.tenantId)]),
    senders: new Set(senders.map((s) => s.row.senderId)),
    virtualServers: vsVisible,
  };
  const myNotReady = scope ? gate.notReady.filter((s) => scope.senders.has(s)) : gate.notReady;
  const ov = r.gateOverride;
  const derived = await renewalStatusOf(
    env.store,
    facts,
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
    completion: completionView(r.completion, scope !== undefined),
    /** Where `sender verify` proves the new root now (the preview listener before the exchange). */
    prove: proveTarget(f),
    /** Where a sender in grace proves it: its addresses are served the old credential, so the preview listener. */
    proveInGrace: proveTarget(f, true),
    gateAt: r.gateAt,
    postponeDeadline: r.postponeDeadline,
    rollbackWindowSeconds: r.rollbackWindowSeconds,
    gatePolicy: r.gatePolicy,
    bridge: bridgeView(r.bridge),
    acceptObserved: r.acceptObserved === true,
    // Addresses no sender claims: only for those who see every tenant (an address may be anyone's).
    unknownClients: all ? await unknownClientsOfRenewal(env, r) : null,
    sequence: r.sequence,
    gate: {
      // Recorded when the gate ran (cleared by a postpone); before that `decision` is a preview.
      decided: r.gate != null,
      decision: ov && gate.decision === 'blocked' ? 'overridden' : gate.decision,
      notReady: myNotReady.slice(0, DETAIL_PAGE),
      reason: scope ? gateReason(myNotReady.length) : gate.reason,
      ...(ov ? { override: scope ? { ...ov, reason: WITHHELD } : ov } : {}),
    },
    steps: scope
      ? steps.map((s) => scopeStep(s, scope)).filter((s): s is StepView => s !== undefined)
      : steps,
    tenants: tenantsView(tenants, fwd),
    senders: senders.map(({ row: s, status }) => ({
      id: s.senderId,
      name: s.name,
      tenantId: s.tenantId,
      state: s.state,
      ...(s.reason ? { reason: s.reason } : {}),
      updatedAt: s.updatedAt,
      failuresAfterT: s.failuresAfterT,
      status,
    })),
    nodes: await nodesView(env.store, r, derived.status.phase, env.clock.now(), scope !== undefined),
    announcementUrl: `${env.publicUrl}/api/v1/renewals/${id}/announcement.jws`,
    statusUrl: `${env.publicUrl}/api/v1/renewals/${id}/status.json`,
  };
}
