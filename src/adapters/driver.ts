import type { CredentialRecord } from '../lb/credential-record.js';

/**
 * What a data plane that swaps by an action at T (HAProxy, nginx) must do; the shared
 * {@link TimedDataPlane} decides when. Owned here, by the code that drives it.
 */
export interface SwapDriver {
  /** The data plane's kind, for status and logs. */
  readonly kind: string;
  /**
   * True when the data plane itself switches at T once prepared (nothing needs to happen at T): then
   * `prepare` runs as soon as a credential is staged, not shortly before T.
   */
  readonly prepareAtStage?: boolean;
  /**
   * Ahead of T: get everything ready so the action at T is as short as possible (may be a no-op).
   * `current` is what the data plane serves until T.
   */
  prepare(
    virtualServer: string,
    next: CredentialRecord,
    at: { activateAt: number; current: CredentialRecord },
  ): Promise<void>;
  /** At T (or now, for activate and rollback): make the data plane serve `next`. */
  apply(virtualServer: string, next: CredentialRecord): Promise<void>;
  /** Undo `prepare` when a staged credential is withdrawn or replaced. */
  abort(virtualServer: string): Promise<void>;
  /**
   * The SHA-256 of the leaf the data plane serves now. `known` are the credentials this agent handed
   * it (active, staged, previous), for data planes that report a certificate by another digest.
   */
  served(virtualServer: string, known: CredentialRecord[]): Promise<string | undefined>;
}
