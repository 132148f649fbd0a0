/**
 * Loading a renewal with what it touches (virtual servers, credentials, tenants, nodes), recording
 * workflow steps with their audit events, and moving the state through the pure transition table.
 */
import { type Principal, primaryRole } from '../../access/roles.js';
import type { RenewalEvent, RenewalState } from '../../renewal/states.js';
import { nextState } from '../../renewal/states.js';
import type { Row, Store } from '../../store/store.js';
import { notFound } from '../env.js';
import type { AuditLog } from '../ports/audit-log.js';
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
  r: Row<'renewals'>;
  /** The same renewal as a domain value (typed state, JSON columns parsed). */
  renewal: Renewal;
  vss: Row<'virtual_servers'>[];
  tenants: Row<'tenants'>[];
  newCred: Row<'credentials'>;
  oldCred: Row<'credentials'> | undefined;
}

/** The ids of a renewal's virtual servers (the first, then any others). */
export async function vsIdsOf(store: { renewals: RenewalRepo }, r: { id: string }): Promise<string[]> {
  return store.renewals.virtualServerIds(r.id);
}

/** Loads a renewal's facts, or NOT_FOUND. */
export async function loadFacts(
  store: Store,
  id: string,
  /** Which tenants to load: all (default), none, or only these (with 10 000 tenants this matters). */
  tenants: boolean | readonly string[] = true,
): Promise<RenewalFacts> {
  const r = (await store.get('renewals', id)) ?? notFound('renewal', id);
  const renewal = (await store.renewals.get(id)) ?? notFound('renewal', id);
  const vsIds = await vsIdsOf(store, r);
  const vss = await store.list('virtual_servers', { column: 'id', values: vsIds });
  vss.sort((a, b) => vsIds.indexOf(a.id) - vsIds.indexOf(b.id));
  const tenantRows =
    tenants === false
      ? []
      : tenants === true
        ? await store.list('tenants', { column: 'virtual_server_id', values: vsIds })
        : (await store.list('tenants', { column: 'id', values: tenants })).filter((t) =>
            vsIds.includes(t.virtual_server_id ?? ''),
          );
  const newCred = (await store.get('credentials', r.new_credential_id ?? ''))!;
  const oldCred = r.old_credential_id ? await store.get('credentials', r.old_credential_id) : undefined;
  return { r, renewal, vss, tenants: tenantRows, newCred, oldCred };
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
  /** The renewal (as a row or a domain value): its state is moved in place. */
  r: { id: string; state: string },
  event: RenewalEvent,
  change: RenewalStateChange = {},
): Promise<RenewalState> {
  const next = nextState(r.state as RenewalState, event);
  await tx.renewals.setState(r.id, next, new Date(env.clock.now()).toISOString(), change);
  r.state = next;
  return next;
}

/** Every node of the load balancers serving these virtual servers, paired with each virtual server. */
export async function nodePairs(
  store: Store,
  vss: Row<'virtual_servers'>[],
): Promise<Array<{ node: Row<'lb_nodes'>; vs: Row<'virtual_servers'> }>> {
  const nodes = await store.list('lb_nodes', {
    column: 'lb_id',
    values: [...new Set(vss.map((v) => v.lb_id))],
  });
  return vss.flatMap((vs) => nodes.filter((n) => n.lb_id === vs.lb_id).map((node) => ({ node, vs })));
}

/** Renewal states in which nothing more happens. */
export const FINISHED = new Set(['completed', 'rolled-back', 'cancelled']);
