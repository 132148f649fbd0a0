/**
 * The serving side of a credential slot: secure contexts built ahead of time, and the per-handshake
 * choice by the instant the ClientHello arrived and the client's address (source exceptions).
 * Switching is a comparison with T and a lookup in memory, never a reload, so no timer has to fire on
 * time and every worker switches by its own clock.
 */
import type { SecureContext } from 'node:tls';
import type { TlsPolicy } from '../pki/tls-profile.js';
import { bridgedAt, type CredentialRecord } from './credential-record.js';
import {
  DEFAULT_TICKET_ROTATION_MS,
  type KnownTicketKey,
  mayResume,
  oldSessionsEnd,
  rotateTicketSecrets,
  type TicketSecrets,
  ticketKeyFor,
  ticketMadeWith,
  ticketOfClientHello,
} from './session-tickets.js';
import type { Slot } from './slot.js';
import type { VsEntry } from './slot-table.js';
import {
  chooseFor,
  ExceptionIndex,
  exchangeOf,
  type Serve,
  type SourceException,
} from './source-exceptions.js';
import { buildSecureContext } from './tls-context.js';

/** What one handshake gets. */
export interface ContextChoice {
  context: SecureContext;
  sha256: string;
  /** True when this is the staged credential chosen because T has passed. */
  staged: boolean;
  /** Which side of the exchange it is (old: the credential being replaced). */
  credentialIs: Serve;
  /** The source exception that decided, if one did. */
  entry?: SourceException | undefined;
  /** The ClientHello offers a ticket this context can resume (it may still be refused by OpenSSL). */
  resumable?: boolean;
  /** True when the chain carried the record's bridge. */
  bridged?: boolean;
}

/** The key of a record's context: the leaf, and the bridge when it carries one. */
const contextKey = (r: CredentialRecord, bridged: boolean) =>
  bridged && r.bridge ? `${r.sha256}+${r.bridge.sha256}` : r.sha256;

/** An exchange's identity: its T and the credential taking over. */
const exchangeId = (x: { at: number; new: CredentialRecord }) => `${x.at}:${x.new.sha256}`;

/** A known ticket key: its period and credential (the context then depends on the bridge). */
interface TicketOwner {
  period: number;
  record: CredentialRecord;
}

/**
 * A slot's prebuilt contexts, all under the virtual server's one TLS policy (bridged chains and every
 * ticket period too). `apply` is called when the slot changes (stage, rollback…).
 */
export class ContextSlot {
  /** Every context by `period:contextKey` (current and previous period). */
  private built = new Map<string, SecureContext>();
  /** Ticket key name (hex) → the credential and period whose contexts hold that key. */
  private tickets = new Map<string, KnownTicketKey<TicketOwner>>();
  private secrets: TicketSecrets;
  private slot!: Slot<CredentialRecord>;
  private index = new ExceptionIndex([]);
  private counts = new Map<string, number>();
  /** Until when a failed handshake with the new credential graces its address (undefined: off). */
  autoGraceUntil: number | undefined;
  /**
   * The automatic-fallback setting during an exchange (T and the new credential): seen on, or switched
   * off before its deadline (grace ended). Held in memory, so a worker started after that setting was
   * cleared knows only what the stage said (`grace` on the new credential's record).
   */
  private fallback: { id: string; state: 'on' | 'ended' } | undefined;
  /** When the first handshake got the staged credential after T (ms), for the lateness figure. */
  firstStagedHandshakeAt: number | undefined;

  constructor(
    entry: VsEntry,
    readonly policy: TlsPolicy,
    secrets?: TicketSecrets,
    /** False: no session resumption at all (every handshake a full one). */
    private readonly resumption = true,
    private readonly rotationMs = DEFAULT_TICKET_ROTATION_MS,
  ) {
    this.secrets = secrets ?? rotateTicketSecrets(undefined);
    this.apply(entry);
  }

  /** New ticket secrets (a rotation): contexts for the new period are built, the previous kept. */
  setTicketSecrets(secrets: TicketSecrets): void {
    this.secrets = secrets;
    this.rebuild();
  }

  /** Builds the contexts each credential needs in each accepted period; reuses those already built. */
  private rebuild(): void {
    const slot = this.slot;
    const creds = [slot.active, slot.staged?.credential, slot.previous].filter(
      (r): r is CredentialRecord => r !== undefined,
    );
    const built = new Map<string, SecureContext>();
    const tickets = new Map<string, KnownTicketKey<TicketOwner>>();
    // Tickets stay valid for the two periods they are accepted in.
    const lifetimeS = Math.max(1, Math.ceil((2 * this.rotationMs) / 1000));
    for (const period of [this.secrets.current, this.secrets.previous]) {
      if (!period) continue;
      for (const r of creds) {
        // One key per credential, shared by its contexts with and without the bridge.
        const key = ticketKeyFor(period.secret, r.sha256);
        if (this.resumption)
          tickets.set(key.subarray(0, 16).toString('hex'), {
            sha256: r.sha256,
            key,
            value: { period: period.period, record: r },
          });
        for (const bridged of r.bridge ? [false, true] : [false]) {
          const id = `${period.period}:${contextKey(r, bridged)}`;
          if (built.has(id)) continue;
          built.set(
            id,
            this.built.get(id) ??
              buildSecureContext(r, this.policy, bridged, this.resumption ? { key, lifetimeS } : 'off'),
          );
        }
      }
    }
    this.built = built;
    this.tickets = tickets;
  }

  /** The context of a credential (with or without its bridge) in a period (default: the current one). */
  private contextOf(
    r: CredentialRecord,
    bridged: boolean,
    period = this.secrets.current.period,
  ): SecureContext {
    return this.built.get(`${period}:${contextKey(r, bridged)}`)!;
  }

  /**
   * Until when a session issued under the credential being replaced may resume for a client the rule
   * now gives the new one (`oldSessionsEnd`): grace as staged with the new credential (the renewal's
   * policy), else as the automatic-fallback setting during this exchange.
   */
  oldSessionsUntil(): number | undefined {
    const x = exchangeOf(this.slot);
    if (!x) return undefined;
    const f = this.fallback?.id === exchangeId(x) ? this.fallback.state : undefined;
    return oldSessionsEnd({
      at: x.at,
      rollbackWindowMs: x.new.rollbackWindowMs,
      oldNotAfter: Date.parse(x.old.notAfter),
      grace: x.new.grace,
      fallback: f,
    });
  }

  /** Replaces the slot and exceptions; contexts of unchanged credentials are reused, new ones built now. */
  apply({ slot, exceptions, autoGraceUntil }: VsEntry, now = Date.now()): void {
    const x = exchangeOf(slot);
    if (autoGraceUntil !== undefined && x) this.fallback = { id: exchangeId(x), state: 'on' };
    else if (
      x &&
      autoGraceUntil === undefined &&
      this.autoGraceUntil !== undefined &&
      now < this.autoGraceUntil
    )
      // Switched off before its deadline (a key compromise): old sessions end at T. Cleared after its
      // deadline, it simply ended, and the exchange keeps its rollback window.
      this.fallback = { id: exchangeId(x), state: 'ended' };
    if (!x) this.fallback = undefined;
    this.autoGraceUntil = autoGraceUntil;
    const prev = this.slot as Slot<CredentialRecord> | undefined;
    if (
      !prev ||
      prev.staged?.activateAt !== slot.staged?.activateAt ||
      prev.staged?.credential.sha256 !== slot.staged?.credential.sha256
    ) {
      this.firstStagedHandshakeAt = undefined;
    }
    const index = exceptions === this.index.entries ? this.index : new ExceptionIndex(exceptions);
    const counts = new Map<string, number>();
    for (const e of exceptions) counts.set(e.cidr, this.counts.get(e.cidr) ?? 0);
    this.slot = slot;
    this.rebuild();
    this.index = index;
    this.counts = counts;
  }

  /**
   * The context for a ClientHello from `address` that arrived at `now` (ms). With the ClientHello's
   * bytes, a genuine ticket (its MAC checked with our keys) for a credential that may still resume
   * (`mayResume`) selects the context holding that ticket's key, so OpenSSL resumes it; else the
   * chosen credential's current context, where the ticket is refused and a full handshake follows.
   */
  choose(now: number, address: string, hello?: Buffer): ContextChoice {
    const c = chooseFor(this.slot, this.index, now, address);
    if (c.entry) this.counts.set(c.entry.cidr, (this.counts.get(c.entry.cidr) ?? 0) + 1);
    const resumed = hello && this.resumable(hello, c.credential.sha256, now);
    if (resumed && resumed.sha256 !== c.credential.sha256) {
      // A session of the credential being replaced, within its window: it resumes as it was.
      const r = resumed.value.record;
      const bridged = bridgedAt(r, now);
      return {
        context: this.contextOf(r, bridged, resumed.value.period),
        sha256: resumed.sha256,
        staged: false,
        credentialIs: 'old',
        resumable: true,
        bridged,
      };
    }
    const staged = this.slot.staged;
    const isStaged = staged !== undefined && c.credential === staged.credential && now >= staged.activateAt;
    if (isStaged && this.firstStagedHandshakeAt === undefined) this.firstStagedHandshakeAt = now;
    // The bridge, like T, is decided by the instant the ClientHello arrived: no timer, no reload.
    const bridged = bridgedAt(c.credential, now);
    return {
      context: this.contextOf(c.credential, bridged, resumed ? resumed.value.period : undefined),
      sha256: c.credential.sha256,
      staged: isStaged,
      credentialIs: c.credentialIs,
      entry: c.entry,
      bridged,
      ...(resumed ? { resumable: true } : {}),
    };
  }

  /** The known ticket key a ClientHello's ticket was made with, when that session may resume now. */
  private resumable(hello: Buffer, chosen: string, now: number): KnownTicketKey<TicketOwner> | undefined {
    const ticket = ticketOfClientHello(hello);
    if (!ticket || ticket.length < 16) return undefined;
    const known = this.tickets.get(ticket.subarray(0, 16).toString('hex'));
    if (!known || !ticketMadeWith(ticket, known.key)) return undefined;
    const x = exchangeOf(this.slot);
    const ok = mayResume({
      ticketSha256: known.sha256,
      chosenSha256: chosen,
      oldSha256: x?.old.sha256,
      newSha256: x?.new.sha256,
      oldSessionsUntil: this.oldSessionsUntil(),
      now,
    });
    return ok ? known : undefined;
  }

  /** What the preview listener serves: the staged credential when there is one, else the active. */
  preview(hello?: Buffer): ContextChoice {
    const r = this.slot.staged?.credential ?? this.slot.active;
    const resumed = hello && this.resumable(hello, r.sha256, Number.NEGATIVE_INFINITY);
    const same = resumed && resumed.sha256 === r.sha256;
    return {
      // Never with a bridge, so a sender proves there that it trusts the new root itself.
      context: this.contextOf(r, false, same ? resumed.value.period : undefined),
      sha256: r.sha256,
      staged: !!this.slot.staged,
      credentialIs: 'new',
    };
  }

  /** T in ms, or undefined when nothing is staged. */
  stagedActivateAt(): number | undefined {
    return this.slot.staged?.activateAt;
  }

  /** Handshakes each source exception decided, by CIDR. */
  exceptionHandshakes(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  /** Grace entries (serve old) in the table. */
  graceEntries(): number {
    return this.index.entries.filter((e) => e.serve === 'old').length;
  }
}
