/**
 * Step 2: announce. Records the per-node staging duties (the scheduler stages with activateAt = T and
 * retries until each node acknowledges), creates each sender's readiness row, and writes the tenant
 * admins' notices (mail, inbox, webhook) in the same transaction. Tenants with auto-forward pass it on
 * to their senders at once.
 */

import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { readableUtc } from '../../shared/time.js';
import { forbidden } from '../env.js';
import type { Ports } from '../ports/unit-of-work.js';
import { resetCounts } from './counts.js';
import { forwardTenants } from './forward.js';
import { reschedule, schedule } from './jobs-store.js';
import {
  type Actor,
  actorOf,
  addStep,
  loadFacts,
  nodePairs,
  type RenewalFacts,
  transition,
} from './model.js';
import { enqueue, type OutboxItem } from './outbox.js';
import type { RenewalEnv } from './ports.js';
import { holders } from './recipients.js';

/** Writes the tenant admins' notices for announcement `sequence` (idempotent per tenant admin and sequence). */
export async function notifyTenants(
  tx: Pick<Ports, 'people' | 'outbox' | 'tenantSettings'>,
  env: RenewalEnv,
  f: RenewalFacts,
  tenantIds: readonly string[],
): Promise<void> {
  const seq = Number(f.renewal.sequence);
  const items: OutboxItem[] = [];
  const subject = `New root for ${f.vss.map((v) => v.name).join(', ')} — exchange at ${readableUtc(f.renewal.exchangeAt!)}`;
  for (const h of await holders(tx, 'tenant-admin', tenantIds)) {
    const body = {
      t: 'tenant-announcement' as const,
      renewalId: f.renewal.id,
      tenantId: h.scopeId,
      sequence: seq,
    };
    if (h.email)
      items.push({
        key: `ann:${f.renewal.id}:${seq}:${h.scopeId}:${h.email}`,
        channel: 'mail',
        recipient: h.email,
        subject,
        body,
        renewalId: f.renewal.id,
      });
    items.push({
      key: `ann:${f.renewal.id}:${seq}:${h.scopeId}:inbox:${h.userId}`,
      channel: 'inbox',
      recipient: h.userId,
      subject,
      body,
      renewalId: f.renewal.id,
    });
  }
  for (const tenantId of await tx.tenantSettings.withWebhook(tenantIds)) {
    items.push({
      key: `ann:${f.renewal.id}:${seq}:${tenantId}:webhook`,
      channel: 'webhook',
      recipient: tenantId,
      subject,
      body: { t: 'event', event: announcementEvent(env, f, tenantId) },
      renewalId: f.renewal.id,
    });
  }
  await enqueue(tx, env, items);
}

/** The webhook event for an announcement. */
function announcementEvent(env: RenewalEnv, f: RenewalFacts, tenantId: string): Record<string, unknown> {
  return {
    type: 'renewal.announced',
    renewalId: f.renewal.id,
    tenantId,
    sequence: Number(f.renewal.sequence),
    exchangeAt: f.renewal.exchangeAt,
    safeRemovalAt: f.renewal.safeRemovalAt,
    newRootSha256: f.renewal.newRootSha256,
    oldRootSha256: f.renewal.oldRootSha256,
    newRootPem: f.newCred.rootPem,
    announcementUrl: `${env.publicUrl}/api/v1/renewals/${f.renewal.id}/announcement.jws`,
  };
}

/** Creates the per-node staging rows for the renewal's current sequence and schedules the staging job. */
export async function armStaging(tx: RenewalEnv['store'], env: RenewalEnv, f: RenewalFacts): Promise<void> {
  const seq = Number(f.renewal.sequence);
  const pairs = await nodePairs(tx, f.vss);
  await tx.renewalNodes.arm(
    f.renewal.id,
    seq,
    pairs.map(({ node, vs }) => ({ nodeId: node.id, virtualServerId: vs.id })),
  );
  // Re-armed even if it ran before (a gate override stages again).
  await reschedule(
    tx,
    'stage',
    { renewalId: f.renewal.id, sequence: seq },
    env.clock.now(),
    `stage:${f.renewal.id}:${seq}`,
  );
  // Watches the nodes' per-client tables until the exchange (passive proof, clients seen before T).
  await reschedule(tx, 'observe', { renewalId: f.renewal.id }, env.clock.now(), `observe:${f.renewal.id}`);
}

/** Schedules the time-driven duties of the current sequence: gate, exchange, reminders (due at `reminders`). */
export async function armTimers(
  tx: Pick<Ports, 'jobs'>,
  f: RenewalFacts,
  reminders: readonly string[],
): Promise<void> {
  const id = f.renewal.id;
  const seq = Number(f.renewal.sequence);
  await schedule(tx, 'gate', { renewalId: id, sequence: seq }, f.renewal.gateAt!, `gate:${id}:${seq}`);
  await schedule(
    tx,
    'exchange',
    { renewalId: id, sequence: seq },
    f.renewal.exchangeAt!,
    `exchange:${id}:${seq}`,
  );
  for (const [i, at] of reminders.entries()) {
    await schedule(
      tx,
      'reminder',
      { renewalId: id, sequence: seq, index: i },
      at,
      `reminder:${id}:${seq}:${i}`,
    );
  }
}

/** Announces a planned renewal. */
export async function announceRenewal(env: RenewalEnv, p: Principal, id: string): Promise<void> {
  if (!can(p, 'update', { kind: 'renewal', tenantIds: [], senderIds: [] })) forbidden('announce renewals');
  const actor: Actor = actorOf(p);
  await env.store.transaction(async (tx) => {
    const f = await loadFacts(tx, id);
    if (f.renewal.state !== 'planned' && f.renewal.state !== 'cancelled') {
      // A repeated announce changes nothing and says so.
      if (f.renewal.state === 'announced' || f.renewal.state === 'staged') return;
    }
    await transition(tx, env, f.renewal, 'announce');
    for (const vs of f.vss) {
      await tx.inventory.updateVirtualServer(vs.id, {
        stagedCredentialId: f.newCred.id,
        activateAt: f.renewal.exchangeAt,
      });
    }
    await armStaging(tx, env, f);
    await armTimers(tx, f, f.renewal.reminders);
    const tenantIds = f.tenants.map((t) => t.id);
    // Readiness rows for every sender of the affected tenants: pending until told, or notified at once
    // where the tenant forwards automatically (one bulk insert instead of an insert and an update).
    const auto = await tx.tenantSettings.autoForwarding(tenantIds);
    const autoSet = new Set(auto);
    const now = new Date(env.clock.now()).toISOString();
    await tx.readiness.addForTenants(
      id,
      tenantIds.filter((t) => autoSet.has(t)),
      'notified',
      now,
    );
    await tx.readiness.addForTenants(
      id,
      tenantIds.filter((t) => !autoSet.has(t)),
      'pending',
      now,
    );
    await tx.renewals.addForwardings(id, tenantIds, now);
    await notifyTenants(tx, env, f, tenantIds);
    await addStep(tx, env, id, 'announce', actor, {
      exchangeAt: f.renewal.exchangeAt,
      tenants: tenantIds.length,
      announcementUrl: `${env.publicUrl}/api/v1/renewals/${id}/announcement.jws`,
    });
    await forwardTenants(
      tx,
      env,
      f,
      auto,
      { name: 'auto-forward', role: 'system', organisation: env.provider },
      undefined,
      'auto-forward',
      true,
    );
    await resetCounts(tx, id);
  });
  env.renewal.changed(id, 'announced');
}
