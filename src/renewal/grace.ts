/**
 * Per-sender grace (pure): the renewal's grace policy, checked once at planning, and the table of
 * source exceptions each virtual server should apply, derived from which senders are proven ready and
 * which source addresses they claim (docs/design/20261202.source-exceptions.md, "Coordinator").
 *
 * The rule: during an exchange every sender that is not proven ready and has source addresses gets
 * `serve: "old", until: graceUntil` for each of them; with `early: proven`, a proven sender gets
 * `serve: "new"` before T. An address (or a range overlapping it) that a sender not proven claims stays
 * on the old credential until every sender behind it is proven: a proven sender behind it is *held* by
 * the others, and is told which.
 */
import { fail } from '../shared/errors.js';
import { type IpBlock, parseBlock, within as withinBlock } from '../shared/ip.js';

/** Whether senders not proven keep the old credential after T: `off` (everyone switches at T) or `unready`. */
export type GraceMode = 'off' | 'unready';
/** Whether proven senders get the new credential before T. */
export type EarlyMode = 'off' | 'proven';

/** A renewal's grace policy as planned. */
export interface GracePolicy {
  grace: GraceMode;
  /** The grace deadline (after T, not after the old credential's notAfter minus one hour); null when grace is off. */
  graceUntil: Date | null;
  early: EarlyMode;
  /** Built-in nodes put an address into grace by themselves on a failed handshake with the new credential. */
  autoGrace: boolean;
}

/** Grace by default: a week after T. */
export const DEFAULT_GRACE_MS = 7 * 24 * 3600 * 1000;
/** The grace deadline stays this far before the old credential's notAfter. */
export const GRACE_MARGIN_MS = 3600 * 1000;

/** The policy of a renewal planned before grace existed: none. */
export const NO_GRACE: GracePolicy = { grace: 'off', graceUntil: null, early: 'off', autoGrace: false };

/**
 * Checks and completes a plan's grace policy. `graceUntil` defaults to T + 7 days, shortened to the old
 * credential's notAfter minus one hour; a given one must lie after T and not after that limit
 * (GRACE_AFTER_EXPIRY, BAD_ARGUMENT otherwise). With `grace: off` no deadline is kept.
 */
export function planGrace(
  input: { grace?: GraceMode; graceUntil?: Date; early?: EarlyMode; autoGrace?: boolean },
  exchangeAt: Date,
  oldNotAfter: Date,
): GracePolicy {
  const grace = input.grace ?? 'unready';
  const early = input.early ?? 'off';
  const autoGrace = grace === 'off' ? false : (input.autoGrace ?? true);
  if (grace === 'off') {
    if (input.graceUntil)
      fail('BAD_ARGUMENT', 'a grace deadline needs grace "unready" (grace is off)', { field: 'graceUntil' });
    return { grace, graceUntil: null, early, autoGrace };
  }
  const limit = new Date(oldNotAfter.getTime() - GRACE_MARGIN_MS);
  const iso = (d: Date) => d.toISOString();
  if (input.graceUntil) {
    if (input.graceUntil <= exchangeAt)
      fail(
        'BAD_ARGUMENT',
        `the grace deadline ${iso(input.graceUntil)} must lie after T (${iso(exchangeAt)})`,
        { field: 'graceUntil' },
      );
    if (input.graceUntil > limit)
      fail(
        'GRACE_AFTER_EXPIRY',
        `the grace deadline ${iso(input.graceUntil)} is after ${iso(limit)}, one hour before the old certificate expires (${iso(oldNotAfter)}): choose an earlier one`,
        { field: 'graceUntil', latest: iso(limit), oldNotAfter: iso(oldNotAfter) },
      );
    return { grace, graceUntil: input.graceUntil, early, autoGrace };
  }
  const until = new Date(Math.min(exchangeAt.getTime() + DEFAULT_GRACE_MS, limit.getTime()));
  if (until <= exchangeAt)
    fail(
      'GRACE_AFTER_EXPIRY',
      `the old certificate expires at ${iso(oldNotAfter)}, less than an hour after T (${iso(exchangeAt)}): no grace is possible; plan with grace off`,
      { field: 'graceUntil', oldNotAfter: iso(oldNotAfter) },
    );
  return { grace, graceUntil: until, early, autoGrace };
}

// --- addresses ---------------------------------------------------------------------------------

/** A parsed address range: family, network as a number, prefix length (src/shared/ip.ts). */
export type Range = IpBlock;

/** Parses `ADDR` or `ADDR/PREFIX` (IPv4-mapped IPv6 as IPv4); undefined when it is neither. */
export const parseRange: (text: string) => Range | undefined = parseBlock;

/** The canonical text of a range (`192.0.2.0/24`, `2001:db8:0:0:0:0:0:0/48`: IPv6 uncompressed). */
export function rangeText(r: Range): string {
  if (r.v === 4)
    return `${[24n, 16n, 8n, 0n].map((s) => ((r.net >> s) & 255n).toString()).join('.')}/${r.prefix}`;
  const w = [];
  for (let i = 7; i >= 0; i--) w.push(((r.net >> BigInt(i * 16)) & 0xffffn).toString(16));
  return `${w.join(':')}/${r.prefix}`;
}

/** True when `inner` lies inside `outer` (equal ranges included). */
export const within: (inner: Range, outer: Range) => boolean = withinBlock;

/** True when two ranges share an address. */
export function overlap(a: Range, b: Range): boolean {
  return within(a, b) || within(b, a);
}

/**
 * Finds the items whose range overlaps a given one without scanning them all: per family and prefix
 * length present, a map from the network cut to the shorter of the two prefixes. An item of prefix p
 * overlaps r exactly when both cut to min(p, r.prefix) bits are equal (it contains r, or lies inside
 * it), so a lookup costs one map probe per prefix length present, not one comparison per item.
 */
export function overlapIndex<T extends { r: Range }>(items: Iterable<T>): (r: Range) => T[] {
  const byLength = new Map<string, T[]>();
  for (const it of items) {
    const k = `${it.r.v}/${it.r.prefix}`;
    const list = byLength.get(k) ?? [];
    list.push(it);
    byLength.set(k, list);
  }
  const cuts = new Map<string, Map<bigint, T[]>>();
  const cut = (r: Range, q: number) => r.net >> BigInt((r.v === 4 ? 32 : 128) - q);
  return (r) => {
    const out: T[] = [];
    for (const [k, list] of byLength) {
      const [v, p] = k.split('/').map(Number) as [number, number];
      if (v !== r.v) continue;
      const q = Math.min(p, r.prefix);
      let m = cuts.get(`${k}/${q}`);
      if (!m) {
        m = new Map();
        for (const it of list) {
          const c = cut(it.r, q);
          const same = m.get(c);
          if (same) same.push(it);
          else m.set(c, [it]);
        }
        cuts.set(`${k}/${q}`, m);
      }
      for (const it of m.get(cut(r, q)) ?? []) out.push(it);
    }
    return out;
  };
}

// --- the desired table ---------------------------------------------------------------------------

/** What the table is computed from, per sender. */
export interface GraceSender {
  id: string;
  name: string;
  /** Its tenant: a sender held by another tenant's sender is not told that sender's name. */
  tenantId: string;
  /** The virtual server its tenant is served by. */
  virtualServerId: string;
  /** Proven ready now (the derived per-sender status). */
  proven: boolean;
  /** Its claimed source addresses and ranges. */
  addresses: readonly string[];
}

/** One entry of a virtual server's desired table. */
export interface DesiredEntry {
  /** Canonical, see {@link rangeText}. */
  cidr: string;
  serve: 'old' | 'new';
  /** Grace entries only. */
  until?: Date;
  /** The senders whose addresses made it (for an old entry: the senders not proven behind it). */
  senderIds: string[];
}

/** What the table means for one sender. */
export interface SenderGrace {
  /** Some of its addresses are served the old credential until this instant (null: none). */
  oldUntil: Date | null;
  /** Its addresses (canonical) that are served the old credential. */
  oldCidrs: string[];
  /**
   * Proven senders are held by the senders not proven who share or overlap their addresses. Senders of
   * another tenant (a range shared across tenants, which only an lb-admin can allow) are not named:
   * they are one entry with an empty id, "N sender(s) of another tenant".
   */
  heldBy: Array<{ id: string; name: string }>;
  /** Its addresses switched to the new credential before T. */
  earlyCidrs: string[];
}

/** Where the renewal stands for the table. */
export interface GracePhase {
  /** An exchange is staged or has happened and is not over (not held, cancelled, rolled back or completed). */
  active: boolean;
  /** The exchange has happened. */
  exchanged: boolean;
}

/** The desired tables per virtual server and what each sender gets from them. */
export interface DesiredGrace {
  tables: Map<string, DesiredEntry[]>;
  senders: Map<string, SenderGrace>;
}

/**
 * Client addresses no sender claims that an lb-admin put into the renewal's grace set ("grace them
 * too" for unknown clients seen before T): old entries on every listed virtual server, like a sender
 * not proven, until `graceUntil`.
 */
export interface GracedClients {
  virtualServerIds: readonly string[];
  addresses: readonly string[];
}

/** No graced unknown clients. */
export const NO_GRACED_CLIENTS: GracedClients = { virtualServerIds: [], addresses: [] };

/**
 * The whole desired table of every virtual server, and the grace of every sender. Addresses that do
 * not parse are ignored (inventory input refuses them). Old entries are omitted once `graceUntil` has
 * passed (the nodes let them expire by themselves); early entries exist only before the exchange.
 */
export function desiredGrace(
  policy: GracePolicy,
  phase: GracePhase,
  senders: readonly GraceSender[],
  now: Date,
  graced: GracedClients = NO_GRACED_CLIENTS,
): DesiredGrace {
  const tables = new Map<string, DesiredEntry[]>();
  const out = new Map<string, SenderGrace>();
  const none = (): SenderGrace => ({ oldUntil: null, oldCidrs: [], heldBy: [], earlyCidrs: [] });
  for (const s of senders) out.set(s.id, none());
  if (!phase.active) return { tables, senders: out };
  const graceLive =
    policy.grace === 'unready' && policy.graceUntil !== null && now.getTime() < policy.graceUntil.getTime();
  const earlyLive = policy.early === 'proven' && !phase.exchanged;
  const byVs = new Map<string, GraceSender[]>();
  for (const s of senders) {
    const list = byVs.get(s.virtualServerId) ?? [];
    list.push(s);
    byVs.set(s.virtualServerId, list);
  }
  const gracedRanges = graced.addresses.map(parseRange).filter((r): r is Range => r !== undefined);
  if (gracedRanges.length) for (const vs of graced.virtualServerIds) if (!byVs.has(vs)) byVs.set(vs, []);
  for (const [vs, list] of byVs) {
    const ranges = list.map((s) => ({
      s,
      ranges: s.addresses.map(parseRange).filter((r): r is Range => r !== undefined),
    }));
    // Old entries: every address of a sender not proven (one entry per range, all its senders named).
    const old = new Map<string, { r: Range; ids: string[] }>();
    if (graceLive)
      for (const { s, ranges: rs } of ranges) {
        if (s.proven) continue;
        for (const r of rs) {
          const k = rangeText(r);
          const e = old.get(k) ?? { r, ids: [] };
          if (!e.ids.includes(s.id)) e.ids.push(s.id);
          old.set(k, e);
        }
      }
    // Graced unknown clients: old entries no sender stands behind (none is held by them).
    if (graceLive && graced.virtualServerIds.includes(vs))
      for (const r of gracedRanges) {
        const k = rangeText(r);
        if (!old.has(k)) old.set(k, { r, ids: [] });
      }
    const entries: DesiredEntry[] = [...old].map(([cidr, e]) => ({
      cidr,
      serve: 'old',
      until: policy.graceUntil!,
      senderIds: e.ids,
    }));
    const byId = new Map(list.map((s) => [s.id, s]));
    const overlapping = overlapIndex(old.values());
    const early = new Map<string, DesiredEntry>();
    for (const { s, ranges: rs } of ranges) {
      const g = out.get(s.id)!;
      const held = new Set<string>();
      for (const r of rs) {
        const over = overlapping(r);
        if (over.length) {
          g.oldCidrs.push(rangeText(r));
          for (const e of over) for (const id of e.ids) if (id !== s.id) held.add(id);
          continue;
        }
        if (earlyLive && s.proven) {
          // No old entry overlaps it here; one inside it would still win for its own addresses.
          const cidr = rangeText(r);
          const e = early.get(cidr);
          if (e) e.senderIds.push(s.id);
          else {
            const n: DesiredEntry = { cidr, serve: 'new', senderIds: [s.id] };
            early.set(cidr, n);
            entries.push(n);
          }
          g.earlyCidrs.push(cidr);
        }
      }
      if (g.oldCidrs.length) g.oldUntil = policy.graceUntil;
      g.heldBy = heldByFor(s, [...held].sort(), byId);
    }
    entries.sort((a, b) => (a.cidr < b.cidr ? -1 : a.cidr > b.cidr ? 1 : a.serve < b.serve ? -1 : 1));
    tables.set(vs, entries);
  }
  return { tables, senders: out };
}

/** An entry as a node reports or is sent it, for comparison. */
export interface EntryOnNode {
  cidr: string;
  serve: 'old' | 'new';
  until?: string | null | undefined;
  /** Entries a built-in node added by itself (automatic fallback) are not part of the desired table. */
  auto?: boolean | undefined;
}

/**
 * What differs between the table sent and the one a node reports (entries it added by itself are
 * left out on both sides: those carried back in a replace too): an empty list when the node applies
 * exactly what was sent.
 */
export function tableDifferences(sent: readonly EntryOnNode[], applied: readonly EntryOnNode[]): string[] {
  const key = (e: EntryOnNode) => {
    const r = parseRange(e.cidr);
    const until = e.serve === 'old' && e.until ? new Date(e.until).toISOString() : '';
    return `${r ? rangeText(r) : e.cidr} ${e.serve}${until ? ` until ${until}` : ''}`;
  };
  const a = new Set(sent.filter((e) => !e.auto).map(key));
  const b = new Set(applied.filter((e) => !e.auto).map(key));
  return [
    ...[...a].filter((k) => !b.has(k)).map((k) => `missing on the node: ${k}`),
    ...[...b].filter((k) => !a.has(k)).map((k) => `not sent but applied: ${k}`),
  ];
}

/** Who holds `s`'s addresses, as `s`'s tenant may read it: its own tenant's senders by name, others counted. */
function heldByFor(
  s: GraceSender,
  ids: readonly string[],
  byId: ReadonlyMap<string, GraceSender>,
): Array<{ id: string; name: string }> {
  const own = ids.filter((id) => byId.get(id)?.tenantId === s.tenantId);
  const others = ids.length - own.length;
  return [
    ...own.map((id) => ({ id, name: byId.get(id)?.name ?? id })),
    ...(others ? [{ id: '', name: `${others} sender(s) of another tenant` }] : []),
  ];
}
