/** Attribution after T: handshake failures per client address, counted against senders' address hints. */
import { addressMatches } from '../../../shared/ip.js';
import type { ReadinessRepo } from '../../ports/readiness.js';
import { FINISHED, loadFacts } from '../model.js';
import { endpointOf } from '../nodes.js';
import type { RenewalEnv } from '../ports.js';
import { type JobResult, pairsOf, retry, sum } from './common.js';
import type { PayloadOf } from './payloads.js';

/** Records, per sender, the failures after T from client addresses its hints cover (only changes are written). */
export async function attributeFailures(
  readiness: ReadinessRepo,
  renewalId: string,
  perClient: ReadonlyMap<string, number>,
): Promise<void> {
  for (const s of await readiness.hints(renewalId)) {
    let n = 0;
    for (const [client, count] of perClient)
      if (s.sourceAddresses.some((h) => addressMatches(client, h))) n += count;
    if (n !== s.failuresAfterT) await readiness.setFailuresAfterT(s.readinessId, n);
  }
}

/** The failures job: polls every node until the safe-removal instant. */
export async function failuresJob(env: RenewalEnv, p: PayloadOf<'failures'>): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (FINISHED.has(f.renewal.state) || f.renewal.state === 'retiring') return {};
  const baseline = f.renewal.failuresBaseline ?? {};
  const perClient = new Map<string, number>();
  const seen = new Set<string>();
  for (const { node, vs } of await pairsOf(env, f)) {
    if (seen.has(node.id)) continue;
    seen.add(node.id);
    const ep = endpointOf(env.store, node);
    if (!ep) continue;
    const rows = await env.renewal.nodes.failures(ep).catch(() => []);
    for (const c of rows) {
      if (c.virtualServer !== vs.name && !f.vss.some((v) => v.name === c.virtualServer)) continue;
      const after = sum(c.reasons) - (baseline[node.id]?.[c.client] ?? 0);
      if (after > 0) perClient.set(c.client, (perClient.get(c.client) ?? 0) + after);
    }
  }
  await attributeFailures(env.store.readiness, f.r.id, perClient);
  return Date.parse(f.renewal.safeRemovalAt!) > env.clock.now() ? retry(env) : {};
}
