/**
 * Cancelling a renewal before its exchange: the state moves to `cancelled` and the virtual servers
 * drop the staged credential in one transaction (with the step, the audit event and a notice to
 * everyone who was told); then every node is unstaged, retried by a job until each one confirms — a
 * node that kept the staged credential would switch at T by itself. A held renewal thus always has a
 * way out other than an override.
 */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { isBeforeExchange, type RenewalState } from '../../renewal/states.js';
import { fail } from '../../shared/errors.js';
import { readableUtc } from '../../shared/time.js';
import { forbidden } from '../env.js';
import type { RenewalNodePatch } from '../ports/renewal-nodes.js';
import type { Ports } from '../ports/unit-of-work.js';
import type { JobResult } from './job-runner.js';
import { BEFORE_T } from './jobs/common.js';
import { armExceptions } from './jobs/exceptions.js';
import { schedule } from './jobs-store.js';
import { actorOf, addStep, loadFacts, type RenewalFacts, systemActor, transition } from './model.js';
import { endpointOf } from './nodes.js';
import { enqueue, type OutboxItem } from './outbox.js';
import type { RenewalEnv } from './ports.js';
import { holders } from './recipients.js';

/** Tells everyone who was told of the renewal that it was cancelled; returns how many were told. */
export async function cancelNotices(
  tx: Pick<Ports, 'people' | 'tenantSettings' | 'readiness' | 'outbox'>,
  env: Pick<RenewalEnv, 'clock'>,
  /** What of the renewal the notice names: its id and T, its virtual servers, its tenants. */
  f: {
    renewal: Pick<RenewalFacts['renewal'], 'id' | 'exchangeAt'>;
    vss: ReadonlyArray<{ name: string }>;
    tenants: ReadonlyArray<{ id: string }>;
  },
  reason: string,
  by: string,
) {
  const subject = `Renewal ${f.renewal.id} cancelled — the exchange at ${readableUtc(f.renewal.exchangeAt!)} will not happen`;
  const text = `The renewal ${f.renewal.id} of ${f.vss.map((v) => v.name).join(', ')} was cancelled by ${by} before the exchange: ${reason}\nThe load balancer keeps serving the current credential. Keep the old root in your truststores; the new root may stay or go.`;
  const body = { t: 'escalation' as const, renewalId: f.renewal.id, subject, text };
  const items: OutboxItem[] = [];
  const tenantIds = f.tenants.map((t) => t.id);
  for (const h of await holders(tx, 'tenant-admin', tenantIds)) {
    if (h.email)
      items.push({
        key: `cancel:${f.renewal.id}:${h.scopeId}:${h.email}`,
        channel: 'mail',
        recipient: h.email,
        subject,
        body,
        renewalId: f.renewal.id,
      });
    items.push({
      key: `cancel:${f.renewal.id}:${h.scopeId}:inbox:${h.userId}`,
      channel: 'inbox',
      recipient: h.userId,
      subject,
      body,
      renewalId: f.renewal.id,
    });
  }
  for (const tenantId of await tx.tenantSettings.withWebhook(tenantIds))
    items.push({
      key: `cancel:${f.renewal.id}:${tenantId}:webhook`,
      channel: 'webhook',
      recipient: tenantId,
      subject,
      body: {
        t: 'event',
        event: { type: 'renewal.cancelled', renewalId: f.renewal.id, tenantId, reason, by },
      },
      renewalId: f.renewal.id,
    });
  // Every sender that was told hears it too.
  const told = await tx.readiness.told(f.renewal.id);
  for (const s of told)
    for (const to of s.contacts)
      items.push({
        key: `cancel:${f.renewal.id}:${s.senderId}:${to}`,
        channel: 'mail',
        recipient: to,
        subject,
        body,
        renewalId: f.renewal.id,
      });
  await enqueue(tx, env, items);
  return { tenants: tenantIds.length, senders: told.length };
}

/** Cancels a renewal before its exchange (lb-admin, with a reason); repeating it changes nothing. */
export async function cancelRenewal(env: RenewalEnv, p: Principal, id: string, reason: string) {
  if (!can(p, 'update', { kind: 'renewal', tenantIds: [], senderIds: [] })) forbidden('cancel renewals');
  if (!reason.trim())
    fail('BAD_ARGUMENT', 'a cancellation needs a reason (it is told to everyone and audited)');
  let changed = false;
  await env.store.transaction(async (tx) => {
    const f = await loadFacts(tx, id);
    if (f.renewal.state === 'cancelled') return;
    if (!isBeforeExchange(f.renewal.state as RenewalState))
      fail(
        'WRONG_STATE',
        `a renewal that is ${f.renewal.state} cannot be cancelled: ${['exchanged', 'verified'].includes(f.renewal.state) ? 'the exchange has happened, roll back instead' : 'it is past the exchange'}`,
        { state: f.renewal.state },
      );
    const announced = f.renewal.state !== 'planned';
    await transition(tx, env, f.renewal, 'cancel');
    for (const vs of f.vss)
      if (vs.stagedCredentialId === f.newCred.id)
        await tx.inventory.updateVirtualServer(vs.id, { stagedCredentialId: null, activateAt: null });
    const told = announced ? await cancelNotices(tx, env, f, reason, p.name) : { tenants: 0, senders: 0 };
    await addStep(tx, env, id, 'cancel', actorOf(p), { reason, told });
    if (announced) await schedule(tx, 'unstage', { renewalId: id }, env.clock.now(), `unstage:${id}`);
    // Early switches and grace sent at the gate are withdrawn.
    if (announced) await armExceptions(tx, env, id);
    changed = true;
  });
  if (!changed) return;
  env.renewal.changed(id, 'cancelled');
  // Unstage at once where the nodes answer; the job retries the rest.
  await unstageJob(env, { renewalId: id }).catch(() => undefined);
}

/**
 * Unstages the renewal's credential on every node that still holds it, retried until each node
 * confirmed: after a cancel, and while the gate holds the exchange (a node that kept the staged
 * credential would switch at T by itself). An override ends the hold, and with it this job.
 */
export async function unstageJob(env: RenewalEnv, p: { renewalId: string }): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  const held =
    BEFORE_T.includes(f.renewal.state) && f.renewal.gate?.decision === 'blocked' && !f.renewal.gateOverride;
  if (f.renewal.state !== 'cancelled' && !held) return {};
  // A node whose unstage failed may hold the credential although its acknowledgement never came.
  const rows = (
    await env.store.renewalNodes.list(f.renewal.id, held ? Number(f.renewal.sequence) : undefined)
  ).filter((n) => n.stagedAckAt !== null || n.lastError?.startsWith('not unstaged yet'));
  let pending = 0;
  const done: string[] = [];
  for (const row of rows) {
    const [node] = await env.store.inventory.nodeControls([row.nodeId]);
    const vs = f.vss.find((v) => v.id === row.virtualServerId);
    const ep = node ? endpointOf(env.store, node) : undefined;
    const mark = (patch: RenewalNodePatch) => env.store.renewalNodes.update(row, patch);
    try {
      if (!ep || !vs) throw new Error('the node has no control endpoint');
      await env.renewal.nodes.unstage(ep, vs.name);
      await mark({ stagedAckAt: null, lastError: null });
      done.push(row.nodeId);
    } catch (e) {
      pending++;
      await mark({ lastError: `not unstaged yet: ${(e as Error).message}`.slice(0, 300) });
    }
  }
  if (done.length)
    await env.store.transaction((tx) =>
      addStep(tx, env, f.renewal.id, 'unstaged', systemActor(env), { nodes: done, pending }),
    );
  if (done.length) env.renewal.changed(f.renewal.id, f.renewal.state);
  return pending ? { retryInMs: Math.min(1000, Math.max(100, env.renewal.retryBaseMs)) } : {};
}
