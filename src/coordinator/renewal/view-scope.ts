/**
 * What a tenant-scoped caller may see of a renewal's fields, by the same rule as the objects
 * themselves: steps about another tenant or its senders are left out, lists of ids are cut to the
 * caller's own, and free text the provider wrote for itself (an override reason) is withheld. Pure.
 */

/** The objects a scoped caller may see within one renewal. */
export interface ViewScope {
  tenants: ReadonlySet<string>;
  senders: ReadonlySet<string>;
  virtualServers: ReadonlySet<string>;
}

/** A step as the detail view shows it. */
export interface StepView {
  step: number | null;
  kind: string;
  role: string;
  actor: string;
  at: string;
  detail: unknown;
}

/** Said in place of an lb-admin's free text (an override or forced-completion reason), which may name any tenant's senders. */
export const WITHHELD = 'withheld: only the provider sees the reason';

const cut = (xs: unknown, keep: ReadonlySet<string>): string[] =>
  Array.isArray(xs) ? xs.filter((x): x is string => typeof x === 'string' && keep.has(x)) : [];

/**
 * The step as `s` may see it, or undefined when it is about another tenant or its senders.
 * Unknown fields of renewal-wide steps pass; every field that names a tenant, sender or virtual
 * server is checked.
 */
export function scopeStep(step: StepView, s: ViewScope): StepView | undefined {
  const d = { ...((step.detail ?? {}) as Record<string, unknown>) };
  if (typeof d.sender === 'string' && !s.senders.has(d.sender)) return undefined;
  if (typeof d.tenant === 'string' && !s.tenants.has(d.tenant)) return undefined;
  if (Array.isArray(d.first)) {
    // A forward for several tenants: shown to the tenants it reached, naming only them.
    d.first = cut(d.first, s.tenants);
    if ((d.first as string[]).length === 0) return undefined;
    delete d.tenants;
    delete d.senders;
  }
  if (Array.isArray(d.notReady)) {
    d.notReady = cut(d.notReady, s.senders);
    d.notReadyCount = (d.notReady as string[]).length;
    if (typeof d.reason === 'string') d.reason = gateReason(d.notReadyCount as number);
  }
  // A person's free text on a renewal-wide step (an override or a forced completion) may name any
  // tenant's senders; text on a step about the caller's own sender or tenant is its own.
  const own = typeof d.sender === 'string' || typeof d.tenant === 'string';
  if (!own && step.role !== 'system' && typeof d.reason === 'string') d.reason = WITHHELD;
  // Unknown clients' addresses may be anyone's: a scoped caller sees only how many were graced.
  if (step.kind === 'grace-unknown') delete d.addresses;
  // A node's automatic fallback names the address and the senders behind it: shown only to the
  // tenants of those senders, naming only theirs (an address no sender claims may be anyone's).
  if (Array.isArray(d.senders)) {
    d.senders = cut(d.senders, s.senders);
    if (step.kind === 'auto-grace' && (d.senders as string[]).length === 0) return undefined;
  }
  if (Array.isArray(d.virtualServers)) d.virtualServers = cut(d.virtualServers, s.virtualServers);
  if (Array.isArray(d.nodes)) {
    d.nodes = d.nodes.filter(
      (n) =>
        !(n && typeof n === 'object' && 'vs' in n) || s.virtualServers.has(String((n as { vs: unknown }).vs)),
    );
  }
  return { ...step, detail: d };
}

/** Said in place of a node's answer that names source-exception entries, which may be any tenant's addresses. */
export const WITHHELD_ENTRIES =
  "withheld: the node's table names every tenant's addresses; only the provider sees them";

/**
 * A node's answer to the source-exception table as a scoped caller may read it: the outcome and the
 * counts, not the detail, which lists the entries that differ (another tenant's senders' addresses).
 */
export function scopeNodeExceptions<T extends { detail: string | null }>(
  v: T | null,
  scoped: boolean,
): T | null {
  return v && scoped && v.detail !== null ? { ...v, detail: WITHHELD_ENTRIES } : v;
}

/** The gate's reason as a scoped caller may read it: about its own senders only. */
export function gateReason(myNotReady: number): string {
  return myNotReady === 0
    ? 'every one of your senders is verified'
    : `${myNotReady} of your sender(s) not verified`;
}

/**
 * The renewal as a scoped caller's derived status reads it: the gate's reason counts its own senders
 * only (a hold says "2 of your senders", not the provider's total), and a forced completion's reason,
 * free text that may name another tenant's senders, is withheld. Everything else is unchanged.
 */
export function scopeRenewalFacts<
  R extends {
    gate: { reason: string } | null;
    completion?: { reason: string | null } | null;
  },
>(r: R, myNotReady: number): R {
  return {
    ...r,
    gate: r.gate ? { ...r.gate, reason: gateReason(myNotReady) } : r.gate,
    ...(r.completion
      ? { completion: { ...r.completion, reason: r.completion.reason === null ? null : WITHHELD } }
      : {}),
  };
}
