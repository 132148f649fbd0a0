/** Step 1: plan a renewal — the credential passes the checks for every virtual server, T is far enough ahead. */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { type Cert, readCertificates, readOneCertificate } from '../../pki/certificate.js';
import { assertCredential } from '../../pki/checks.js';
import { readPrivateKey } from '../../pki/keys.js';
import { type EarlyMode, type GraceMode, planGrace } from '../../renewal/grace.js';
import { DEFAULT_ROLLBACK_WINDOW, renewalTimes } from '../../renewal/timing.js';
import { parseDuration } from '../../shared/duration.js';
import { fail } from '../../shared/errors.js';
import { newId } from '../../shared/ids.js';
import { parseInstant } from '../../shared/time.js';
import { type CredentialInput, importCredential } from '../credentials.js';
import { forbidden, notFound } from '../env.js';
import { type BridgePlanInput, bridgeView, checkBridge, checkBridgeFields } from './bridge.js';
import { issueFromCa } from './issue-from-ca.js';
import { actorOf, addStep } from './model.js';
import { assertNodesServeKey, type NodeProfile, nodeProfiles } from './node-profiles.js';
import type { RenewalEnv } from './ports.js';

/** Input of a plan. */
export interface PlanInput extends BridgePlanInput {
  virtualServerIds: string[];
  credentialId?: string | undefined;
  /** A credential to import with the plan: imported only when the plan is accepted. */
  credential?: CredentialInput | undefined;
  issueFromCaId?: string | undefined;
  exchangeAt: string;
  rollbackWindow?: string | undefined;
  gate?: 'block' | 'warn' | undefined;
  /** Senders not proven keep the old credential after T until `graceUntil` (default `unready`); `off` after a key compromise. */
  grace?: GraceMode | undefined;
  /** The grace deadline: after T, not after the old certificate's notAfter minus one hour (default T + 7 days). */
  graceUntil?: string | undefined;
  /** Proven senders get the new credential before T (default `off`). */
  early?: EarlyMode | undefined;
  /** Built-in nodes put an address that fails on the new credential into grace by themselves (default `on`). */
  autoGrace?: 'on' | 'off' | undefined;
  /**
   * When true the gate counts a handshake with the new credential seen on the preview listener from a
   * sender's address (evidence `observed`) as readiness; default false: only proofs count.
   */
  acceptObserved?: boolean | undefined;
}

/**
 * Plans a renewal. One transaction holds the whole plan, an uploaded or issued credential included:
 * nothing is stored when a check fails, so the same upload can be tried again. Returns the new id.
 */
export async function planRenewal(env: RenewalEnv, p: Principal, input: PlanInput): Promise<string> {
  if (!can(p, 'create', { kind: 'renewal', tenantIds: [], senderIds: [] })) forbidden('plan renewals');
  if (input.virtualServerIds.length === 0)
    fail('BAD_ARGUMENT', 'name at least one virtual server', { field: 'virtualServerIds' });
  const sources = [input.credentialId, input.credential, input.issueFromCaId].filter(Boolean).length;
  if (sources === 0)
    fail('BAD_ARGUMENT', 'give the new credential or a CA to issue it from', { field: 'credentialId' });
  if (sources > 1)
    fail('BAD_ARGUMENT', 'give one credential: an imported one, an upload, or a CA to issue from');
  checkBridgeFields(input);
  // Asked before the transaction: a node's answer never holds the store.
  const profiles = await nodeProfiles(env, input.virtualServerIds);
  const id = await env.store.transaction((tx) => planIn({ ...env, store: tx }, p, input, profiles));
  env.renewal.changed(id, 'planned');
  return id;
}

async function planIn(
  env: RenewalEnv,
  p: Principal,
  input: PlanInput,
  profiles: ReadonlyMap<string, NodeProfile[]>,
): Promise<string> {
  const exchangeAt = parseInstant(input.exchangeAt);
  const windowMs = parseDuration(input.rollbackWindow ?? DEFAULT_ROLLBACK_WINDOW);
  const now = env.clock.now();
  const times = renewalTimes({
    exchangeAt,
    plannedAt: new Date(now),
    rollbackWindowMs: windowMs,
    policy: env.renewal.timing,
  });
  const store = env.store;
  const vss = [];
  for (const ref of [...new Set(input.virtualServerIds)]) {
    vss.push((await store.inventory.virtualServerByRef(ref)) ?? notFound('virtual server', ref));
  }
  const vsIds = vss.map((v) => v.id);
  let open: { id: string; state: string } | undefined;
  for (const vsId of vsIds) open ??= await store.renewals.openFor(vsId);
  if (open)
    fail(
      'RENEWAL_UNDER_WAY',
      `renewal ${open.id} (${open.state}) is already under way on one of these virtual servers`,
      { renewalId: open.id },
    );
  // Checked before anything is issued, so a refused plan leaves nothing behind.
  for (const vs of vss) {
    if (!vs.activeCredentialId)
      fail(
        'NOTHING_TO_RENEW',
        `virtual server ${vs.name} serves no credential yet: there is nothing to renew`,
      );
  }
  const credentialId =
    input.credentialId ??
    (input.credential ? (await importCredential(env, p, input.credential)).id : undefined) ??
    (await issueFromCa(
      env,
      p,
      input.issueFromCaId!,
      vss.flatMap((v) => v.hosts),
      exchangeAt,
      windowMs,
    ));
  const cred = (await store.credentials.credential(credentialId)) ?? notFound('credential', credentialId);
  const chain = readCertificates(cred.chainPem);
  const root = readOneCertificate(cred.rootPem, 'root');
  const key = readPrivateKey((await store.credentials.credentialKeyPem(cred.id))!);
  let oldCredId: string | null = null;
  let oldRoot: string | null = null;
  let oldRootCert: Cert | undefined;
  // The earliest notAfter of the old certificates: no grace may outlive any of them.
  let oldNotAfter = new Date(8.64e15);
  for (const vs of vss) {
    // Every virtual server must be served by this credential at T and through the rollback window.
    assertCredential({
      key,
      chain,
      root,
      hosts: vs.hosts,
      validAt: exchangeAt,
      validForMs: windowMs,
    });
    assertNodesServeKey(vs.name, key.info, profiles.get(vs.id) ?? []);
    if (!vs.activeCredentialId)
      fail(
        'NOTHING_TO_RENEW',
        `virtual server ${vs.name} serves no credential yet: there is nothing to renew`,
      );
    if (vs.activeCredentialId === cred.id)
      fail('SAME_CREDENTIAL', `virtual server ${vs.name} already serves this credential`);
    const active = (await store.credentials.credential(vs.activeCredentialId))!;
    oldRootCert ??= readOneCertificate(active.rootPem, 'root');
    const activeRoot = readOneCertificate(active.rootPem, 'root').sha256;
    if (oldRoot && activeRoot !== oldRoot) {
      fail(
        'ROOTS_DIFFER',
        'the virtual servers of one renewal must move from the same old root: plan them separately',
      );
    }
    oldRoot = activeRoot;
    oldCredId ??= active.id;
    const leaf = readCertificates(active.chainPem)[0]!;
    if (leaf.notAfter < oldNotAfter) oldNotAfter = leaf.notAfter;
  }
  const bridge = checkBridge(input, {
    oldRoot: oldRootCert!,
    newRoot: root,
    exchangeAt: times.exchangeAt,
    now: new Date(now),
  });
  // A grace deadline after the old certificate expires is refused, nothing stored.
  const grace = planGrace(
    {
      ...(input.grace ? { grace: input.grace } : {}),
      ...(input.graceUntil ? { graceUntil: parseInstant(input.graceUntil) } : {}),
      ...(input.early ? { early: input.early } : {}),
      ...(input.autoGrace ? { autoGrace: input.autoGrace === 'on' } : {}),
    },
    times.exchangeAt,
    oldNotAfter,
  );
  const id = newId('ren');
  const at = new Date(now).toISOString();
  await store.transaction(async (tx) => {
    await tx.renewals.add({
      id,
      virtualServerId: vsIds[0]!,
      oldCredentialId: oldCredId,
      newCredentialId: cred.id,
      oldRootSha256: oldRoot,
      newRootSha256: root.sha256,
      exchangeAt: times.exchangeAt.toISOString(),
      rollbackWindowSeconds: Math.round(windowMs / 1000),
      gatePolicy: input.gate ?? 'block',
      acceptObserved: Boolean(input.acceptObserved),
      createdAt: at,
      gateAt: times.gateAt.toISOString(),
      postponeDeadline: times.postponeDeadline.toISOString(),
      safeRemovalAt: times.safeRemovalAt.toISOString(),
      reminders: times.reminders.map((d) => d.toISOString()),
    });
    await tx.renewals.setGrace(id, grace);
    await tx.renewals.addVirtualServers(id, vsIds.slice(1));
    if (bridge) await tx.renewals.setBridge(id, bridge);
    await addStep(tx, env, id, 'plan', actorOf(p), {
      virtualServers: vsIds,
      credential: cred.id,
      exchangeAt: times.exchangeAt.toISOString(),
      rollbackWindowSeconds: Math.round(windowMs / 1000),
      gate: input.gate ?? 'block',
      acceptObserved: Boolean(input.acceptObserved),
      newRootSha256: root.sha256,
      oldRootSha256: oldRoot,
      bridge: bridgeView(bridge)?.mode ?? 'off',
      ...(bridge ? { bridgeUntil: bridge.until, bridgeCertificates: bridgeView(bridge) } : {}),
      grace: grace.grace,
      graceUntil: grace.graceUntil?.toISOString() ?? null,
      early: grace.early,
      autoGrace: grace.autoGrace ? 'on' : 'off',
    });
  });
  return id;
}
