/**
 * What the nodes saw before T, as renewal facts (docs/design/20261202.observed-and-unknown-clients.md):
 * - passive proof: a completed handshake on the preview listener with the staged (new) credential from
 *   one of a sender's source addresses is evidence of kind `observed` for that sender;
 * - unknown clients: addresses that completed handshakes on the main listener in the days before T and
 *   match no sender of the inventory get the new certificate at T unless an lb-admin graces them.
 * The `observe` job reads every node's per-client table (the same one the `failures` job reads after
 * the exchange) from the announcement until the exchange.
 */

import { parseRange, within } from '../../renewal/grace.js';
import { observationStands } from '../../renewal/sender-status.js';
import type { ClientObservations, Observation, SeenClient } from '../ports/client-observations.js';
import type { JobResult } from './job-runner.js';
import { BEFORE_T } from './jobs/common.js';
import { addStep, loadFacts, systemActor } from './model.js';
import type { NodeControl } from './node-control.js';
import { endpointOf } from './nodes.js';
import type { RenewalEnv } from './ports.js';

/** One row of a node's per-client table, as the node-control port returns it. */
type ClientFailures = Awaited<ReturnType<NodeControl['failures']>>[number];

/** How far before now a main-listener handshake still makes its address a client "seen before T". */
export const SEEN_WITHIN_MS = 7 * 24 * 3600 * 1000;

/**
 * True when a client address lies in a sender's address or range (IPv4 and IPv6 alike; an
 * IPv4-mapped IPv6 address is its IPv4 address), by the same parser the grace tables use.
 */
export function addressIn(client: string, hint: string): boolean {
  const a = parseRange(client);
  const h = parseRange(hint);
  return Boolean(a && h && within(a, h));
}

const total = (o: Record<string, number> | undefined) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
const latest = (o: Record<string, string> | undefined) =>
  Object.values(o ?? {})
    .filter(Boolean)
    .sort()
    .at(-1);

/**
 * A sender's observation from the nodes' rows (pure): preview handshakes served `newSha256` from any
 * of its addresses, summed over nodes; the latest instant and its client. `prev` keeps the first instant.
 */
export function observationOf(
  rows: readonly ClientFailures[],
  addresses: readonly string[],
  newSha256: string,
  prev: Observation | null,
): Observation | null {
  let handshakes = 0;
  let at = '';
  let client = '';
  for (const r of rows) {
    const n = r.preview?.[newSha256] ?? 0;
    if (n === 0 || !addresses.some((a) => addressIn(r.client, a))) continue;
    handshakes += n;
    const last = r.previewLast?.[newSha256] ?? '';
    if (last > at) {
      at = last;
      client = r.client.replace(/^::ffff:/, '');
    }
  }
  if (handshakes === 0 || !at) return prev;
  return {
    firstAt: prev && prev.firstAt < at ? prev.firstAt : at,
    at: prev && prev.at > at ? prev.at : at,
    client: prev && prev.at > at ? prev.client : client,
    handshakes: Math.max(handshakes, prev?.handshakes ?? 0),
  };
}

/** Addresses that completed main-listener handshakes at or after `since`, summed over nodes (pure). */
export function seenClientsOf(
  rows: readonly ClientFailures[],
  since: string,
): Array<{ address: string; lastSeenAt: string; handshakes: number }> {
  const out = new Map<string, { address: string; lastSeenAt: string; handshakes: number }>();
  for (const r of rows) {
    const n = total(r.ok);
    const last = latest(r.okLast);
    if (n === 0 || !last || last < since) continue;
    const address = r.client.replace(/^::ffff:/, '');
    const m = out.get(address);
    if (!m) out.set(address, { address, lastSeenAt: last, handshakes: n });
    else {
      m.handshakes += n;
      if (last > m.lastSeenAt) m.lastSeenAt = last;
    }
  }
  return [...out.values()].sort((a, b) => (a.address < b.address ? -1 : 1));
}

/** The seen clients that match no sender's source address or range (pure). */
export function unknownClientsOf(seen: readonly SeenClient[], inventory: readonly string[]): SeenClient[] {
  return seen.filter((c) => !inventory.some((h) => addressIn(c.address, h)));
}

/** The senders of a renewal whose observation stands (no later failed proof), for the gate. */
export async function observedSenders(port: ClientObservations, renewalId: string): Promise<Set<string>> {
  const out = new Set<string>();
  for (const o of await port.observations(renewalId)) {
    const proof = o.proof && { ok: o.proof.ok, at: new Date(o.proof.at) };
    if (observationStands({ at: new Date(o.observed.at) }, proof)) out.add(o.senderId);
  }
  return out;
}

/** The `observe` job: from the announcement until the exchange, records observations and seen clients. */
export async function observeJob(env: RenewalEnv, p: { renewalId: string }): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (!BEFORE_T.includes(f.renewal.state)) return {};
  const names = new Set(f.vss.map((v) => v.name));
  const nodeIds = [...new Set((await env.store.renewalNodes.list(f.renewal.id)).map((r) => r.nodeId))];
  const rows: ClientFailures[] = [];
  for (const node of await env.store.inventory.nodeControls(nodeIds)) {
    const ep = endpointOf(env.store, node);
    if (!ep) continue;
    const table = await env.renewal.nodes.failures(ep).catch(() => [] as ClientFailures[]);
    rows.push(...table.filter((c) => names.has(c.virtualServer)));
  }
  const port = env.store.clientObservations;
  let changed = false;
  for (const s of await port.senders(f.renewal.id)) {
    if (s.sourceAddresses.length === 0) continue;
    const o = observationOf(rows, s.sourceAddresses, f.newCred.fingerprint, s.observed);
    if (!o || JSON.stringify(o) === JSON.stringify(s.observed)) continue;
    await env.store.transaction(async (tx) => {
      await tx.clientObservations.setObserved(s.readinessId, o);
      // The first observation is a step of the history (and audited); later ones only move the fact.
      if (!s.observed)
        await addStep(tx, env, f.renewal.id, 'observed', systemActor(env), {
          sender: s.senderId,
          kind: 'observed',
          client: o.client,
          at: o.at,
          handshakes: o.handshakes,
        });
    });
    changed = true;
  }
  const since = new Date(env.clock.now() - SEEN_WITHIN_MS).toISOString();
  // Only what moved is written: the job runs every few seconds for as long as T is ahead.
  const stored = new Map((await port.seen(f.renewal.id)).map((c) => [c.address, c]));
  const moved = seenClientsOf(rows, since).filter((c) => {
    const was = stored.get(c.address);
    return !was || c.lastSeenAt > was.lastSeenAt || c.handshakes > was.handshakes;
  });
  if (moved.length) await port.recordSeen(f.renewal.id, moved);
  if (changed) env.renewal.changed(f.renewal.id, f.renewal.state);
  // Every retry base (2 s by default, at most 5 s): a proof seen on the preview counts within seconds.
  return { retryInMs: Math.min(5000, Math.max(100, env.renewal.retryBaseMs)) };
}
