import type { CredentialRecord } from '../lb/credential-record.js';
import type { ServePlan } from './serve-plan.js';

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
   * True when the data plane serves a credential record's bridge (`record.bridge`) after its chain
   * while the handshake's instant is before `bridge.until`, and the plain chain from then on, by its
   * own clock. Other drivers refuse a stage with bridges (NOT_YET).
   */
  readonly servesBridges?: boolean;
  /**
   * With `servesBridges`: true when the data plane drops a bridge at its deadline by its own clock
   * (nginx time mode); otherwise the agent acts at each deadline (`apply` the active credential again,
   * or hand the plan over again to `applyPlan`).
   */
  readonly bridgesByOwnClock?: boolean;
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
  /**
   * Data planes that choose per client address by their own clock (HAProxy routing by `src`, nginx
   * `geo` × `$msec`): makes the data plane serve the whole plan (both credentials, every step). Called
   * after every change of the slot or of the source exceptions, once persisted; idempotent. With it,
   * `prepare`, `apply` and `abort` do nothing: nothing needs to happen at T or at any `until`.
   * `batch`: a change of the table only, which a data plane that reloads may defer (nginx).
   */
  applyPlan?(virtualServer: string, plan: ServePlan, o: { batch: boolean }): Promise<void>;
  /** With `applyPlan`: when the last plan handed over is not applied yet (a batched reload), when it will be. */
  pendingUntil?(virtualServer: string): number | undefined;
  /** With `applyPlan`: reads back what the data plane holds and says whether it is this plan. */
  holds?(virtualServer: string, plan: ServePlan): Promise<boolean>;
}
