/**
 * The serving side of a credential slot: secure contexts built ahead of time, and the per-handshake
 * choice by the instant the ClientHello arrived and the client's address (source exceptions).
 * Switching is a comparison with T and a lookup in memory, never a reload, so no timer has to fire on
 * time and every worker switches by its own clock.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CredentialRecord } from './credential-record.js';
import type { Slot } from './slot.js';
import type { VsEntry } from './slot-table.js';
import { chooseFor, ExceptionIndex, type Serve, type SourceException } from './source-exceptions.js';

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
}

/** Builds a server secure context from a record. */
export function buildSecureContext(r: CredentialRecord): SecureContext {
  // Leaf + intermediates only; the root stays out of the handshake as clients must hold it already.
  return createSecureContext({ key: r.keyPem, cert: r.certPem, minVersion: 'TLSv1.2' });
}

/** A slot's prebuilt contexts. `apply` is called when the slot changes (stage, rollback…). */
export class ContextSlot {
  private contexts = new Map<string, SecureContext>();
  private slot!: Slot<CredentialRecord>;
  private index = new ExceptionIndex([]);
  private counts = new Map<string, number>();
  /** Until when a failed handshake with the new credential graces its address (undefined: off). */
  autoGraceUntil: number | undefined;
  /** When the first handshake got the staged credential after T (ms), for the lateness figure. */
  firstStagedHandshakeAt: number | undefined;

  constructor(entry: VsEntry) {
    this.apply(entry);
  }

  /** Replaces the slot and exceptions; contexts of unchanged credentials are reused, new ones built now. */
  apply({ slot, exceptions, autoGraceUntil }: VsEntry): void {
    this.autoGraceUntil = autoGraceUntil;
    const next = new Map<string, SecureContext>();
    for (const r of [slot.active, slot.staged?.credential, slot.previous]) {
      if (!r) continue;
      next.set(r.sha256, next.get(r.sha256) ?? this.contexts.get(r.sha256) ?? buildSecureContext(r));
    }
    const prev = this.slot;
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
    this.contexts = next;
    this.slot = slot;
    this.index = index;
    this.counts = counts;
  }

  /** The context for a ClientHello from `address` that arrived at `now` (ms). */
  choose(now: number, address: string): ContextChoice {
    const c = chooseFor(this.slot, this.index, now, address);
    if (c.entry) this.counts.set(c.entry.cidr, (this.counts.get(c.entry.cidr) ?? 0) + 1);
    const staged = this.slot.staged;
    const isStaged = staged !== undefined && c.credential === staged.credential && now >= staged.activateAt;
    if (isStaged && this.firstStagedHandshakeAt === undefined) this.firstStagedHandshakeAt = now;
    return {
      context: this.contexts.get(c.credential.sha256)!,
      sha256: c.credential.sha256,
      staged: isStaged,
      credentialIs: c.credentialIs,
      entry: c.entry,
    };
  }

  /** What the preview listener serves: the staged credential when there is one, else the active. */
  preview(): ContextChoice {
    const r = this.slot.staged?.credential ?? this.slot.active;
    return {
      context: this.contexts.get(r.sha256)!,
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
