/**
 * The exchange at T: the nodes switch by themselves; this records it, takes the failure baseline and
 * starts verifying. A held exchange (gate blocked, postponement unacknowledged) is only recorded.
 */
import { schedule } from '../jobs-store.js';
import { type Actor, addStep, loadFacts, type RenewalFacts, systemActor, transition } from '../model.js';
import { endpointOf, requireEndpoint } from '../nodes.js';
import type { RenewalEnv } from '../ports.js';
import { baselineOf } from '../sender-traffic.js';
import { BEFORE_T, type JobResult, pairsOf, retry } from './common.js';
import { armExceptions } from './exceptions.js';
import type { PayloadOf } from './payloads.js';

/** Records the exchange (state exchanged, step 5), takes the failure baseline and starts verifying. */
export async function exchangeInTx(
  tx: RenewalEnv['store'],
  env: RenewalEnv,
  f: RenewalFacts,
  actor: Actor,
  now: boolean,
): Promise<void> {
  const r = (await tx.renewals.get(f.renewal.id))!;
  if (r.state === 'exchanged' || r.state === 'verified') return;
  const at = new Date(env.clock.now()).toISOString();
  // T stays as planned; the real exchange instant is recorded, and the rollback window and the
  // safe-removal instant run from it (an override or "exchange now" switches at `at`, not at T).
  const exchangedAt = now ? at : r.exchangeAt!;
  const safeRemovalAt = new Date(Date.parse(exchangedAt) + r.rollbackWindowSeconds * 1000).toISOString();
  await transition(tx, env, r, 'exchange', { exchangedAt, safeRemovalAt });
  for (const vs of f.vss)
    await tx.inventory.updateVirtualServer(vs.id, {
      activeCredentialId: f.newCred.id,
      stagedCredentialId: null,
      activateAt: null,
    });
  const nodes = await tx.renewalNodes.list(r.id);
  await addStep(tx, env, r.id, 'exchange', actor, {
    at: exchangedAt,
    plannedAt: r.exchangeAt,
    safeRemovalAt,
    immediate: now,
    nodes: nodes.length,
    unacknowledged: nodes.filter((n) => !n.stagedAckAt).map((n) => n.nodeId),
  });
  await schedule(tx, 'verify', { renewalId: r.id }, env.clock.now(), `verify:${r.id}`);
  await schedule(tx, 'failures', { renewalId: r.id }, env.clock.now(), `failures:${r.id}`);
  await schedule(tx, 'retire', { renewalId: r.id }, safeRemovalAt, `retire:${r.id}`);
  // At T the tables are sent again (early entries go, grace stays for the senders still not proven).
  await armExceptions(tx, env, r.id);
}

/** The exchange job at T (or at once, `now`, after an override that came after T). */
export async function exchangeJob(env: RenewalEnv, p: PayloadOf<'exchange'>): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (f.renewal.sequence !== p.sequence || !BEFORE_T.includes(f.renewal.state)) return {};
  const held =
    (f.renewal.gate?.decision === 'blocked' && !f.renewal.gateOverride) || f.renewal.state === 'postponed';
  if (held) {
    await env.store.transaction((tx) =>
      addStep(tx, env, f.renewal.id, 'exchange-held', systemActor(env), {
        reason:
          f.renewal.state === 'postponed'
            ? 'the postponement is not acknowledged by every node'
            : 'the gate blocked the exchange',
      }),
    );
    return {};
  }
  if (p.now) {
    // An override after T: the nodes were unstaged by the gate; switch them now.
    for (const row of await env.store.renewalNodes.list(f.renewal.id)) {
      if (!row.stagedAckAt) return retry(env);
      const [node] = await env.store.inventory.nodeControls([row.nodeId]);
      await env.renewal.nodes
        .activate(requireEndpoint(env.store, node!), f.vss.find((v) => v.id === row.virtualServerId)!.name)
        .catch(() => undefined);
    }
  }
  await env.store.transaction((tx) => exchangeInTx(tx, env, f, systemActor(env), Boolean(p.now)));
  // A baseline of per-client failures and completed handshakes at T: only later ones are attributed.
  const baseline: Record<string, Record<string, number>> = {};
  for (const { node } of await pairsOf(env, f)) {
    const ep = endpointOf(env.store, node);
    if (!ep) continue;
    const b = baselineOf(await env.renewal.nodes.failures(ep).catch(() => []));
    baseline[node.id] = b.failed;
    baseline[`ok:${node.id}`] = b.ok;
  }
  await env.store.renewals.setFailuresBaseline(f.renewal.id, baseline);
  env.renewal.changed(f.renewal.id, 'exchanged');
  return {};
}
