/**
 * What is true for a renewal now, derived from what happened (pure; `now` is an input): its phase —
 * with "held at the gate" as a named phase saying why, who can release it and how —, the real
 * exchange instant and the safe-removal instant that follow from it, which actions can succeed now
 * (and why not otherwise), what is still open, and the seed steps counted per sender.
 */
import { type RenewalClock, type SenderTally, safeRemovalInstant } from './sender-status.js';
import { isBeforeExchange } from './states.js';

/** The phases a renewal is shown in: its state, refined by what happened. */
export const RENEWAL_PHASES = [
  'planned',
  'staging',
  'staged',
  'held-at-gate',
  'postponing',
  'exchanged',
  'verified',
  'retiring',
  'completed',
  'completed-with-open-items',
  'rolled-back',
  'cancelled',
] as const;
/** One of {@link RENEWAL_PHASES}. */
export type RenewalPhase = (typeof RENEWAL_PHASES)[number];

/** What was still open when a renewal was completed (or is open now). */
export interface OpenItems {
  /** Senders failing (handshakes or proofs). */
  failing: number;
  /** Senders neither proven nor failing (not told, told, acknowledged, no traffic…). */
  notProven: number;
  /** Senders that have not reported removing the old root. */
  oldRootTrusted: number;
}

/** A completion as recorded. */
export interface Completion {
  at: Date;
  by: string;
  /** Completed although items were open (confirmed with a reason). */
  forced: boolean;
  reason: string | null;
  open: OpenItems;
}

/** Facts about a renewal beyond its clock. */
export interface RenewalFactsForStatus extends RenewalClock {
  postponeDeadline: Date;
  /** Nodes that acknowledged staging, of all nodes, for the current T. */
  nodesStaged: number;
  nodes: number;
  nodesVerified: number;
  completion: Completion | null;
  /** An lb-admin override of the gate, when given. */
  override: { by: string; reason: string } | null;
}

/** Whether an action can succeed now, and why (not). */
export interface ActionAvailability {
  available: boolean;
  reason: string;
}

/** The actions a renewal view offers. */
export interface RenewalActions {
  postpone: ActionAvailability;
  cancel: ActionAvailability;
  override: ActionAvailability;
  exchangeNow: ActionAvailability;
  rollback: ActionAvailability;
  complete: ActionAvailability & { needsConfirmation: boolean };
}

/** One seed step as counted now. */
export interface StepProgress {
  step: 1 | 2 | 3 | 4 | 5 | 6;
  title: string;
  done: boolean;
  /** e.g. "1 of 4 senders proven". */
  text: string;
}

/** What is true for a renewal now. */
/** The renewal's grace now: the policy, the countdown to the deadline and how many senders are in grace. */
export interface GraceView {
  policy: 'off' | 'unready';
  early: 'off' | 'proven';
  autoGrace: boolean;
  /** The grace deadline (null: grace off). */
  graceUntil: Date | null;
  /** Milliseconds until the deadline from now (0 once passed; null: grace off). */
  remainingMs: number | null;
  /** True once no address is served the old credential any more (deadline passed, or nobody left in grace after T). */
  over: boolean;
  /** Senders whose addresses are served the old credential now (of those tallied). */
  sendersInGrace: number;
  /** One line, e.g. "3 senders in grace until …, 2d 4h left". */
  text: string;
}

export interface RenewalStatusView {
  phase: RenewalPhase;
  grace: GraceView;
  headline: string;
  reason: string;
  held: { since: Date; reason: string; release: { who: 'lb-admin'; how: string[] } } | null;
  exchangeAt: Date;
  exchangedAt: Date | null;
  safeRemovalAt: Date;
  rollbackUntil: Date | null;
  open: OpenItems;
  actions: RenewalActions;
  steps: StepProgress[];
}

const iso = (d: Date) => d.toISOString();

/** "2d 4h", "3h 5m", "4m 10s" — a countdown, from whole seconds. */
export function countdown(ms: number): string {
  const sec = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  return `${m}m ${sec % 60}s`;
}

/** The grace view from the policy, the tally and now. */
export function graceView(r: RenewalClock, t: SenderTally, now: Date): GraceView {
  const g = r.grace;
  const base = { policy: g.grace, early: g.early, autoGrace: g.autoGrace, graceUntil: g.graceUntil };
  if (g.grace === 'off' || !g.graceUntil)
    return {
      ...base,
      remainingMs: null,
      over: true,
      sendersInGrace: 0,
      text: 'grace off: every sender gets the new certificate at T',
    };
  const remainingMs = Math.max(0, g.graceUntil.getTime() - now.getTime());
  const passed = remainingMs === 0;
  const n = t.inGrace;
  const who = `${n} sender${n === 1 ? '' : 's'}`;
  const text = passed
    ? `grace ended at ${iso(g.graceUntil)}: every address gets the new certificate`
    : !r.exchangedAt
      ? `senders not proven at T keep the old certificate until ${iso(g.graceUntil)}${n ? ` (${who} would today)` : ''}`
      : n
        ? `${who} in grace until ${iso(g.graceUntil)}, ${countdown(remainingMs)} left`
        : `nobody in grace (grace deadline ${iso(g.graceUntil)})`;
  return {
    ...base,
    remainingMs,
    over: passed || (r.exchangedAt !== null && n === 0),
    sendersInGrace: passed ? 0 : n,
    text,
  };
}

const yes = (reason: string): ActionAvailability => ({ available: true, reason });
const no = (reason: string): ActionAvailability => ({ available: false, reason });

/** What is open now, from the tally. */
export function openItems(t: SenderTally): OpenItems {
  return {
    failing: t.failing,
    notProven: Math.max(0, t.total - t.proven - t.failing),
    oldRootTrusted: t.total - t.removed,
  };
}

/** "2 senders failing, 1 not proven, old root still trusted by 3", or "" when nothing is open. */
export function describeOpen(o: OpenItems): string {
  const parts = [];
  if (o.failing) parts.push(`${o.failing} sender${o.failing === 1 ? '' : 's'} failing`);
  if (o.notProven) parts.push(`${o.notProven} not proven`);
  if (o.oldRootTrusted) parts.push(`old root still trusted by ${o.oldRootTrusted}`);
  return parts.join(', ');
}

function hasOpen(o: OpenItems): boolean {
  return o.failing + o.notProven + o.oldRootTrusted > 0;
}

function actionsOf(r: RenewalFactsForStatus, open: OpenItems, t: SenderTally, now: Date): RenewalActions {
  const before = isBeforeExchange(r.state);
  const finished = ['completed', 'rolled-back', 'cancelled'].includes(r.state);
  const postpone = !before
    ? no(finished ? `the renewal is ${r.state}` : 'the exchange has happened: roll back instead')
    : r.state === 'planned'
      ? no('announce first (a planned renewal is re-planned, not postponed)')
      : now >= r.postponeDeadline
        ? no(
            `postponing was possible until ${iso(r.postponeDeadline)} (the cut-off before T); cancel or override instead`,
          )
        : yes(`possible until ${iso(r.postponeDeadline)}`);
  const cancel = before
    ? yes('before the exchange: unstages every node and tells everyone who was told')
    : no(finished ? `the renewal is ${r.state}` : 'the exchange has happened: roll back instead');
  const graceOn = r.grace.grace !== 'off' && r.grace.graceUntil !== null && now < r.grace.graceUntil;
  const override =
    before && r.held
      ? yes(
          graceOn
            ? `lets the exchange go on; the senders not proven keep the old certificate until ${iso(r.grace.graceUntil!)} (grace) and fail after it unless they add the new root; a sender without known addresses fails from the exchange`
            : 'lets the exchange go on; the senders not proven will fail until they add the new root',
        )
      : no(r.held ? `the renewal is ${r.state}` : 'the gate holds nothing');
  const exchangeNow =
    r.state === 'announced' || r.state === 'staged'
      ? r.held
        ? no('the gate holds the exchange: override it (with a reason) first')
        : r.nodesStaged < r.nodes
          ? no(`${r.nodes - r.nodesStaged} node(s) have not acknowledged the staging yet`)
          : yes('switches every node now; the rollback window starts now')
      : no(`a renewal that is ${r.state} cannot be exchanged now`);
  const windowEnd = safeRemovalInstant(r);
  const rollback =
    r.state === 'exchanged' || r.state === 'verified'
      ? now > windowEnd
        ? no(`the rollback window closed at ${iso(windowEnd)}`)
        : yes(`possible until ${iso(windowEnd)}`)
      : no(
          before ? 'the exchange has not happened: postpone or cancel instead' : `the renewal is ${r.state}`,
        );
  const needsConfirmation = hasOpen(open);
  const grace = graceView(r, t, now);
  const complete =
    r.state === 'retiring' && !grace.over
      ? {
          ...yes(
            `${grace.sendersInGrace} sender(s) are still served the old credential until ${iso(r.grace.graceUntil!)} (grace): the renewal completes once grace is over; completing now needs a confirmation with a reason and ends their grace`,
          ),
          needsConfirmation: true,
        }
      : r.state === 'retiring'
        ? {
            ...(needsConfirmation
              ? yes(`still open: ${describeOpen(open)}; completing needs a confirmation with a reason`)
              : yes('nothing is open')),
            needsConfirmation,
          }
        : {
            ...no(
              r.state === 'completed'
                ? 'the renewal is completed'
                : `a renewal can be completed once it is retiring (the rollback window closes at ${iso(windowEnd)})`,
            ),
            needsConfirmation,
          };
  return { postpone, cancel, override, exchangeNow, rollback, complete };
}

function stepsOf(r: RenewalFactsForStatus, t: SenderTally): StepProgress[] {
  const of = (n: number, what: string) => `${n} of ${t.total} sender${t.total === 1 ? '' : 's'} ${what}`;
  const announced = r.state !== 'planned' && !(r.state === 'cancelled' && r.nodes === 0);
  return [
    { step: 1, title: 'plan', done: true, text: `T ${iso(r.exchangeAt)}` },
    {
      step: 2,
      title: 'announce and stage',
      done: announced && (r.exchangedAt !== null || r.nodesStaged === r.nodes),
      text: !announced
        ? 'not announced yet'
        : r.held && r.exchangedAt === null
          ? // The gate unstages every node when it blocks, so "0 of N" is true but reads as a failure.
            `unstaged on every node while held at the gate (they keep the old credential)`
          : `staged on ${r.nodesStaged} of ${r.nodes} node(s)`,
    },
    { step: 3, title: 'forward', done: t.total > 0 && t.told === t.total, text: of(t.told, 'told') },
    { step: 4, title: 'prove', done: t.total > 0 && t.proven === t.total, text: of(t.proven, 'proven') },
    {
      step: 5,
      title: 'exchange',
      done: r.exchangedAt !== null && r.exchangeVerified,
      text: r.exchangedAt
        ? `exchanged at ${iso(r.exchangedAt)}; verified on ${r.nodesVerified} of ${r.nodes} node(s)`
        : r.held
          ? `held at the gate since ${iso(r.held.since)}`
          : `at T ${iso(r.exchangeAt)}`,
    },
    {
      step: 6,
      title: 'remove the old root',
      done: t.total > 0 && t.removed === t.total,
      text: of(t.removed, 'removed the old root'),
    },
  ];
}

/** Derives what is true for a renewal now from its facts and its senders' tally. */
export function renewalStatus(r: RenewalFactsForStatus, t: SenderTally, now: Date): RenewalStatusView {
  const open = r.completion ? r.completion.open : openItems(t);
  const safeRemovalAt = safeRemovalInstant(r);
  const base = {
    exchangeAt: r.exchangeAt,
    exchangedAt: r.exchangedAt,
    safeRemovalAt,
    rollbackUntil: r.exchangedAt ? safeRemovalAt : null,
    open,
    actions: actionsOf(r, openItems(t), t, now),
    grace: graceView(r, t, now),
    steps: stepsOf(r, t),
  };
  const held =
    r.held && isBeforeExchange(r.state)
      ? {
          since: r.held.since,
          reason: r.held.reason,
          release: {
            who: 'lb-admin' as const,
            how: [
              'override the gate with a reason (rollover renewal override ID --reason …)',
              ...(now < r.postponeDeadline
                ? ['postpone T (rollover renewal postpone ID --exchange-at …)']
                : []),
              'cancel the renewal (rollover renewal cancel ID --reason …)',
            ],
          },
        }
      : null;
  const phase = (p: RenewalPhase, headline: string, reason: string): RenewalStatusView => ({
    ...base,
    phase: p,
    headline,
    reason,
    held,
  });
  switch (r.state) {
    case 'planned':
      return phase('planned', `planned for ${iso(r.exchangeAt)}`, 'nobody has been told yet: announce it');
    case 'announced':
    case 'staged':
    case 'postponed': {
      if (held)
        return phase(
          'held-at-gate',
          `held at the gate since ${iso(held.since)}`,
          `${held.reason}${now >= r.exchangeAt ? `; T (${iso(r.exchangeAt)}) has passed and the nodes keep the old credential` : ''}`,
        );
      if (r.state === 'postponed')
        return phase(
          'postponing',
          `postponing to ${iso(r.exchangeAt)}`,
          `${r.nodes - r.nodesStaged} of ${r.nodes} node(s) have not acknowledged the new T yet; they would still switch at the old T`,
        );
      if (r.nodesStaged < r.nodes)
        return phase(
          'staging',
          `staging: ${r.nodesStaged} of ${r.nodes} node(s)`,
          'the nodes are being given the new credential with T',
        );
      return phase(
        'staged',
        `staged for ${iso(r.exchangeAt)}`,
        `every node switches at T by its own clock; ${t.proven} of ${t.total} senders proven`,
      );
    }
    case 'exchanged':
      return phase(
        'exchanged',
        `exchanged at ${iso(r.exchangedAt ?? r.exchangeAt)}`,
        `verified on ${r.nodesVerified} of ${r.nodes} node(s) so far`,
      );
    case 'verified':
      return phase(
        'verified',
        `exchanged and verified; rollback possible until ${iso(safeRemovalAt)}`,
        `${t.failing} sender(s) failing, ${t.proven} of ${t.total} proven`,
      );
    case 'retiring':
      return phase(
        'retiring',
        'retiring: senders proven ready may remove the old root',
        `${describeOpen(open) ? `still open: ${describeOpen(open)}` : 'nothing is open'}${base.grace.over ? '' : `; ${base.grace.text}`}`,
      );
    case 'completed': {
      const c = r.completion;
      if (c && hasOpen(c.open))
        return phase(
          'completed-with-open-items',
          `completed with ${describeOpen(c.open)}`,
          `completed by ${c.by} at ${iso(c.at)}${c.reason ? `: ${c.reason}` : ''}`,
        );
      return phase(
        'completed',
        'completed',
        c ? `completed by ${c.by} at ${iso(c.at)} with nothing open` : 'completed',
      );
    }
    case 'rolled-back':
      return phase('rolled-back', 'rolled back', 'the load balancer serves the old credential again');
    case 'cancelled':
      return phase(
        'cancelled',
        'cancelled',
        'cancelled before the exchange; the load balancer keeps the old credential',
      );
  }
}
