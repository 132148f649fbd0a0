/**
 * What the scheduler runs: staging with retries until each node acknowledges; the gate at its lead
 * before T; the exchange at T (the nodes switch by themselves; this records it and starts verifying);
 * verification by a real handshake on every node; attribution of handshake failures after T to
 * senders through their source-address hints; reminders with escalation; retirement after the window.
 */
import { isIP } from 'node:net';
import { evaluateGate, type GatePolicy } from '../../renewal/gate.js';
import type { ReadinessState } from '../../renewal/readiness.js';
import { isRolloverError } from '../../shared/errors.js';
import type { Row, Store } from '../../store/store.js';
import { notifySenders } from './forward.js';
import { schedule } from './jobs-store.js';
import { currentLinkId } from './links.js';
import {
  type Actor,
  addStep,
  FINISHED,
  loadFacts,
  type RenewalFacts,
  systemActor,
  transition,
} from './model.js';
import { endpointOf, requireEndpoint } from './nodes.js';
import { enqueue, type OutboxItem } from './outbox.js';
import type { RenewalEnv } from './ports.js';
import { holders } from './recipients.js';

/** A job's outcome: done, or run again after `retryInMs`. */
export type JobResult = { retryInMs?: number };

const RETRY_MS = 1000;

function retryDelay(env: RenewalEnv): number {
  return Math.min(RETRY_MS, Math.max(100, env.renewal.retryBaseMs));
}

async function stageJob(env: RenewalEnv, p: { renewalId: string; sequence: number }): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (Number(f.r.sequence) !== p.sequence || !['announced', 'staged', 'postponed'].includes(f.r.state))
    return {};
  const gate = f.r.gate ? (JSON.parse(f.r.gate) as { decision: string }) : undefined;
  if (gate?.decision === 'blocked' && !f.r.gate_override) return {};
  const rows = await env.store.db
    .selectFrom('renewal_nodes')
    .selectAll()
    .where('renewal_id', '=', f.r.id)
    .where('sequence', '=', p.sequence)
    .execute();
  const nodes = new Map(
    (await env.store.list('lb_nodes', { column: 'id', values: rows.map((r) => r.node_id) })).map((n) => [
      n.id,
      n,
    ]),
  );
  const keyPem = (await env.store.privateKeyPem('credentials', f.newCred.id))!;
  for (const row of rows.filter((r) => !r.staged_ack_at)) {
    const node = nodes.get(row.node_id)!;
    const vs = f.vss.find((v) => v.id === row.virtual_server_id)!;
    try {
      await env.renewal.nodes.stage(requireEndpoint(env.store, node), vs.name, {
        keyPem,
        certPem: f.newCred.chain_pem,
        rootPem: f.newCred.root_pem,
        activateAt: f.r.exchange_at!,
        validForMs: Number(f.r.rollback_window_seconds) * 1000,
      });
      row.staged_ack_at = new Date(env.clock.now()).toISOString();
      await env.store.db
        .updateTable('renewal_nodes')
        .set({ staged_ack_at: row.staged_ack_at, last_error: null })
        .where('renewal_id', '=', row.renewal_id)
        .where('node_id', '=', row.node_id)
        .where('virtual_server_id', '=', row.virtual_server_id)
        .where('sequence', '=', p.sequence)
        .execute();
    } catch (e) {
      await env.store.db
        .updateTable('renewal_nodes')
        .set({ last_error: (e as Error).message.slice(0, 300) })
        .where('renewal_id', '=', row.renewal_id)
        .where('node_id', '=', row.node_id)
        .where('virtual_server_id', '=', row.virtual_server_id)
        .execute();
    }
  }
  if (rows.some((r) => !r.staged_ack_at)) {
    // Keep trying until T; after T the exchange job reports the nodes that never acknowledged.
    return env.clock.now() < Date.parse(f.r.exchange_at!) ? { retryInMs: retryDelay(env) } : {};
  }
  if (f.r.state === 'staged') return {};
  await env.store.transaction(async (tx) => {
    const r = (await tx.get('renewals', f.r.id))!;
    if (Number(r.sequence) !== p.sequence || r.state === 'staged') return;
    await transition(tx, env, r, 'staged');
    await addStep(tx, env, r.id, 'staged', systemActor(env), {
      sequence: p.sequence,
      nodes: rows.map((x) => ({ node: x.node_id, vs: x.virtual_server_id, ackAt: x.staged_ack_at })),
    });
  });
  env.renewal.changed(f.r.id, 'staged');
  return {};
}

async function readinessOf(store: Store, renewalId: string) {
  return store.db
    .selectFrom('readiness')
    .select(['sender_id', 'state'])
    .where('renewal_id', '=', renewalId)
    .orderBy('sender_id')
    .execute();
}

async function escalate(
  tx: Store,
  env: RenewalEnv,
  f: RenewalFacts,
  key: string,
  subject: string,
  text: string,
  tenantIds: string[],
) {
  const items: OutboxItem[] = [];
  const people = [
    ...(await holders(tx, 'tenant-admin', tenantIds)),
    ...(await holders(tx, 'lb-admin', [''])),
  ];
  for (const h of people) {
    const body = { t: 'escalation' as const, renewalId: f.r.id, subject, text };
    if (h.email)
      items.push({
        key: `${key}:${h.scopeId}:${h.email}`,
        channel: 'mail',
        recipient: h.email,
        subject,
        body,
        renewalId: f.r.id,
      });
    items.push({
      key: `${key}:${h.scopeId}:inbox:${h.userId}`,
      channel: 'inbox',
      recipient: h.userId,
      subject,
      body,
      renewalId: f.r.id,
    });
  }
  await enqueue(tx, env, items);
}

async function tenantsOfSenders(store: Store, senderIds: string[]): Promise<string[]> {
  if (!senderIds.length) return [];
  const rows = await store.db
    .selectFrom('senders')
    .select('tenant_id')
    .distinct()
    .where('id', 'in', senderIds.slice(0, 5000))
    .execute();
  return rows.map((r) => r.tenant_id);
}

async function gateJob(env: RenewalEnv, p: { renewalId: string; sequence: number }): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (Number(f.r.sequence) !== p.sequence || !['announced', 'staged', 'postponed'].includes(f.r.state))
    return {};
  const senders = (await readinessOf(env.store, f.r.id)).map((s) => ({
    id: s.sender_id,
    state: s.state as ReadinessState,
  }));
  const ov = f.r.gate_override
    ? (JSON.parse(f.r.gate_override) as { by: string; reason: string })
    : undefined;
  const g = evaluateGate({ policy: f.r.gate_policy as GatePolicy, senders, ...(ov ? { override: ov } : {}) });
  if (g.decision === 'blocked') {
    // Before the decision is recorded, so an override that follows it stages again after this.
    // Hold the exchange: the nodes would otherwise switch at T by themselves.
    for (const row of await env.store.db
      .selectFrom('renewal_nodes')
      .selectAll()
      .where('renewal_id', '=', f.r.id)
      .execute()) {
      const node = (await env.store.get('lb_nodes', row.node_id))!;
      const vs = f.vss.find((v) => v.id === row.virtual_server_id)!;
      const ep = endpointOf(env.store, node);
      if (ep) await env.renewal.nodes.unstage(ep, vs.name).catch(() => undefined);
      await env.store.db
        .updateTable('renewal_nodes')
        .set({ staged_ack_at: null })
        .where('renewal_id', '=', row.renewal_id)
        .where('node_id', '=', row.node_id)
        .where('virtual_server_id', '=', row.virtual_server_id)
        .execute();
    }
  }
  await env.store.transaction(async (tx) => {
    await tx.update('renewals', f.r.id, { gate: JSON.stringify(g) });
    await addStep(tx, env, f.r.id, 'gate', systemActor(env), {
      decision: g.decision,
      notReady: g.notReady.slice(0, 100),
      notReadyCount: g.notReady.length,
      reason: g.reason,
    });
    if (g.decision === 'blocked' || g.decision === 'go-with-warning') {
      await escalate(
        tx,
        env,
        f,
        `gate:${f.r.id}:${p.sequence}`,
        `Renewal ${f.r.id}: gate ${g.decision}`,
        g.reason,
        await tenantsOfSenders(tx, g.notReady),
      );
    }
  });
  env.renewal.changed(f.r.id, f.r.state);
  return {};
}

/** Records the exchange (state exchanged, step 5), takes the failure baseline and starts verifying. */
export async function exchangeInTx(
  tx: Store,
  env: RenewalEnv,
  f: RenewalFacts,
  actor: Actor,
  now: boolean,
): Promise<void> {
  const r = (await tx.get('renewals', f.r.id))!;
  if (r.state === 'exchanged' || r.state === 'verified') return;
  const at = new Date(env.clock.now()).toISOString();
  // T stays as planned; the real exchange instant is recorded, and the rollback window and the
  // safe-removal instant run from it (an override or "exchange now" switches at `at`, not at T).
  const exchangedAt = now ? at : r.exchange_at!;
  const safeRemovalAt = new Date(
    Date.parse(exchangedAt) + Number(r.rollback_window_seconds) * 1000,
  ).toISOString();
  await transition(tx, env, r, 'exchange', { exchanged_at: exchangedAt, safe_removal_at: safeRemovalAt });
  r.safe_removal_at = safeRemovalAt;
  for (const vs of f.vss)
    await tx.update('virtual_servers', vs.id, {
      active_credential_id: f.newCred.id,
      staged_credential_id: null,
      activate_at: null,
    });
  const nodes = await tx.db
    .selectFrom('renewal_nodes')
    .select(['node_id', 'staged_ack_at'])
    .where('renewal_id', '=', r.id)
    .execute();
  await addStep(tx, env, r.id, 'exchange', actor, {
    at: exchangedAt,
    plannedAt: r.exchange_at,
    safeRemovalAt,
    immediate: now,
    nodes: nodes.length,
    unacknowledged: nodes.filter((n) => !n.staged_ack_at).map((n) => n.node_id),
  });
  await schedule(tx, 'verify', { renewalId: r.id }, env.clock.now(), `verify:${r.id}`);
  await schedule(tx, 'failures', { renewalId: r.id }, env.clock.now(), `failures:${r.id}`);
  await schedule(tx, 'retire', { renewalId: r.id }, r.safe_removal_at!, `retire:${r.id}`);
}

async function exchangeJob(
  env: RenewalEnv,
  p: { renewalId: string; sequence: number; now?: boolean },
): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (Number(f.r.sequence) !== p.sequence || !['announced', 'staged', 'postponed'].includes(f.r.state))
    return {};
  const gate = f.r.gate ? (JSON.parse(f.r.gate) as { decision: string }) : undefined;
  const held = (gate?.decision === 'blocked' && !f.r.gate_override) || f.r.state === 'postponed';
  if (held) {
    await env.store.transaction((tx) =>
      addStep(tx, env, f.r.id, 'exchange-held', systemActor(env), {
        reason:
          f.r.state === 'postponed'
            ? 'the postponement is not acknowledged by every node'
            : 'the gate blocked the exchange',
      }),
    );
    return {};
  }
  if (p.now) {
    // An override after T: the nodes were unstaged by the gate; switch them now.
    for (const row of await env.store.db
      .selectFrom('renewal_nodes')
      .selectAll()
      .where('renewal_id', '=', f.r.id)
      .execute()) {
      if (!row.staged_ack_at) return { retryInMs: retryDelay(env) };
      const node = (await env.store.get('lb_nodes', row.node_id))!;
      await env.renewal.nodes
        .activate(requireEndpoint(env.store, node), f.vss.find((v) => v.id === row.virtual_server_id)!.name)
        .catch(() => undefined);
    }
  }
  await env.store.transaction((tx) => exchangeInTx(tx, env, f, systemActor(env), Boolean(p.now)));
  // A baseline of per-client failures at T, so only failures after T are attributed.
  const baseline: Record<string, Record<string, number>> = {};
  for (const { node } of await pairsOf(env, f)) {
    const ep = endpointOf(env.store, node);
    if (!ep) continue;
    const rows = await env.renewal.nodes.failures(ep).catch(() => []);
    baseline[node.id] = Object.fromEntries(rows.map((c) => [c.client, sum(c.reasons)]));
  }
  await env.store.update('renewals', f.r.id, { failures_baseline: JSON.stringify(baseline) });
  env.renewal.changed(f.r.id, 'exchanged');
  return {};
}

function sum(o: Partial<Record<string, number>>): number {
  return Object.values(o).reduce<number>((a, b) => a + (b ?? 0), 0);
}

async function pairsOf(env: RenewalEnv, f: RenewalFacts) {
  const rows = await env.store.db
    .selectFrom('renewal_nodes')
    .selectAll()
    .where('renewal_id', '=', f.r.id)
    .execute();
  const nodes = await env.store.list('lb_nodes', {
    column: 'id',
    values: [...new Set(rows.map((r) => r.node_id))],
  });
  return rows.map((row) => ({
    row,
    node: nodes.find((n) => n.id === row.node_id)!,
    vs: f.vss.find((v) => v.id === row.virtual_server_id)!,
  }));
}

function hostPort(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  const host = m?.[1] ?? '127.0.0.1';
  return { host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port: Number(m?.[2] ?? 443) };
}

async function verifyJob(env: RenewalEnv, p: { renewalId: string }): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (f.r.state !== 'exchanged') return {};
  const expected = f.newCred.fingerprint;
  let all = true;
  for (const { row, node, vs } of await pairsOf(env, f)) {
    if (row.verified_at) continue;
    try {
      const ep = requireEndpoint(env.store, node);
      const st = (await env.renewal.nodes.status(ep)).virtualServers.find((v) => v.name === vs.name);
      const listen = st?.listen ?? vs.listen;
      const served = await env.renewal.observe({
        ...hostPort(listen),
        servername: (JSON.parse(vs.hosts) as string[])[0]!,
      });
      const ok = served === expected;
      await env.store.db
        .updateTable('renewal_nodes')
        .set({
          served_sha256: served,
          verified_at: ok ? new Date(env.clock.now()).toISOString() : null,
          last_error: ok ? null : `serves ${served}, not the new ${expected}`,
        })
        .where('renewal_id', '=', row.renewal_id)
        .where('node_id', '=', row.node_id)
        .where('virtual_server_id', '=', row.virtual_server_id)
        .execute();
      if (!ok) all = false;
    } catch (e) {
      all = false;
      await env.store.db
        .updateTable('renewal_nodes')
        .set({ last_error: (e as Error).message.slice(0, 300) })
        .where('renewal_id', '=', row.renewal_id)
        .where('node_id', '=', row.node_id)
        .where('virtual_server_id', '=', row.virtual_server_id)
        .execute();
    }
  }
  if (!all) return { retryInMs: retryDelay(env) };
  await env.store.transaction(async (tx) => {
    const r = (await tx.get('renewals', f.r.id))!;
    if (r.state !== 'exchanged') return;
    await transition(tx, env, r, 'verify');
    const rows = await tx.db
      .selectFrom('renewal_nodes')
      .select(['node_id', 'served_sha256', 'verified_at'])
      .where('renewal_id', '=', r.id)
      .execute();
    await addStep(tx, env, r.id, 'verify', systemActor(env), { expected, nodes: rows });
  });
  env.renewal.changed(f.r.id, 'verified');
  return {};
}

/** True when `addr` is `hint` or inside the CIDR `hint` (IPv4). */
export function addressMatches(addr: string, hint: string): boolean {
  const a = addr.replace(/^::ffff:/, '');
  const [net, bitsText] = hint.split('/');
  if (bitsText === undefined) return a === net;
  if (isIP(a) !== 4 || isIP(net!) !== 4) return false;
  const bits = Number(bitsText);
  const num = (s: string) => s.split('.').reduce((x, o) => (x << 8) + Number(o), 0) >>> 0;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (num(a) & mask) === (num(net!) & mask);
}

async function failuresJob(env: RenewalEnv, p: { renewalId: string }): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (FINISHED.has(f.r.state) || f.r.state === 'retiring') return {};
  const baseline = f.r.failures_baseline
    ? (JSON.parse(f.r.failures_baseline) as Record<string, Record<string, number>>)
    : {};
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
  const senders = await env.store.db
    .selectFrom('readiness')
    .innerJoin('senders', 'senders.id', 'readiness.sender_id')
    .select(['readiness.id as rid', 'senders.source_addresses as hints', 'readiness.failures_after_t as n'])
    .where('readiness.renewal_id', '=', f.r.id)
    .execute();
  for (const s of senders) {
    const hints = JSON.parse(s.hints) as string[];
    let n = 0;
    for (const [client, count] of perClient) if (hints.some((h) => addressMatches(client, h))) n += count;
    if (n !== Number(s.n)) await env.store.update('readiness', s.rid, { failures_after_t: n });
  }
  return Date.parse(f.r.safe_removal_at!) > env.clock.now() ? { retryInMs: retryDelay(env) } : {};
}

async function reminderJob(
  env: RenewalEnv,
  p: { renewalId: string; sequence: number; index: number },
): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (Number(f.r.sequence) !== p.sequence || !['announced', 'staged', 'postponed'].includes(f.r.state))
    return {};
  const rows = await env.store.db
    .selectFrom('readiness')
    .select(['sender_id'])
    .where('renewal_id', '=', f.r.id)
    .where('state', 'in', ['notified', 'acknowledged', 'failing'])
    .orderBy('sender_id')
    .execute();
  const ids = rows.map((r) => r.sender_id);
  if (!ids.length) return {};
  await env.store.transaction(async (tx) => {
    await notifySenders(tx, env, f, ids, {
      keyPrefix: `rem:${f.r.id}:${p.sequence}:${p.index}`,
      reminder: true,
    });
    await escalate(
      tx,
      env,
      f,
      `rem-esc:${f.r.id}:${p.sequence}:${p.index}`,
      `Renewal ${f.r.id}: ${ids.length} sender(s) not ready`,
      `${ids.length} sender(s) have not proven readiness for T ${f.r.exchange_at}.`,
      await tenantsOfSenders(tx, ids),
    );
    await addStep(tx, env, f.r.id, 'reminder', systemActor(env), { index: p.index, senders: ids.length });
  });
  return {};
}

async function retireJob(env: RenewalEnv, p: { renewalId: string }): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (f.r.state === 'exchanged') return { retryInMs: retryDelay(env) };
  if (f.r.state !== 'verified') return {};
  await env.store.transaction(async (tx) => {
    const r = (await tx.get('renewals', f.r.id))!;
    if (r.state !== 'verified') return;
    await transition(tx, env, r, 'retire');
    const rows = await tx.db
      .selectFrom('readiness')
      .innerJoin('senders', 'senders.id', 'readiness.sender_id')
      .select(['senders.id', 'senders.contacts'])
      .where('readiness.renewal_id', '=', r.id)
      .orderBy('senders.id')
      .execute();
    const items: OutboxItem[] = [];
    for (const s of rows) {
      const linkId = await currentLinkId(tx, r.id, s.id);
      if (!linkId) continue;
      for (const to of JSON.parse(s.contacts) as string[]) {
        items.push({
          key: `retire:${r.id}:${s.id}:${to}`,
          channel: 'mail',
          recipient: to,
          subject: `You may remove the old root (${r.id})`,
          body: { t: 'safe-removal', renewalId: r.id, senderId: s.id, linkId },
          renewalId: r.id,
        });
      }
    }
    await enqueue(tx, env, items);
    await addStep(tx, env, r.id, 'retire', systemActor(env), {
      safeRemovalAt: r.safe_removal_at,
      senders: rows.length,
    });
  });
  env.renewal.changed(f.r.id, 'retiring');
  return {};
}

/** Runs one job. */
export async function runJob(env: RenewalEnv, job: Row<'jobs'>): Promise<JobResult> {
  // biome-ignore lint/suspicious/noExplicitAny: payloads are written by this module
  const p = JSON.parse(job.payload) as any;
  try {
    switch (job.kind) {
      case 'stage':
        return await stageJob(env, p);
      case 'gate':
        return await gateJob(env, p);
      case 'exchange':
        return await exchangeJob(env, p);
      case 'verify':
        return await verifyJob(env, p);
      case 'failures':
        return await failuresJob(env, p);
      case 'reminder':
        return await reminderJob(env, p);
      case 'retire':
        return await retireJob(env, p);
      default:
        return {};
    }
  } catch (e) {
    if (isRolloverError(e, 'NOT_FOUND')) return {};
    throw e;
  }
}
