/**
 * Unknown clients: addresses the nodes saw completing handshakes on the main listener in the days
 * before T that match no sender of the inventory. They get the new certificate at T unless an lb-admin
 * graces them ("grace them too"): then they join the renewal's grace set (renewal_clients.graced_at),
 * which the desired source-exception table takes as old entries until the grace deadline
 * (`desiredGrace(…, graced)` in src/renewal/grace.ts).
 */

import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import type { GracePolicy } from '../../renewal/grace.js';
import { fail } from '../../shared/errors.js';
import { canonicalAddress } from '../../shared/ip.js';
import { forbidden } from '../env.js';
import type { SeenClient } from '../ports/client-observations.js';
import type { Renewal } from '../ports/renewals.js';
import { armExceptions } from './jobs/exceptions.js';
import { actorOf, addStep, FINISHED, loadFacts } from './model.js';
import { unknownClientsOf } from './observe.js';
import type { RenewalEnv } from './ports.js';

/** One unknown client as every surface shows it. */
export interface UnknownClientView {
  address: string;
  firstSeenAt: string;
  lastSeenAt: string;
  handshakes: number;
  graced: boolean;
  gracedAt: string | null;
  gracedBy: string | null;
  /** What happens to it, in words. */
  note: string;
}

/** The unknown clients of a renewal, with the headline and whether "grace them too" can succeed now. */
export interface UnknownClientsView {
  /** e.g. "unknown clients: will get the new certificate at T". */
  headline: string;
  clients: UnknownClientView[];
  graceThem: { available: boolean; reason: string };
}

/** Why "grace them too" cannot succeed now, or null when it can (pure). */
export function graceRefusal(state: string, grace: GracePolicy, ungraced: number, now: Date): string | null {
  if (FINISHED.has(state)) return `the renewal is ${state}`;
  if (state === 'planned') return 'the renewal is not announced yet: no client has been watched';
  if (grace.grace !== 'unready' || !grace.graceUntil)
    return "this renewal's grace policy is off: every client gets the new certificate at T";
  if (now >= grace.graceUntil) return `the grace deadline ${grace.graceUntil.toISOString()} has passed`;
  if (ungraced === 0) return 'no unknown client is left to grace';
  return null;
}

/** The view of the unknown clients (pure). */
export function unknownClientsView(
  unknown: readonly SeenClient[],
  r: { state: string; exchanged: boolean; grace: GracePolicy },
  now: Date,
): UnknownClientsView {
  const until = r.grace.graceUntil?.toISOString();
  const clients = unknown.map((c) => ({
    ...c,
    graced: c.gracedAt !== null,
    note: c.gracedAt
      ? `graced by ${c.gracedBy} at ${c.gracedAt}: keeps the old certificate after T until ${until ?? 'the grace deadline'}`
      : r.exchanged
        ? 'got the new certificate at T'
        : 'will get the new certificate at T',
  }));
  const ungraced = clients.filter((c) => !c.graced).length;
  const refusal = graceRefusal(r.state, r.grace, ungraced, now);
  return {
    headline:
      clients.length === 0
        ? 'unknown clients: none seen'
        : ungraced === 0
          ? `unknown clients: all ${clients.length} graced, they keep the old certificate until ${until ?? 'the grace deadline'}`
          : `unknown clients: ${r.exchanged ? 'got' : 'will get'} the new certificate at T (${ungraced} address(es)${clients.length > ungraced ? `; ${clients.length - ungraced} graced` : ''})`,
    clients,
    graceThem: refusal
      ? { available: false, reason: refusal }
      : {
          available: true,
          reason: `adds ${ungraced} address(es) to the grace set: they keep the old certificate until ${until}`,
        },
  };
}

/** The unknown clients of a renewal. */
export async function unknownClientsOfRenewal(env: RenewalEnv, r: Renewal): Promise<UnknownClientsView> {
  const port = env.store.clientObservations;
  const unknown = unknownClientsOf(await port.seen(r.id), await port.inventoryAddresses());
  return unknownClientsView(
    unknown,
    { state: r.state, exchanged: Boolean(r.exchangedAt), grace: r.grace },
    new Date(env.clock.now()),
  );
}

/**
 * "Grace them too": adds the unknown clients (all that are not graced yet, or the given addresses,
 * each of which must be one) to the renewal's grace set. lb-admin only; refused with nothing changed
 * when the renewal cannot grace (finished, grace off or over) or an address is not an unknown client.
 */
export async function graceUnknownClients(
  env: RenewalEnv,
  p: Principal,
  id: string,
  addresses?: readonly string[],
): Promise<{ graced: string[] }> {
  if (!can(p, 'update', { kind: 'renewal', tenantIds: [], senderIds: [] }))
    forbidden('grace unknown clients');
  const f = await loadFacts(env.store, id, false);
  const view = await unknownClientsOfRenewal(env, f.renewal);
  // Nothing left to grace is not an error (an idempotent call that had nothing to do).
  const refusal = graceRefusal(f.renewal.state, f.renewal.grace, 1, new Date(env.clock.now()));
  if (refusal) fail('WRONG_STATE', `cannot grace unknown clients: ${refusal}`, { state: f.renewal.state });
  // An address in any spelling (`::ffff:127.0.0.9`, upper-case hex) names the client the node reported.
  const key = (a: string) => canonicalAddress(a) ?? a;
  const known = new Map(view.clients.map((c) => [key(c.address), c]));
  for (const a of addresses ?? [])
    if (!known.has(key(a)))
      fail('BAD_ARGUMENT', `${a} is not an unknown client of this renewal (see its unknown clients)`, {
        field: 'addresses',
      });
  const named = addresses ? [...new Set(addresses.map((a) => known.get(key(a))!))] : view.clients;
  const wanted = named.filter((c) => !c.graced).map((c) => c.address);
  if (wanted.length === 0) return { graced: [] };
  const actor = actorOf(p);
  const at = new Date(env.clock.now()).toISOString();
  const graced = await env.store.transaction(async (tx) => {
    const added = await tx.clientObservations.grace(id, wanted, actor.name, at);
    if (added.length) {
      await addStep(tx, env, id, 'grace-unknown', actor, {
        count: added.length,
        addresses: added.slice(0, 100),
      });
      // The desired source exceptions changed: send them now, not at the next traffic change.
      await armExceptions(tx, env, id);
    }
    return added;
  });
  env.renewal.changed(id, f.renewal.state);
  return { graced };
}
