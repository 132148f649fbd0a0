/**
 * The serving side of a credential slot: secure contexts built ahead of time, and the per-handshake
 * choice by the instant the ClientHello arrived and the client's address (source exceptions).
 * Switching is a comparison with T and a lookup in memory, never a reload, so no timer has to fire on
 * time and every worker switches by its own clock.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import { bridgedAt, type CredentialRecord } from './credential-record.js';
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
  /** True when the chain carried the record's bridge. */
  bridged?: boolean;
}

/** Builds a server secure context from a record (with its bridge appended when `bridged`). */
export function buildSecureContext(r: CredentialRecord, bridged = false): SecureContext {
  // Leaf + intermediates (+ the bridge); the root stays out of the handshake as clients hold it already.
  const cert = bridged && r.bridge ? r.certPem + r.bridge.certPem : r.certPem;
  return createSecureContext({ key: r.keyPem, cert, minVersion: 'TLSv1.2' });
}

/** The key of a record's context: the leaf, and the bridge when it carries one. */
const contextKey = (r: CredentialRecord, bridged: boolean) =>
  bridged && r.bridge ? `${r.sha256}+${r.bridge.sha256}` : r.sha256;

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
      for (const bridged of r.bridge ? [false, true] : [false]) {
        const key = contextKey(r, bridged);
        next.set(key, next.get(key) ?? this.contexts.get(key) ?? buildSecureContext(r, bridged));
      }
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
    // The bridge, like T, is decided by the instant the ClientHello arrived: no timer, no reload.
    const bridged = bridgedAt(c.credential, now);
    return {
      context: this.contexts.get(contextKey(c.credential, bridged))!,
      sha256: c.credential.sha256,
      staged: isStaged,
      credentialIs: c.credentialIs,
      entry: c.entry,
      bridged,
    };
  }

  /**
   * What the preview listener serves: the staged credential when there is one, else the active; never
   * with a bridge, so a sender proves there that it trusts the new root itself.
   */
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
