/** Verification after T: a real handshake on every node must get the new leaf. */

import { canonicalAddress } from '../../../shared/ip.js';
import type { RenewalNode, RenewalNodes } from '../../ports/renewal-nodes.js';
import { addStep, loadFacts, systemActor, transition } from '../model.js';
import type { NodeControl, NodeEndpoint } from '../node-control.js';
import { requireEndpoint } from '../nodes.js';
import type { RenewalEnv } from '../ports.js';
import { dialable, type JobResult, pairsOf, retry } from './common.js';
import type { PayloadOf } from './payloads.js';

/** One (node, virtual server) to check. */
export interface VerifyTarget {
  row: RenewalNode;
  /** The node's endpoint, or the error that there is none. */
  endpoint: () => NodeEndpoint;
  vsName: string;
  /** The listen address recorded for the virtual server (the node's own report wins). */
  listen: string;
  servername: string;
}

/**
 * Checks each target not yet verified: the leaf a fresh handshake gets must be `expected`. Records
 * the outcome on its row; true when every target is verified.
 */
export async function verifyTargets(p: {
  targets: VerifyTarget[];
  expected: string;
  nodes: NodeControl;
  rows: RenewalNodes;
  observe: RenewalEnv['renewal']['observe'];
  now: () => string;
}): Promise<boolean> {
  let all = true;
  for (const t of p.targets) {
    if (t.row.verifiedAt) continue;
    try {
      const st = (await p.nodes.status(t.endpoint())).virtualServers.find((v) => v.name === t.vsName);
      const seen = await p.observe({ ...dialable(st?.listen ?? t.listen), servername: t.servername });
      const served = seen.sha256;
      const ok = served === p.expected;
      // The node counts this handshake as a client's: keep where it came from, for the attribution.
      const from = seen.from ? (canonicalAddress(seen.from) ?? seen.from) : null;
      if (from) t.row.probes = { ...t.row.probes, [from]: (t.row.probes[from] ?? 0) + 1 };
      await p.rows.update(t.row, {
        servedSha256: served,
        ...(from ? { probes: t.row.probes } : {}),
        verifiedAt: ok ? p.now() : null,
        lastError: ok ? null : `serves ${served}, not the new ${p.expected}`,
      });
      if (!ok) all = false;
    } catch (e) {
      all = false;
      await p.rows.update(t.row, { lastError: (e as Error).message.slice(0, 300) });
    }
  }
  return all;
}

/** The verify job: retried until every node serves the new leaf, then the renewal is verified. */
export async function verifyJob(env: RenewalEnv, p: PayloadOf<'verify'>): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (f.renewal.state !== 'exchanged') return {};
  const expected = f.newCred.fingerprint;
  const all = await verifyTargets({
    targets: (await pairsOf(env, f)).map(({ row, node, vs }) => ({
      row,
      endpoint: () => requireEndpoint(env.store, node),
      vsName: vs.name,
      listen: vs.listen,
      servername: vs.hosts[0]!,
    })),
    expected,
    nodes: env.renewal.nodes,
    rows: env.store.renewalNodes,
    observe: env.renewal.observe,
    now: () => new Date(env.clock.now()).toISOString(),
  });
  if (!all) return retry(env);
  await env.store.transaction(async (tx) => {
    const r = (await tx.renewals.get(f.renewal.id))!;
    if (r.state !== 'exchanged') return;
    await transition(tx, env, r, 'verify');
    const rows = (await tx.renewalNodes.list(r.id)).map((n) => ({
      node_id: n.nodeId,
      served_sha256: n.servedSha256,
      verified_at: n.verifiedAt,
    }));
    await addStep(tx, env, r.id, 'verify', systemActor(env), { expected, nodes: rows });
  });
  env.renewal.changed(f.renewal.id, 'verified');
  return {};
}
