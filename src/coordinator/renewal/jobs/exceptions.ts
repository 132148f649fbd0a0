/**
 * Per-sender grace on the nodes: the `exceptions` job computes every virtual server's whole desired
 * table of source exceptions from the senders' derived status (src/renewal/grace.ts), sends it to every
 * node of the renewal (a whole-table replace, so a retried or reordered call converges), sends the
 * automatic-fallback policy, compares the node's answer with what was sent (as for the staged
 * credential), and records per sender what it gets. Armed at the gate, at the exchange, whenever a
 * sender's readiness or traffic changes, and at completion (which clears the tables). A run whose
 * inputs did not change since the last complete one (their digest, the nodes' rows, no deadline
 * passed: exceptions-skip.ts) reuses it: it only looks at the nodes, without working out every sender.
 */
import { createHash } from 'node:crypto';
import {
  desiredGrace,
  type GraceSender,
  overlap,
  parseRange,
  tableDifferences,
} from '../../../renewal/grace.js';
import { isRolloverError } from '../../../shared/errors.js';
import type { GraceSenderRow, StoredSenderGrace } from '../../ports/grace.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { NodeExceptions } from '../../ports/renewal-nodes.js';
import { reschedule } from '../jobs-store.js';
import { addStep, loadFacts, type RenewalFacts, systemActor } from '../model.js';
import type { ExceptionsChange, NodeVsStatus } from '../node-control.js';
import { endpointOf } from '../nodes.js';
import type { RenewalEnv } from '../ports.js';
import { senderProvenById } from '../sender-facts.js';
import { BEFORE_T, escalate, type JobResult, retry } from './common.js';
import { type ExceptionsMemo, mayReuse, memoUntil, rowsKeyOf } from './exceptions-skip.js';

/** Runs the exceptions job now (again, if it ran before). */
export async function armExceptions(tx: { jobs: JobQueue }, env: RenewalEnv, renewalId: string) {
  await reschedule(tx, 'exceptions', { renewalId }, env.clock.now(), `exceptions:${renewalId}`);
}

const AFTER_T = ['exchanged', 'verified', 'retiring'];

/**
 * The last complete run per renewal, per store, in this process (a restart recomputes once). Safe to
 * share between processes' views of one database: it is only reused when the inputs read back equal.
 */
const memos = new WeakMap<object, Map<string, ExceptionsMemo>>();

/** The digest of the job's inputs: the store's (senders, readiness, graced clients) and the renewal's. */
async function inputsOf(env: RenewalEnv, renewalId: string): Promise<string> {
  const f = await loadFacts(env.store, renewalId, false);
  const stored = await env.store.grace.inputsDigest(renewalId);
  const renewal = JSON.stringify([f.renewal, f.vss.map((v) => [v.id, v.name])]);
  return `${stored}:${createHash('sha256').update(renewal).digest('hex')}`;
}

/** The job: desired tables to every node, the answers recorded, each sender's grace recorded. */
export async function exceptionsJob(env: RenewalEnv, p: { renewalId: string }): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  const policy = f.renewal.grace;
  const held = f.renewal.gate?.decision === 'blocked' && !f.renewal.gateOverride;
  const phase = {
    active: (BEFORE_T.includes(f.renewal.state) && !held) || AFTER_T.includes(f.renewal.state),
    exchanged: AFTER_T.includes(f.renewal.state),
  };
  const now = new Date(env.clock.now());
  const rows = await env.store.renewalNodes.list(f.renewal.id, f.renewal.sequence);
  // Nothing was ever sent and nothing is to be sent: a renewal without grace costs no node calls.
  const wants = phase.active && (policy.grace === 'unready' || policy.early === 'proven');
  if (!wants && rows.every((r) => !r.exceptions)) return {};

  const inputs = await inputsOf(env, f.renewal.id);
  const memo = memos.get(env.store) ?? new Map<string, ExceptionsMemo>();
  memos.set(env.store, memo);
  const reuse = mayReuse(memo.get(f.renewal.id), {
    inputs,
    rows: rowsKeyOf(rows),
    at: now.getTime(),
    outcomes: rows
      .filter((r) => f.vss.some((v) => v.id === r.virtualServerId))
      .map((r) => r.exceptions?.outcome ?? null),
  });
  memo.delete(f.renewal.id);

  const compute = async () => {
    const proven = await senderProvenById(env.store, f.renewal);
    const senders = await env.store.grace.senders(f.renewal.id);
    const input: GraceSender[] = senders.map((s) => ({
      id: s.senderId,
      name: s.name,
      tenantId: s.tenantId,
      virtualServerId: s.virtualServerId,
      proven: proven.get(s.senderId) ?? false,
      addresses: s.addresses,
    }));
    // Unknown clients an lb-admin put into grace ("grace them too"): on every virtual server of the renewal.
    const graced = {
      virtualServerIds: f.vss.map((v) => v.id),
      addresses: await env.store.clientObservations.graced(f.renewal.id),
    };
    return { senders, desired: desiredGrace(policy, phase, input, now, graced) };
  };
  // Reused: every node's last table is the desired one (same inputs, same rows, no deadline passed).
  const { senders, desired } = reuse ? { senders: null, desired: null } : await compute();
  const autoUntil =
    phase.active && policy.autoGrace && policy.graceUntil && now < policy.graceUntil
      ? policy.graceUntil.toISOString()
      : null;
  const tableOf = (vsId: string, row: (typeof rows)[number]) =>
    !desired
      ? (row.exceptions?.entries ?? [])
      : (desired.tables.get(vsId) ?? []).map((e) => ({
          cidr: e.cidr,
          serve: e.serve,
          ...(e.until ? { until: e.until.toISOString() } : {}),
        }));
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

  let failed = false;
  let changed = false;
  /** Addresses a node put into grace by itself since the last look (automatic fallback). */
  const fellBack: Array<{ nodeId: string; nodeName: string; cidr: string; until: string | null }> = [];
  const autoOf = (st: { exceptions?: NodeVsStatus['exceptions'] } | undefined) =>
    (st?.exceptions ?? []).filter((e) => e.auto).map((e) => ({ cidr: e.cidr, until: e.until }));
  const noteNew = (
    node: { id: string; name: string },
    before: NodeExceptions['auto'],
    now: NodeExceptions['auto'],
  ) => {
    for (const a of now)
      if (!before.some((b) => b.cidr === a.cidr))
        fellBack.push({ nodeId: node.id, nodeName: node.name, cidr: a.cidr, until: a.until });
  };
  const nodes = await env.store.inventory.nodeControls(rows.map((r) => r.nodeId));
  for (const row of rows) {
    const vs = f.vss.find((v) => v.id === row.virtualServerId);
    const node = nodes.find((n) => n.id === row.nodeId);
    if (!vs || !node) continue;
    const entries = tableOf(vs.id, row);
    const last = row.exceptions;
    const ep = endpointOf(env.store, node);
    // Already applied (or refused as not yet): a job armed by traffic every second sends nothing new,
    // but looks for addresses the node put into grace by itself while automatic fallback is on.
    if (
      last &&
      (last.outcome === 'applied' || last.outcome === 'not-yet') &&
      same(last.entries, entries) &&
      last.autoUntil === autoUntil
    ) {
      if (last.outcome !== 'applied' || !autoUntil || !ep) continue;
      try {
        const st = (await env.renewal.nodes.status(ep)).virtualServers.find((v) => v.name === vs.name);
        const auto = autoOf(st);
        if (!same(auto, last.auto)) {
          noteNew(node, last.auto, auto);
          row.exceptions = { ...last, auto };
          await env.store.renewalNodes.update(row, { exceptions: row.exceptions });
          changed = true;
        }
      } catch {
        // The next run looks again.
      }
      continue;
    }
    const record = (x: Omit<NodeExceptions, 'sentAt' | 'entries' | 'autoUntil'>): NodeExceptions => ({
      sentAt: now.toISOString(),
      entries,
      autoUntil,
      ...x,
    });
    let result: NodeExceptions;
    if (!ep) {
      result = record({ outcome: 'failed', detail: 'the node has no control endpoint', auto: [] });
      failed = true;
    } else {
      try {
        // Entries the node added by itself (automatic fallback) stay, unless the table says otherwise.
        const before = (await env.renewal.nodes.status(ep)).virtualServers.find((v) => v.name === vs.name);
        const auto = phase.active
          ? (before?.exceptions ?? []).filter(
              (e) => e.auto && e.live && e.until && !entries.some((x) => x.cidr === e.cidr),
            )
          : [];
        const change: ExceptionsChange = {
          op: 'replace',
          entries: [
            ...entries,
            ...auto.map((e) => ({ cidr: e.cidr, serve: 'old' as const, until: e.until!, auto: true })),
          ],
        };
        await env.renewal.nodes.exceptions(ep, vs.name, { op: 'auto', until: autoUntil }).catch((e) => {
          // Agents without automatic fallback answer NOT_YET: the coordinator then graces alone.
          if (!isRolloverError(e, 'NOT_YET')) throw e;
        });
        const answer = await env.renewal.nodes.exceptions(ep, vs.name, change);
        const applied = answer.exceptions;
        const diff = applied
          ? tableDifferences(change.entries, applied)
          : ['the node reports no source exceptions'];
        result = record({
          outcome: diff.length ? 'differs' : 'applied',
          detail: diff.length ? diff.slice(0, 5).join('; ') : null,
          auto: autoOf(answer),
        });
        noteNew(node, last?.auto ?? [], result.auto);
        if (diff.length) failed = true;
      } catch (e) {
        if (isRolloverError(e, 'NOT_YET'))
          result = record({ outcome: 'not-yet', detail: (e as Error).message.slice(0, 300), auto: [] });
        else {
          result = record({ outcome: 'failed', detail: (e as Error).message.slice(0, 300), auto: [] });
          failed = true;
        }
      }
    }
    row.exceptions = result;
    changed = true;
    await env.store.renewalNodes.update(row, { exceptions: result });
  }

  // What each sender gets, with how many nodes of its virtual server apply it: written in one unit of
  // work, so a reader never sees one sender of a shared address released while another is still held.
  const writes: Array<[string, StoredSenderGrace | null]> = [];
  for (const s of senders ?? []) {
    if (!desired) break;
    const g = desired.senders.get(s.senderId)!;
    const mine = rows.filter((r) => r.virtualServerId === s.virtualServerId);
    const stored: StoredSenderGrace | null =
      g.oldUntil || g.earlyCidrs.length
        ? {
            oldUntil: g.oldUntil?.toISOString() ?? null,
            oldCidrs: g.oldCidrs,
            heldBy: g.heldBy,
            earlyCidrs: g.earlyCidrs,
            nodes: {
              total: mine.length,
              applied: mine.filter((r) => r.exceptions?.outcome === 'applied').length,
              notYet: mine.filter((r) => r.exceptions?.outcome === 'not-yet').length,
            },
          }
        : null;
    if (!same(stored, s.grace)) writes.push([s.readinessId, stored]);
  }
  if (writes.length) {
    await env.store.transaction(async (tx) => {
      for (const [readinessId, stored] of writes) await tx.grace.setSenderGrace(readinessId, stored);
    });
    changed = true;
  }
  if (fellBack.length)
    await reportFallbacks(env, f, senders ?? (await env.store.grace.senders(f.renewal.id)), fellBack);
  if (failed) return retry(env);
  // A readiness change while this ran could not re-arm the running job. Inputs as they were at the
  // start: nothing to look at again, and this run is the one to reuse. Else look once more.
  if ((await inputsOf(env, f.renewal.id)) === inputs)
    memo.set(f.renewal.id, { inputs, rows: rowsKeyOf(rows), until: memoUntil(policy.graceUntil, now) });
  else if (!desired) return { retryInMs: 0 };
  else {
    const again = await compute();
    for (const vs of f.vss)
      if (!same(again.desired.tables.get(vs.id) ?? [], desired.tables.get(vs.id) ?? []))
        return { retryInMs: 0 };
  }
  if (changed) env.renewal.changed(f.renewal.id, f.renewal.state);
  return {};
}

/**
 * Automatic fallback seen: a node put an address into grace by itself after a handshake failed on the
 * new credential. Recorded as a step and told to the tenant admins of the senders behind the address
 * and the lb-admins (mail and inbox), once per node and address.
 */
async function reportFallbacks(
  env: RenewalEnv,
  f: RenewalFacts,
  senders: readonly GraceSenderRow[],
  fellBack: ReadonlyArray<{ nodeId: string; nodeName: string; cidr: string; until: string | null }>,
) {
  await env.store.transaction(async (tx) => {
    for (const x of fellBack) {
      const r = parseRange(x.cidr);
      const behind = r
        ? senders.filter((s) =>
            s.addresses.some((a) => {
              const q = parseRange(a);
              return q !== undefined && overlap(q, r);
            }),
          )
        : [];
      await addStep(tx, env, f.renewal.id, 'auto-grace', systemActor(env), {
        node: x.nodeId,
        cidr: x.cidr,
        until: x.until,
        senders: behind.map((s) => s.senderId),
      });
      // Each tenant is told of its own senders behind the address; another tenant's are only counted.
      const tenants = [...new Set(behind.map((s) => s.tenantId))];
      for (const tenant of tenants.length ? tenants : [null]) {
        const own = behind.filter((s) => s.tenantId === tenant).map((s) => s.name);
        const others = behind.length - own.length;
        const who =
          [...own, ...(others ? [`${others} sender(s) of another tenant`] : [])].join(', ') ||
          'no known sender';
        await escalate(
          tx,
          env,
          f,
          `auto-grace:${f.renewal.id}:${x.nodeId}:${x.cidr}${tenants.length > 1 ? `:${tenant}` : ''}`,
          `Renewal ${f.renewal.id}: ${x.cidr} fell back to the old certificate`,
          `Node ${x.nodeName} saw a handshake from ${x.cidr} (${who}) fail on the new certificate and serves that address the old one${x.until ? ` until ${x.until}, the grace deadline` : ''}. Add the new root to that client's truststore and prove it before then.`,
          tenant ? [tenant] : [],
        );
      }
    }
  });
}
