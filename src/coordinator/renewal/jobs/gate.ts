/** The gate at its lead before T: decide from readiness; a block holds the exchange and escalates. */
import { evaluateGate } from '../../../renewal/gate.js';
import { schedule } from '../jobs-store.js';
import { addStep, loadFacts, systemActor } from '../model.js';
import { endpointOf } from '../nodes.js';
import { observedSenders } from '../observe.js';
import type { RenewalEnv } from '../ports.js';
import { BEFORE_T, escalate, type JobResult } from './common.js';
import { armExceptions } from './exceptions.js';
import type { PayloadOf } from './payloads.js';

/** Evaluates the gate, unstages the nodes when it blocks, records the decision and escalates. */
export async function gateJob(env: RenewalEnv, p: PayloadOf<'gate'>): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (f.renewal.sequence !== p.sequence || !BEFORE_T.includes(f.renewal.state)) return {};
  const observed = await observedSenders(env.store.clientObservations, f.renewal.id);
  const senders = (await env.store.readiness.states(f.renewal.id)).map((s) => ({
    id: s.senderId,
    state: s.state,
    observed: observed.has(s.senderId),
  }));
  const ov = f.renewal.gateOverride;
  const g = evaluateGate({
    policy: f.renewal.gatePolicy,
    acceptObserved: f.renewal.acceptObserved,
    senders,
    ...(ov ? { override: { by: ov.by, reason: ov.reason } } : {}),
  });
  let stillStaged = 0;
  if (g.decision === 'blocked') {
    // Before the decision is recorded, so an override that follows it stages again after this.
    // Hold the exchange: the nodes would otherwise switch at T by themselves. A node that does not
    // answer keeps its acknowledgement (it still holds the credential) and the unstage job retries it.
    const rows = await env.store.renewalNodes.list(f.renewal.id);
    const nodes = await env.store.inventory.nodeControls(rows.map((r) => r.nodeId));
    for (const row of rows) {
      const node = nodes.find((n) => n.id === row.nodeId)!;
      const vs = f.vss.find((v) => v.id === row.virtualServerId)!;
      const ep = endpointOf(env.store, node);
      try {
        if (ep) await env.renewal.nodes.unstage(ep, vs.name);
        await env.store.renewalNodes.update(row, { stagedAckAt: null, lastError: null });
      } catch (e) {
        stillStaged++;
        await env.store.renewalNodes.update(row, {
          lastError: `not unstaged yet: ${(e as Error).message}`.slice(0, 300),
        });
      }
    }
  }
  await env.store.transaction(async (tx) => {
    await tx.renewals.setGate(f.renewal.id, g);
    await addStep(tx, env, f.renewal.id, 'gate', systemActor(env), {
      decision: g.decision,
      notReady: g.notReady.slice(0, 100),
      notReadyCount: g.notReady.length,
      reason: g.reason,
    });
    if (stillStaged)
      await schedule(
        tx,
        'unstage',
        { renewalId: f.renewal.id },
        env.clock.now() + 200,
        `unstage:${f.renewal.id}:held:${p.sequence}`,
      );
    // Senders not proven get grace (and proven ones an early switch) on every node from now on.
    if (g.decision !== 'blocked') await armExceptions(tx, env, f.renewal.id);
    if (g.decision === 'blocked' || g.decision === 'go-with-warning') {
      await escalate(
        tx,
        env,
        f,
        `gate:${f.renewal.id}:${p.sequence}`,
        `Renewal ${f.renewal.id}: gate ${g.decision}`,
        g.reason,
        await tx.readiness.tenantsOf(g.notReady),
      );
    }
  });
  env.renewal.changed(f.renewal.id, f.renewal.state);
  return {};
}
