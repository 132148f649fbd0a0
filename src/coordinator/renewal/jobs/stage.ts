/** Staging: push the new credential to every node with T, retrying until each acknowledges. */
import type { RenewalBridge } from '../../ports/renewals.js';
import { addStep, loadFacts, systemActor, transition } from '../model.js';
import { requireEndpoint } from '../nodes.js';
import type { RenewalEnv } from '../ports.js';
import { BEFORE_T, type JobResult, retry } from './common.js';
import { armExceptions } from './exceptions.js';
import type { PayloadOf } from './payloads.js';

/** What a node is told to serve of the renewal's bridge (nothing when it is off). */
function stageBridges(b: RenewalBridge | null) {
  if (!b) return {};
  return {
    bridges: {
      forwardPem: b.forward.pem,
      until: b.until,
      ...(b.reverse ? { reversePem: b.reverse.pem } : {}),
    },
  };
}

/** Stages on every node of this sequence not yet acknowledged; moves the renewal to staged when all have. */
export async function stageJob(env: RenewalEnv, p: PayloadOf<'stage'>): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (f.renewal.sequence !== p.sequence || !BEFORE_T.includes(f.renewal.state)) return {};
  if (f.renewal.gate?.decision === 'blocked' && !f.renewal.gateOverride) return {};
  const rows = await env.store.renewalNodes.list(f.renewal.id, p.sequence);
  const nodes = new Map(
    (await env.store.inventory.nodeControls(rows.map((r) => r.nodeId))).map((n) => [n.id, n]),
  );
  const keyPem = (await env.store.credentials.credentialKeyPem(f.newCred.id))!;
  for (const row of rows.filter((r) => !r.stagedAckAt)) {
    const node = nodes.get(row.nodeId)!;
    const vs = f.vss.find((v) => v.id === row.virtualServerId)!;
    try {
      const st = await env.renewal.nodes.stage(requireEndpoint(env.store, node), vs.name, {
        keyPem,
        certPem: f.newCred.chainPem,
        rootPem: f.newCred.rootPem,
        activateAt: f.renewal.exchangeAt!,
        validForMs: f.renewal.rollbackWindowSeconds * 1000,
        // Grace is on or off whatever the automatic-fallback setting (the node cannot infer it from that).
        grace: f.renewal.grace.grace === 'unready',
        ...stageBridges(f.renewal.bridge),
      });
      row.stagedAckAt = new Date(env.clock.now()).toISOString();
      await env.store.renewalNodes.update(row, {
        stagedAckAt: row.stagedAckAt,
        lastError: null,
        tlsProfile: st.tlsProfile?.name ?? null,
      });
    } catch (e) {
      await env.store.renewalNodes.update(row, { lastError: (e as Error).message.slice(0, 300) });
    }
  }
  if (rows.some((r) => !r.stagedAckAt)) {
    // Keep trying until T; after T the exchange job reports the nodes that never acknowledged.
    return env.clock.now() < Date.parse(f.renewal.exchangeAt!) ? retry(env) : {};
  }
  if (f.renewal.state === 'staged') return {};
  await env.store.transaction(async (tx) => {
    const r = (await tx.renewals.get(f.renewal.id))!;
    // Cancelled (or moved on) while the nodes were being called: the cancel's unstage job, which runs
    // after this one, finds the acknowledgements written above and unstages those nodes too.
    if (r.sequence !== p.sequence || r.state === 'staged' || !BEFORE_T.includes(r.state)) return;
    await transition(tx, env, r, 'staged');
    // Early switches (and grace, for what happens at T) go out once every node has the new credential.
    await armExceptions(tx, env, r.id);
    await addStep(tx, env, r.id, 'staged', systemActor(env), {
      sequence: p.sequence,
      nodes: rows.map((x) => ({ node: x.nodeId, vs: x.virtualServerId, ackAt: x.stagedAckAt })),
    });
  });
  env.renewal.changed(f.renewal.id, 'staged');
  return {};
}
