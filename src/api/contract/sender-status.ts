/**
 * The JSON of the derived per-sender and per-renewal status (src/renewal/sender-status.ts and
 * renewal-status.ts) as every surface receives it: the renewal detail (`status`, `senders[].status`),
 * the tenant and sender views, the personal link page and the public status JSON. Instants are ISO
 * 8601 UTC strings; null means "none" (no deadline, not yet, not by time alone).
 */
import { z } from 'zod';
import type { SenderStatusJson as CoordinatorSenderStatus } from '../../coordinator/renewal/status-json.js';
import { RENEWAL_PHASES } from '../../renewal/renewal-status.js';
import { EVIDENCE_KINDS, SENDER_STATES } from '../../renewal/sender-status.js';

const instant = z.string().datetime();

/** May the old root go now; if not, from when (null: not by time alone). */
export const RemovalVerdictSchema = z.object({
  allowed: z.boolean(),
  from: instant.nullable(),
  reason: z.string(),
});

/** Handshakes seen from a sender's addresses (main listener), as shown next to its status. */
export const SenderTrafficSchema = z.object({
  /** False when the sender has no source addresses: nothing can be attributed to it. */
  addressesKnown: z.boolean(),
  /** Since the real exchange instant (0 before it). */
  successesAfterExchange: z.number(),
  successesOnNewAfterExchange: z.number(),
  failuresAfterExchange: z.number(),
  lastHandshakeAt: instant.nullable(),
  /** Which credential its last successful handshake was served. */
  lastServed: z.enum(['new', 'old', 'other']).nullable(),
  lastServedSha256: z.string().nullable(),
  lastFailureAt: instant.nullable(),
});

/** What is true for one sender now: a named state, why, the next action with its deadline, the removal verdict. */
export const SenderStatusSchema = z.object({
  state: z.enum(SENDER_STATES),
  /** bad = red (failing, no traffic), action = someone must act, waiting, good, done, neutral. */
  tone: z.enum(['bad', 'action', 'waiting', 'good', 'done', 'neutral']),
  headline: z.string(),
  reason: z.string(),
  since: instant.nullable(),
  next: z.object({
    who: z.enum(['tenant-admin', 'sender-admin', 'lb-admin', 'nobody']),
    action: z.string(),
    /** The deadline; null = now, or none. */
    by: instant.nullable(),
  }),
  /** Counts towards "n of m senders proven". */
  proven: z.boolean(),
  removal: RemovalVerdictSchema,
  /**
   * Its strongest readiness evidence: `verified` (a proof with `sender verify --report` led to the new
   * root) or `observed` (a handshake with the new credential seen on the preview listener from one of
   * its addresses — weaker: the client may not check certificates); `counts` says whether it makes the
   * sender proven (an observation only when the renewal accepts observed handshakes). Null: none.
   */
  evidence: z
    .object({ kind: z.enum(EVIDENCE_KINDS), at: instant, detail: z.string(), counts: z.boolean() })
    .nullable(),
  traffic: SenderTrafficSchema,
  /** Until when some of its addresses are served the old credential (grace); null: none now. */
  oldCredentialServedUntil: instant.nullable(),
  /** The renewal's grace deadline; null: grace off. */
  graceUntil: instant.nullable(),
  /** Its grace in detail: addresses served the old credential, who holds a shared one, early addresses, nodes applying it. */
  grace: z.object({
    oldCidrs: z.array(z.string()),
    heldBy: z.array(z.object({ id: z.string(), name: z.string() })),
    earlyCidrs: z.array(z.string()),
    nodes: z.object({ total: z.number(), applied: z.number(), notYet: z.number() }).nullable(),
  }),
});
/** What is true for one sender now (JSON). */
export type SenderStatusJson = z.infer<typeof SenderStatusSchema>;

/** True when A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/**
 * The schema describes exactly what the coordinator hands out (src/coordinator/renewal/status-json.ts
 * declares it): compiling fails when either changes without the other.
 */
export type SenderStatusMatchesCoordinator =
  Same<SenderStatusJson, CoordinatorSenderStatus> extends true ? true : never;
const _senderStatusMatches: SenderStatusMatchesCoordinator = true;
void _senderStatusMatches;

const Availability = z.object({ available: z.boolean(), reason: z.string() });
const Open = z.object({ failing: z.number(), notProven: z.number(), oldRootTrusted: z.number() });

/** What is true for a renewal now: phase (incl. held at the gate), real instants, actions, open items, steps. */
export const RenewalStatusViewSchema = z.object({
  phase: z.enum(RENEWAL_PHASES),
  /** Grace now: policy, deadline, countdown (from the deadline and now), senders in grace. */
  grace: z.object({
    policy: z.enum(['off', 'unready']),
    early: z.enum(['off', 'proven']),
    autoGrace: z.boolean(),
    graceUntil: instant.nullable(),
    remainingMs: z.number().nullable(),
    over: z.boolean(),
    sendersInGrace: z.number(),
    text: z.string(),
  }),
  /** e.g. "held at the gate since …", "completed with 2 senders failing". */
  headline: z.string(),
  reason: z.string(),
  held: z
    .object({
      since: instant,
      reason: z.string(),
      release: z.object({ who: z.literal('lb-admin'), how: z.array(z.string()) }),
    })
    .nullable(),
  /** The planned T. */
  exchangeAt: instant,
  /** The real exchange instant (T, or when an override or "exchange now" switched); null before it. */
  exchangedAt: instant.nullable(),
  /** The real exchange instant (or T, before it) plus the rollback window. */
  safeRemovalAt: instant,
  rollbackUntil: instant.nullable(),
  /** What is open now (or, once completed, what was open at completion). */
  open: Open,
  actions: z.object({
    postpone: Availability,
    cancel: Availability,
    override: Availability,
    exchangeNow: Availability,
    rollback: Availability,
    complete: Availability.extend({ needsConfirmation: z.boolean() }),
  }),
  steps: z.array(
    z.object({
      step: z.number(),
      title: z.string(),
      done: z.boolean(),
      /** e.g. "1 of 4 senders proven". */
      text: z.string(),
    }),
  ),
});
/** What is true for a renewal now (JSON). */
export type RenewalStatusViewJson = z.infer<typeof RenewalStatusViewSchema>;

/** Counts of the senders' derived states (over the senders listed). */
export const SenderTallySchema = z.object({
  total: z.number(),
  told: z.number(),
  proven: z.number(),
  failing: z.number(),
  noTraffic: z.number(),
  removed: z.number(),
  inGrace: z.number(),
  byState: z.record(z.string(), z.number()),
  /** True when the renewal has more senders than were listed (the tally covers the listed ones). */
  partial: z.boolean(),
});

/** A completion as recorded: by whom, when, whether confirmed over open items, and what was open. */
export const CompletionSchema = z.object({
  at: instant,
  by: z.string(),
  forced: z.boolean(),
  reason: z.string().nullable(),
  open: Open,
});
