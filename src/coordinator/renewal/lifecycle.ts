/**
 * The people-driven moves after announcing: postpone (re-stage and re-announce), gate override,
 * immediate exchange, rollback within the window, and completion.
 */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { readCertificates, readOneCertificate } from '../../pki/certificate.js';
import { GRACE_MARGIN_MS, planGrace } from '../../renewal/grace.js';
import { renewalTimes } from '../../renewal/timing.js';
import { fail } from '../../shared/errors.js';
import { parseInstant } from '../../shared/time.js';
import { forbidden } from '../env.js';
import type { Renewal } from '../ports/renewals.js';
import { armStaging, armTimers, notifyTenants } from './announce.js';
import { checkBridge } from './bridge.js';
import { notifySenders } from './forward.js';
import { reschedule } from './jobs-store.js';
import { actorOf, addStep, loadFacts, nodePairs, transition } from './model.js';
import { requireEndpoint } from './nodes.js';
import type { RenewalEnv } from './ports.js';

function lbAdmin(p: Principal, what: string) {
  if (!can(p, 'update', { kind: 'renewal', tenantIds: [], senderIds: [] })) forbidden(what);
}

/** Postpones T: refused after the cut-off; re-stages on every node and re-announces to everyone already told. */
export async function postponeRenewal(env: RenewalEnv, p: Principal, id: string, exchangeAtText: string) {
  lbAdmin(p, 'postpone renewals');
  const exchangeAt = parseInstant(exchangeAtText);
  await env.store.transaction(async (tx) => {
    const f = await loadFacts(tx, id);
    const now = env.clock.now();
    if (f.renewal.exchangeAt === exchangeAt.toISOString()) return; // the same T again: nothing to do
    if (!['announced', 'staged', 'postponed'].includes(f.renewal.state)) {
      fail('WRONG_STATE', `a renewal that is ${f.renewal.state} cannot be postponed`, {
        state: f.renewal.state,
      });
    }
    if (now >= Date.parse(f.renewal.postponeDeadline!)) {
      fail(
        'POSTPONE_TOO_LATE',
        `postponing was possible until ${f.renewal.postponeDeadline} (the cut-off before T); it is too late now`,
        { postponeDeadline: f.renewal.postponeDeadline },
      );
    }
    const times = renewalTimes({
      exchangeAt,
      plannedAt: new Date(now),
      rollbackWindowMs: Number(f.renewal.rollbackWindowSeconds) * 1000,
      policy: env.renewal.timing,
    });
    const from = f.renewal.exchangeAt;
    const seq = Number(f.renewal.sequence) + 1;
    // The grace deadline moves with T (never past the old certificate's notAfter minus one hour).
    const g = f.renewal.grace;
    let graceUntil: string | null = null;
    if (g.grace === 'unready' && g.graceUntil && f.oldCred) {
      const oldNotAfter = readCertificates(f.oldCred.chainPem)[0]!.notAfter;
      const shifted = g.graceUntil.getTime() + (times.exchangeAt.getTime() - Date.parse(from!));
      const limit = oldNotAfter.getTime() - GRACE_MARGIN_MS;
      const next = planGrace(
        {
          grace: 'unready',
          graceUntil: new Date(Math.min(shifted, limit)),
          early: g.early,
          autoGrace: g.autoGrace,
        },
        times.exchangeAt,
        oldNotAfter,
      );
      await tx.renewals.setGrace(id, next);
      graceUntil = next.graceUntil!.toISOString();
    }
    // The bridge deadline moves with T too, never past the forward bridge or the old root; a T at or
    // after the deadline so capped is refused (BRIDGE_UNTIL_OUT_OF_RANGE) and nothing changes.
    const b = f.renewal.bridge;
    let bridgeUntil: string | null = null;
    if (b && f.oldCred) {
      const shifted = Date.parse(b.until) + (times.exchangeAt.getTime() - Date.parse(from!));
      const oldRoot = readOneCertificate(f.oldCred.rootPem, 'root');
      const limit = Math.min(Date.parse(b.forward.notAfter), oldRoot.notAfter.getTime());
      const next = checkBridge(
        {
          bridge: b.mode,
          bridgeUntil: new Date(Math.min(shifted, limit)).toISOString(),
          bridgeForwardPem: b.forward.pem,
          ...(b.reverse ? { bridgeReversePem: b.reverse.pem } : {}),
        },
        {
          oldRoot,
          newRoot: readOneCertificate(f.newCred.rootPem, 'root'),
          exchangeAt: times.exchangeAt,
          now: new Date(now),
        },
      );
      await tx.renewals.setBridge(id, next);
      f.renewal.bridge = next;
      bridgeUntil = next!.until;
    }
    await transition(tx, env, f.renewal, 'postpone', {
      exchangeAt: times.exchangeAt.toISOString(),
      gateAt: times.gateAt.toISOString(),
      postponeDeadline: times.postponeDeadline.toISOString(),
      safeRemovalAt: times.safeRemovalAt.toISOString(),
      reminders: times.reminders.map((d) => d.toISOString()),
      sequence: seq,
      gate: null,
    });
    Object.assign(f.renewal, {
      exchangeAt: times.exchangeAt.toISOString(),
      gateAt: times.gateAt.toISOString(),
      postponeDeadline: times.postponeDeadline.toISOString(),
      safeRemovalAt: times.safeRemovalAt.toISOString(),
      reminders: times.reminders.map((d) => d.toISOString()),
      sequence: seq,
    } satisfies Partial<Renewal>);
    for (const vs of f.vss)
      await tx.inventory.updateVirtualServer(vs.id, { activateAt: f.renewal.exchangeAt });
    await armStaging(tx, env, f);
    await armTimers(
      tx,
      f,
      times.reminders.map((d) => d.toISOString()),
    );
    await notifyTenants(
      tx,
      env,
      f,
      f.tenants.map((t) => t.id),
    );
    const told = await tx.readiness.told(id);
    await notifySenders(
      tx,
      env,
      f,
      told.map((t) => t.senderId),
      { keyPrefix: `fwd:${id}:${seq}` },
    );
    await addStep(tx, env, id, 'postpone', actorOf(p), {
      from,
      to: f.renewal.exchangeAt,
      sequence: seq,
      ...(graceUntil ? { graceUntil } : {}),
      ...(bridgeUntil ? { bridgeUntil } : {}),
    });
  });
  env.renewal.changed(id, 'postponed');
}

/** An lb-admin lets a blocked gate through, with a reason; nodes that were held are staged again. */
export async function overrideGate(env: RenewalEnv, p: Principal, id: string, reason: string) {
  lbAdmin(p, 'override the gate');
  if (!reason.trim()) fail('BAD_ARGUMENT', 'an override needs a reason');
  await env.store.transaction(async (tx) => {
    const f = await loadFacts(tx, id);
    if (!['announced', 'staged', 'postponed'].includes(f.renewal.state))
      fail('WRONG_STATE', `a renewal that is ${f.renewal.state} has no gate to override`, {
        state: f.renewal.state,
      });
    const at = new Date(env.clock.now()).toISOString();
    await tx.renewals.setGateOverride(id, { by: p.name, reason, at });
    const gate = f.renewal.gate;
    if (gate?.decision !== 'go') {
      // The gate had held the nodes: stage again (at T if it is still ahead, the exchange job then runs).
      f.renewal.gateOverride = { by: p.name, reason, at };
      await armStaging(tx, env, f);
      const seq = Number(f.renewal.sequence);
      if (env.clock.now() >= Date.parse(f.renewal.exchangeAt!)) {
        await reschedule(
          tx,
          'exchange',
          { renewalId: id, sequence: seq, now: true },
          env.clock.now(),
          `exchange:${id}:${seq}`,
        );
      }
    }
    await addStep(tx, env, id, 'gate-override', actorOf(p), {
      reason,
      gate: gate?.decision ?? 'not evaluated yet',
    });
  });
  env.renewal.changed(id, (await env.store.renewals.get(id))!.state);
}

/** Switches every node now (before T); the renewal is exchanged, then verified by the scheduler. */
export async function exchangeNow(env: RenewalEnv, p: Principal, id: string) {
  lbAdmin(p, 'exchange now');
  const f = await loadFacts(env.store, id, false);
  if (f.renewal.state === 'exchanged' || f.renewal.state === 'verified') return;
  if (!['announced', 'staged'].includes(f.renewal.state))
    fail('WRONG_STATE', `a renewal that is ${f.renewal.state} cannot be exchanged now`, {
      state: f.renewal.state,
    });
  const pending = (await env.store.renewalNodes.list(id)).filter((n) => n.stagedAckAt === null);
  if (pending.length)
    fail(
      'NODES_PENDING',
      `${pending.length} node(s) have not acknowledged the staging yet: wait for "staged"`,
      {
        nodes: pending.map((n) => n.nodeId),
      },
    );
  for (const { node, vs } of await nodePairs(env.store, f.vss)) {
    await env.renewal.nodes.activate(requireEndpoint(env.store, node), vs.name);
  }
  const { exchangeInTx } = await import('./jobs/exchange.js');
  await env.store.transaction(async (tx) =>
    exchangeInTx(tx, env, await loadFacts(tx, id, false), actorOf(p), true),
  );
  env.renewal.changed(id, 'exchanged');
}

/** Rolls every node back to the old credential, until T plus the rollback window. */
export async function rollbackRenewal(env: RenewalEnv, p: Principal, id: string) {
  lbAdmin(p, 'roll back');
  const f = await loadFacts(env.store, id, false);
  if (f.renewal.state === 'rolled-back') return;
  if (f.renewal.state !== 'exchanged' && f.renewal.state !== 'verified')
    fail(
      'WRONG_STATE',
      `a renewal that is ${f.renewal.state} cannot be rolled back (before T, postpone instead)`,
      {
        state: f.renewal.state,
      },
    );
  if (env.clock.now() > Date.parse(f.renewal.safeRemovalAt!))
    fail('ROLLBACK_WINDOW_CLOSED', `the rollback window closed at ${f.renewal.safeRemovalAt}`);
  const results: Array<{ node: string; vs: string; served: string }> = [];
  for (const { node, vs } of await nodePairs(env.store, f.vss)) {
    const st = await env.renewal.nodes.rollback(requireEndpoint(env.store, node), vs.name);
    results.push({ node: node.id, vs: vs.id, served: st.served.sha256 });
  }
  await env.store.transaction(async (tx) => {
    const r = (await tx.renewals.get(id))!;
    await transition(tx, env, r, 'rollback');
    for (const vs of f.vss)
      await tx.inventory.updateVirtualServer(vs.id, {
        activeCredentialId: f.renewal.oldCredentialId,
        stagedCredentialId: null,
        activateAt: null,
      });
    await addStep(tx, env, id, 'rollback', actorOf(p), { nodes: results });
  });
  env.renewal.changed(id, 'rolled-back');
}
