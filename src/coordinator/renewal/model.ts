/**
 * Loading a renewal with what it touches (virtual servers, credentials, tenants, nodes), recording
 * workflow steps with their audit events, and moving the state through the pure transition table.
 */
import { type Principal, primaryRole } from '../../access/roles.js';
import type { RenewalEvent, RenewalState } from '../../renewal/states.js';
import { nextState } from '../../renewal/states.js';
import { notFound } from '../env.js';
import type { AuditLog } from '../ports/audit-log.js';
import type { Credential, CredentialRepo } from '../ports/credentials.js';
import type { InventoryRepo, LbNode, NodeControlRecord, Tenant, VirtualServer } from '../ports/inventory.js';
import type { Renewal, RenewalRepo, RenewalStateChange } from '../ports/renewals.js';
import type { StepLog } from '../ports/steps.js';
import type { RenewalEnv } from './ports.js';

/** Who did something: a person, or the coordinator itself (the scheduler). */
export interface Actor {
  name: string;
  role: string;
  organisation: string;
}

/** The actor for a principal. */
export function actorOf(p: Principal): Actor {
  return { name: p.name, role: primaryRole(p), organisation: p.organisation };
}

/** The coordinator acting on its own (jobs). */
export function systemActor(env: RenewalEnv): Actor {
  return { name: 'scheduler', role: 'system', organisation: env.provider };
}

/** Seed step number per step kind (null for bookkeeping steps). */
export const STEP_NUMBER: Record<string, number | null> = {
  plan: 1,
  announce: 2,
  staged: 2,
  'stage-failed': 2,
  postpone: 2,
  forward: 3,
  'auto-forward': 3,
  ack: 4,
  evidence: 4,
  observed: 4,
  'grace-unknown': null,
  reminder: 4,
  remind: 4,
  gate: null,
  'gate-override': null,
  exchange: 5,
  'exchange-held': 5,
  'auto-grace': 5,
  verify: 5,
  rollback: 5,
  retire: 6,
  removal: 6,
  complete: 6,
};

/** A renewal with everything it touches. */
export interface RenewalFacts {
  /** The renewal (typed state, JSON columns parsed); `transition` moves its state in place. */
  renewal: Renewal;
  /** Its virtual servers: the first, then any others. */
  vss: VirtualServer[];
  tenants: Tenant[];
  newCred: Credential;
  oldCred: Credential | undefined;
}

/** What loading a renewal's facts reads. */
export type FactsStore = { renewals: RenewalRepo; inventory: InventoryRepo; credentials: CredentialRepo };

/** The ids of a renewal's virtual servers (the first, then any others). */
export async function vsIdsOf(store: { renewals: RenewalRepo }, r: { id: string }): Promise<string[]> {
  return store.renewals.virtualServerIds(r.id);
}

/** Loads a renewal's facts, or NOT_FOUND. */
export async function loadFacts(
  store: FactsStore,
  id: string,
  /** Which tenants to load: all (default), none, or only these (with 10 000 tenants this matters). */
  tenants: boolean | readonly string[] = true,
): Promise<RenewalFacts> {
  const renewal = (await store.renewals.get(id)) ?? notFound('renewal', id);
  const vsIds = await vsIdsOf(store, renewal);
  const vss = await store.inventory.virtualServersByIds(vsIds);
  vss.sort((a, b) => vsIds.indexOf(a.id) - vsIds.indexOf(b.id));
  const tenantList =
    tenants === false ? [] : await store.inventory.tenantsOf(vsIds, tenants === true ? undefined : tenants);
  const newCred = (await store.credentials.credential(renewal.newCredentialId ?? ''))!;
  const oldCred = renewal.oldCredentialId
    ? await store.credentials.credential(renewal.oldCredentialId)
    : undefined;
  return { renewal, vss, tenants: tenantList, newCred, oldCred };
}

/** Records a step and its audit event in the caller's transaction. */
export async function addStep(
  tx: { steps: StepLog; audit: AuditLog },
  env: { clock: { now(): number } },
  renewalId: string,
  kind: string,
  actor: Actor,
  evidence: Record<string, unknown>,
): Promise<void> {
  const at = new Date(env.clock.now()).toISOString();
  await tx.steps.add({ renewalId, kind, role: actor.role, actor: actor.name, at, evidence });
  await tx.audit.append({
    at,
    actor: actor.name,
    role: actor.role,
    organisation: actor.organisation,
    action: `renewal.${kind}`,
    targetKind: 'renewal',
    targetId: renewalId,
    change: JSON.stringify(evidence),
  });
}

/** Moves a renewal by `event` (WRONG_STATE when the table refuses) with what moves with it; returns the new state. */
export async function transition(
  tx: { renewals: RenewalRepo },
  env: { clock: { now(): number } },
  /** The renewal: its state is moved in place. */
  r: { id: string; state: RenewalState },
  event: RenewalEvent,
  change: RenewalStateChange = {},
): Promise<RenewalState> {
  const next = nextState(r.state, event);
  await tx.renewals.setState(r.id, next, new Date(env.clock.now()).toISOString(), change);
  r.state = next;
  return next;
}

/** A node of a load balancer with its control record (where its control API is, the token sealed). */
export type ControlledNode = LbNode & NodeControlRecord;

/** Every node of the load balancers serving these virtual servers, paired with each virtual server. */
export async function nodePairs(
  store: { inventory: InventoryRepo },
  vss: VirtualServer[],
): Promise<Array<{ node: ControlledNode; vs: VirtualServer }>> {
  const nodes: LbNode[] = [];
  for (const lbId of [...new Set(vss.map((v) => v.lbId))]) nodes.push(...(await store.inventory.nodes(lbId)));
  const sealed = new Map(
    (await store.inventory.nodeControls(nodes.map((n) => n.id))).map((c) => [c.id, c.controlTokenSealed]),
  );
  const withControl = nodes.map((n) => ({ ...n, controlTokenSealed: sealed.get(n.id) ?? null }));
  return vss.flatMap((vs) => withControl.filter((n) => n.lbId === vs.lbId).map((node) => ({ node, vs })));
}

/** Renewal states in which nothing more happens. */
export const FINISHED = new Set(['completed', 'rolled-back', 'cancelled']);
