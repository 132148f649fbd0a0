/**
 * The serving side of a credential slot: secure contexts built ahead of time, and the per-handshake
 * choice by the instant the ClientHello arrived. Switching is a comparison with T, never a reload,
 * so no timer has to fire on time and every worker switches by its own clock.
 */
import { createSecureContext, type SecureContext } from 'node:tls';
import type { CredentialRecord } from './credential-record.js';
import type { Slot } from './slot.js';

/** What one handshake gets. */
export interface ContextChoice {
  context: SecureContext;
  sha256: string;
  /** True when this is the staged credential chosen because T has passed. */
  staged: boolean;
}

/** Builds a server secure context from a record. */
export function buildSecureContext(r: CredentialRecord): SecureContext {
  // Leaf + intermediates only; the root stays out of the handshake as clients must hold it already.
  return createSecureContext({ key: r.keyPem, cert: r.certPem, minVersion: 'TLSv1.2' });
}

/** A slot's prebuilt contexts. `apply` is called when the slot changes (stage, rollback…). */
export class ContextSlot {
  private contexts = new Map<string, SecureContext>();
  private active!: ContextChoice;
  private staged: ContextChoice | undefined;
  private activateAt = Number.POSITIVE_INFINITY;
  /** When the first handshake got the staged credential after T (ms), for the lateness figure. */
  firstStagedHandshakeAt: number | undefined;

  constructor(slot: Slot<CredentialRecord>) {
    this.apply(slot);
  }

  /** Replaces the slot; contexts of unchanged credentials are reused, new ones built now. */
  apply(slot: Slot<CredentialRecord>): void {
    const next = new Map<string, SecureContext>();
    const get = (r: CredentialRecord): SecureContext => {
      const c = next.get(r.sha256) ?? this.contexts.get(r.sha256) ?? buildSecureContext(r);
      next.set(r.sha256, c);
      return c;
    };
    const active = { context: get(slot.active), sha256: slot.active.sha256, staged: false };
    const staged = slot.staged
      ? { context: get(slot.staged.credential), sha256: slot.staged.credential.sha256, staged: true }
      : undefined;
    const activateAt = slot.staged ? slot.staged.activateAt : Number.POSITIVE_INFINITY;
    if (activateAt !== this.activateAt || staged?.sha256 !== this.staged?.sha256) {
      this.firstStagedHandshakeAt = undefined;
    }
    this.contexts = next;
    this.active = active;
    this.staged = staged;
    this.activateAt = activateAt;
  }

  /** The context for a ClientHello that arrived at `now` (ms): from T on, the staged one. */
  choose(now: number): ContextChoice {
    if (now >= this.activateAt) {
      if (this.firstStagedHandshakeAt === undefined) this.firstStagedHandshakeAt = now;
      return this.staged!;
    }
    return this.active;
  }

  /** What the preview listener serves: the staged credential when there is one, else the active. */
  preview(): ContextChoice {
    return this.staged ?? this.active;
  }

  /** T in ms, or undefined when nothing is staged. */
  stagedActivateAt(): number | undefined {
    return this.staged ? this.activateAt : undefined;
  }
}
