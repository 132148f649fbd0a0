/**
 * Handshakes attributed to senders after the exchange: the nodes' per-client tables (failures by
 * reason, completed handshakes by served certificate) against a baseline taken at the exchange, summed
 * over each sender's source addresses into `readiness.traffic` — so a sender's status can say
 * "failing since …", "working on the new credential" or "no traffic seen", which are three different
 * things. Runs as the `failures` job from the exchange until the renewal ends
 * (the failure counts per sender are kept by `attributeFailures` as before).
 */
import { addressMatches, canonicalAddress } from '../../shared/ip.js';
import type { SenderFactsRepo } from '../ports/sender-facts.js';
import { NO_TRAFFIC, type StoredTraffic } from '../ports/sender-facts.js';
import type { JobResult } from './job-runner.js';
import { armExceptions } from './jobs/exceptions.js';
import { attributeFailures } from './jobs/failures.js';
import { watchSenderStatus } from './jobs/status-watch.js';
import { FINISHED, loadFacts, type RenewalFacts } from './model.js';
import type { ClientFailures } from './node-control.js';
import { endpointOf } from './nodes.js';
import type { RenewalEnv } from './ports.js';

/** Per node: failures per client (the historical shape), and under `ok:NODE` completed handshakes per client. */
type Baseline = Record<string, Record<string, number>>;

const sum = (o: Partial<Record<string, number>> | undefined) =>
  Object.values(o ?? {}).reduce<number>((a, b) => a + (b ?? 0), 0);

/** The baseline entries of one node's table. */
export function baselineOf(rows: readonly ClientFailures[]): {
  failed: Record<string, number>;
  ok: Record<string, number>;
} {
  return {
    failed: Object.fromEntries(rows.map((c) => [c.client, sum(c.reasons)])),
    ok: Object.fromEntries(rows.map((c) => [c.client, sum(c.ok)])),
  };
}

async function nodesOf(env: RenewalEnv, f: RenewalFacts) {
  const nodeIds = [...new Set((await env.store.renewalNodes.list(f.renewal.id)).map((r) => r.nodeId))];
  return env.store.inventory.nodeControls(nodeIds);
}

/** One client's handshakes after the exchange, as seen on one node. */
export interface ClientAfter {
  client: string;
  failedAfter: number;
  failedBefore: number;
  okAfter: number;
  okBefore: number;
  okNew: number;
  lastFailure: string | null;
  okLast: Record<string, string>;
}

function latest(...xs: Array<string | null | undefined>): string | null {
  return (
    xs
      .filter((x): x is string => Boolean(x))
      .sort()
      .at(-1) ?? null
  );
}

/**
 * A client's handshakes after the exchange without the coordinator's own `n` verification handshakes
 * from that address (pure): each completed (taken off the completed ones, and off those on the new
 * credential); any left over failed (a node that saw the probe close early) is taken off the failures.
 */
export function withoutProbes(c: ClientAfter, n: number): ClientAfter {
  const ok = Math.min(n, c.okAfter);
  return {
    ...c,
    okAfter: c.okAfter - ok,
    okNew: Math.max(0, c.okNew - ok),
    failedAfter: Math.max(0, c.failedAfter - (n - ok)),
  };
}

/** Sums a sender's clients into its traffic (pure). `prev` keeps the first failure instant once seen. */
export function senderTraffic(
  clients: readonly ClientAfter[],
  newSha256: string,
  oldSha256: string | null,
  prev: StoredTraffic | null,
): StoredTraffic {
  const t: StoredTraffic = { ...NO_TRAFFIC };
  let lastOk: { at: string; sha: string } | null = null;
  for (const c of clients) {
    t.failuresAfter += c.failedAfter;
    t.successesAfter += c.okAfter;
    t.successesOnNewAfter += c.okNew;
    t.failuresBefore += c.failedBefore;
    t.successesBefore += c.okBefore;
    if (c.failedAfter > 0) t.lastFailureAt = latest(t.lastFailureAt, c.lastFailure);
    if (c.okNew > 0) t.lastSuccessOnNewAt = latest(t.lastSuccessOnNewAt, c.okLast[newSha256]);
    for (const [sha, at] of Object.entries(c.okLast)) if (!lastOk || at > lastOk.at) lastOk = { at, sha };
  }
  t.firstFailureAfterAt = prev?.firstFailureAfterAt ?? (t.failuresAfter > 0 ? t.lastFailureAt : null);
  t.lastHandshakeAt = latest(t.lastFailureAt, lastOk?.at);
  if (lastOk) {
    t.lastServedSha256 = lastOk.sha;
    t.lastServed = lastOk.sha === newSha256 ? 'new' : lastOk.sha === oldSha256 ? 'old' : 'other';
  }
  return t;
}

/** The `failures` job: attributes handshakes after the exchange to senders, until the renewal ends. */
export async function trafficJob(env: RenewalEnv, p: { renewalId: string }): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  const r = f.renewal;
  if (FINISHED.has(r.state)) return {};
  const baseline: Baseline = structuredClone(r.failuresBaseline ?? {});
  let baselineChanged = false;
  const names = new Set(f.vss.map((v) => v.name));
  // The coordinator's own verification handshakes, per node and virtual server: not a client's.
  const probes = new Map<string, Record<string, number>>();
  for (const row of await env.store.renewalNodes.list(r.id)) {
    const vs = f.vss.find((v) => v.id === row.virtualServerId);
    if (!vs) continue;
    const key = `${row.nodeId}\u0000${vs.name}`;
    const sum = { ...(probes.get(key) ?? {}) };
    for (const [a, n] of Object.entries(row.probes)) sum[a] = (sum[a] ?? 0) + n;
    probes.set(key, sum);
  }
  const after: ClientAfter[] = [];
  for (const node of await nodesOf(env, f)) {
    const ep = endpointOf(env.store, node);
    if (!ep) continue;
    const rows = (await env.renewal.nodes.failures(ep).catch(() => [] as ClientFailures[])).filter((c) =>
      names.has(c.virtualServer),
    );
    // An exchange that did not take a baseline ("exchange now"): the first look is the baseline.
    if (!baseline[node.id] || !baseline[`ok:${node.id}`]) {
      const b = baselineOf(rows);
      baseline[node.id] ??= b.failed;
      baseline[`ok:${node.id}`] ??= b.ok;
      baselineChanged = true;
    }
    for (const c of rows) {
      const failedBefore = baseline[node.id]?.[c.client] ?? 0;
      const okBefore = baseline[`ok:${node.id}`]?.[c.client] ?? 0;
      const client = {
        client: c.client,
        failedAfter: Math.max(0, sum(c.reasons) - failedBefore),
        failedBefore,
        okAfter: Math.max(0, sum(c.ok) - okBefore),
        okBefore,
        // The main listener serves the new credential only from the exchange on.
        okNew: c.ok?.[f.newCred.fingerprint] ?? 0,
        lastFailure: c.last || null,
        okLast: c.okLast ?? {},
      };
      const mine = probes.get(`${node.id}\u0000${c.virtualServer}`);
      const own = mine ? (mine[canonicalAddress(c.client) ?? c.client] ?? 0) : 0;
      after.push(own ? withoutProbes(client, own) : client);
    }
  }
  if (baselineChanged) await env.store.renewals.setFailuresBaseline(r.id, baseline);
  const perClient = new Map<string, number>();
  for (const c of after)
    if (c.failedAfter > 0) perClient.set(c.client, (perClient.get(c.client) ?? 0) + c.failedAfter);
  await attributeFailures(env.store.readiness, r.id, perClient);
  const moved = await attribute(
    env.store.senderFacts,
    r.id,
    after,
    f.newCred.fingerprint,
    f.oldCred?.fingerprint ?? null,
  );
  if (moved > 0) await watchSenderStatus(env, r.id);
  // Seen working on the new credential (or failing on it) changes who is proven: grace follows. A
  // failure from any address may also have made a node grace it by itself (automatic fallback).
  if (moved > 0 || (perClient.size > 0 && r.grace.autoGrace)) await armExceptions(env.store, env, r.id);
  return { retryInMs: Math.min(1000, Math.max(100, env.renewal.retryBaseMs)) };
}

async function attribute(
  port: SenderFactsRepo,
  renewalId: string,
  clients: readonly ClientAfter[],
  newSha: string,
  oldSha: string | null,
): Promise<number> {
  let moved = 0;
  for (const s of await port.traffic(renewalId)) {
    if (!s.sourceAddresses.length) continue;
    const mine = clients.filter((c) => s.sourceAddresses.some((h) => addressMatches(c.client, h)));
    const t = senderTraffic(mine, newSha, oldSha, s.traffic);
    if (JSON.stringify(t) !== JSON.stringify(s.traffic)) {
      await port.setTraffic(s.readinessId, t);
      moved++;
    }
  }
  return moved;
}
