import type { Logger } from 'pino';
import { stageWithBridges, unstageWithBridges, withForwardBridge } from '../lb/bridge-slot.js';
import { type CredentialRecord, checkedStageRecord } from '../lb/credential-record.js';
import type { DataPlane, DataPlaneStatus, StageRequest, VirtualServerStatus } from '../lb/data-plane.js';
import type { Slot } from '../lb/slot.js';
import * as slots from '../lb/slot.js';
import { slotStatus } from '../lb/slot-status.js';
import { SlotTable, type VsEntry } from '../lb/slot-table.js';
import {
  changeTable,
  checkAutoGraceUntil,
  chooseFor,
  ExceptionIndex,
  exchangeOf,
  isLive,
  parseCidr,
  type SourceException,
  shouldAutoGrace,
  type TableChange,
} from '../lb/source-exceptions.js';
import { readState } from '../lb/state-store.js';
import { readPrivateKey } from '../pki/keys.js';
import { assertProfileAllows, type TlsPolicy, tlsProfileStatus } from '../pki/tls-profile.js';
import { fail } from '../shared/errors.js';
import type { Clock } from '../shared/time.js';
import type { SwapDriver } from './driver.js';
import { servePlan } from './serve-plan.js';

/** One virtual server as an adapter knows it. */
export interface AdapterVirtualServer {
  name: string;
  hosts: string[];
  /** The listener senders connect to, for status. */
  listen?: string;
  /** The TLS profile the proxy serves it with (written or documented by the agent): staging checks the key. */
  tls?: TlsPolicy;
}

/** The last swap as measured: T, when the data plane was told, and when an observer first saw the new leaf. */
interface SwapRecord {
  at: number;
  appliedAt: number;
  observedAt?: number;
  /** True when the swap happened after T because this agent was not running at T. */
  late?: boolean;
}

/**
 * A `DataPlane` for data planes that swap by an action at T rather than per handshake (HAProxy's
 * Runtime API commit, nginx's graceful reload). It keeps the same slot rules and state file as the
 * built-in node, checks a credential before staging it, prepares ahead of T, acts at T by its own
 * clock (no coordinator on the critical path), then observes the result and records the lateness.
 * The slots, their persistence, the timers and the status projection are the shared engine's
 * (../lb/slot-table.ts); this class keeps only how a swap is acted on and measured.
 * Restarted after T, it applies the staged credential at once and reports the swap as late.
 */
export class TimedDataPlane implements DataPlane {
  private readonly table: SlotTable<AdapterVirtualServer>;
  private swaps = new Map<string, SwapRecord>();

  constructor(
    private readonly o: {
      driver: SwapDriver;
      virtualServers: AdapterVirtualServer[];
      stateDir: string;
      clock: Clock;
      /** The credential each virtual server serves on first start (from its config). */
      initial: Record<string, CredentialRecord>;
      /** How long before T `prepare` runs (default 2 s). */
      prepareLeadMs?: number;
      log?: Logger;
      /**
       * The virtual servers whose refused handshakes the agent hears (HAProxy's error log over UDP,
       * nginx's error log file) and feeds to `autoGrace`: for them `op: "auto"` is accepted.
       */
      fallback?: readonly string[];
    },
  ) {
    this.table = new SlotTable({ virtualServers: o.virtualServers, stateDir: o.stateDir, clock: o.clock });
  }

  /** Loads or initialises the state, catches up on a T that passed while down, and arms the timers. */
  async start(): Promise<void> {
    const saved = await readState(this.o.stateDir);
    const loaded: Record<string, Slot<CredentialRecord>> = {};
    for (const vs of this.o.virtualServers) {
      const slot = saved?.virtualServers[vs.name];
      const initial = this.o.initial[vs.name];
      if (slot) loaded[vs.name] = slot;
      else if (initial) loaded[vs.name] = { active: initial };
      else fail('BAD_ARGUMENT', `virtual server "${vs.name}" has no credential and no saved state`);
    }
    // A restarted agent keeps its table of source exceptions (grace and early entries).
    const kept: Record<string, SourceException[]> = {};
    for (const vs of this.o.virtualServers) {
      const t = saved?.exceptions?.[vs.name];
      if (t && loaded[vs.name] === saved?.virtualServers[vs.name]) kept[vs.name] = t;
    }
    await this.table.reset(loaded, kept);
    // reset() starts without fallback deadlines: restore the saved ones.
    for (const vs of this.o.virtualServers) {
      const until = saved?.autoGrace?.[vs.name];
      if (until !== undefined && this.hearsFailures(vs.name) && kept[vs.name] !== undefined)
        await this.table.update(vs.name, (e) => ({ ...e, autoGraceUntil: until }));
    }
    for (const vs of this.o.virtualServers) {
      const slot = this.slot(vs.name);
      const now = this.o.clock.now();
      // A data plane choosing by its own clock is told the whole plan again (idempotent): it may have
      // been restarted from files, or the agent stopped between persisting a change and applying it.
      await this.publish(vs.name, this.table.entry(vs.name));
      if (slot.staged && now >= slot.staged.activateAt && this.o.driver.applyPlan) {
        // A data plane that chooses by its own clock switched at T without the agent (it held the
        // plan since staging): settle the slot, nothing was late.
        const at = slot.staged.activateAt;
        await this.table.change(vs.name, async (s) => slots.settle(s, at), this.publishTo(vs.name));
        this.arm(vs.name);
      } else if (slot.staged && now >= slot.staged.activateAt) {
        await this.swap(vs.name, true);
        this.arm(vs.name);
      } else if (this.o.driver.applyPlan) {
        this.arm(vs.name);
      } else {
        const observed = await this.o.driver
          .served(vs.name, this.table.known(vs.name))
          .catch(() => undefined);
        // The leaf alone does not tell whether a bridge is served: a record with one is applied
        // again (with the bridge while it lasts, without it after its deadline passed while down).
        if (observed !== slot.active.sha256 || (slot.active.bridge && this.o.driver.servesBridges))
          await this.o.driver.apply(vs.name, slot.active);
        await this.prepareAtStage(vs.name);
        this.arm(vs.name);
      }
    }
  }

  /** For a data plane that switches by itself at T: prepare it now, before staging is acknowledged. */
  private async prepareAtStage(name: string): Promise<void> {
    const s = this.slot(name);
    if (!this.o.driver.prepareAtStage || !s.staged) return;
    await this.o.driver.prepare(name, s.staged.credential, {
      activateAt: s.staged.activateAt,
      current: s.active,
    });
  }

  /** Hands a data plane that chooses per client address the plan of a changed slot or table. */
  private async publish(name: string, after: VsEntry, batch = false): Promise<void> {
    await this.o.driver.applyPlan?.(name, servePlan(after.slot, after.exceptions), { batch });
  }

  /** `publish` as the engine calls it after persisting a change of `name`. */
  private publishTo(name: string) {
    return (_before: VsEntry, after: VsEntry) => this.publish(name, after);
  }

  /** Cancels every timer. */
  close(): void {
    this.table.close();
  }

  private slot(name: string): Slot<CredentialRecord> {
    return this.table.slot(name);
  }

  /**
   * For a data plane that does not drop a bridge by its own clock: at each bridge deadline ahead, the
   * credential then active is applied again (or the plan handed over again), now without its bridge.
   */
  private bridgeActions(name: string): Array<{ at: number; run: () => void }> {
    if (!this.o.driver.servesBridges || this.o.driver.bridgesByOwnClock) return [];
    const s = this.slot(name);
    const now = this.o.clock.now();
    const ends = [s.active.bridge?.until, s.staged?.credential.bridge?.until].filter(
      (x): x is number => x !== undefined && x > now && x !== s.staged?.activateAt,
    );
    return [...new Set(ends)].map((at) => ({
      at,
      run: () => {
        const active = this.slot(name).active;
        if (!this.o.driver.applyPlan && active.bridge?.until !== at) return;
        (this.o.driver.applyPlan
          ? this.publish(name, this.table.entry(name))
          : this.o.driver.apply(name, active)
        )
          .then(() => this.o.log?.info({ vs: name }, 'bridge deadline: serving the chain without the bridge'))
          .catch((e) =>
            this.o.log?.error({ err: e, vs: name }, 'dropping the bridge at its deadline failed'),
          );
      },
    }));
  }

  private arm(name: string): void {
    const staged = this.slot(name).staged;
    if (!staged) {
      this.table.arm(name, this.bridgeActions(name));
      return;
    }
    const lead = this.o.prepareLeadMs ?? 2000;
    const current = this.slot(name).active;
    // A data plane that switches by itself at T was prepared when the credential was staged.
    const prepare = this.o.driver.prepareAtStage
      ? []
      : [
          {
            at: staged.activateAt - lead,
            run: () => {
              this.o.driver
                .prepare(name, staged.credential, { activateAt: staged.activateAt, current })
                .catch((e) =>
                  this.o.log?.warn({ err: e, vs: name }, 'prepare failed; the swap at T will do it all'),
                );
            },
          },
        ];
    this.table.arm(name, [
      ...prepare,
      ...this.bridgeActions(name),
      {
        at: staged.activateAt,
        run: () => {
          this.swap(name, false).catch((e) =>
            this.o.log?.error({ err: e, vs: name }, 'the swap at T failed'),
          );
        },
      },
    ]);
  }

  /** Applies the staged credential (at T, or late after a restart), observes it, then settles the slot. */
  private async swap(name: string, late: boolean): Promise<void> {
    const staged = this.slot(name).staged;
    if (!staged) return;
    await this.o.driver.apply(name, staged.credential);
    const record: SwapRecord = {
      at: staged.activateAt,
      appliedAt: this.o.clock.now(),
      ...(late ? { late } : {}),
    };
    this.swaps.set(name, record);
    const observedAt = await this.observe(name, staged.credential.sha256);
    if (observedAt !== undefined) record.observedAt = observedAt;
    this.o.log?.info(
      { vs: name, latenessMs: (record.observedAt ?? record.appliedAt) - record.at, late },
      'swapped at T',
    );
    await this.table.change(
      name,
      async (s, now) => slots.settle(s, Math.max(now, staged.activateAt)),
      this.publishTo(name),
    );
  }

  /**
   * Polls what the data plane serves until it has been `sha256` in every observation for 250 ms (a
   * graceful reload lets old workers accept for a moment after new ones start); returns when that run
   * began, which is when the swap took effect. Gives up after 10 s.
   */
  private async observe(name: string, sha256: string): Promise<number | undefined> {
    const deadline = this.o.clock.now() + 10_000;
    let runStart: number | undefined;
    while (this.o.clock.now() < deadline) {
      const seen = await this.o.driver.served(name, this.table.known(name)).catch(() => undefined);
      const now = this.o.clock.now();
      if (seen !== sha256) runStart = undefined;
      else {
        runStart ??= now;
        if (now - runStart >= 250) return runStart;
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    this.o.log?.error(
      { vs: name, sha256 },
      'the data plane does not serve the new credential 10 s after the swap',
    );
    return undefined;
  }

  async stage(name: string, req: StageRequest): Promise<VirtualServerStatus> {
    if (req.bridges && !this.o.driver.servesBridges)
      fail(
        'NOT_YET',
        `the ${this.o.driver.kind} agent does not serve bridge certificates yet: plan the renewal without a bridge for this data plane, or serve it on the built-in LB or nginx`,
      );
    const vs = this.table.vs(name);
    const { record: plain, checks } = checkedStageRecord(vs.hosts, req);
    if (vs.tls) assertProfileAllows(vs.tls, readPrivateKey(plain.keyPem).info, checks);
    const at = req.activateAt.getTime();
    const record = withForwardBridge(plain, at, req.bridges);
    await this.table.change(
      name,
      async (s, now) => {
        if (s.staged) await this.o.driver.abort(name);
        return stageWithBridges(s, record, at, now, req.bridges?.reversePem);
      },
      this.publishTo(name),
    );
    // The reverse bridge is a chain-only change of what is served now: applied at once.
    if (req.bridges?.reversePem && !this.o.driver.applyPlan && this.o.clock.now() < at)
      await this.o.driver.apply(name, this.slot(name).active);
    const staged = this.slot(name).staged;
    if (staged && this.o.clock.now() >= staged.activateAt) {
      await this.swap(name, false);
      this.arm(name);
    } else {
      await this.prepareAtStage(name);
      this.arm(name);
    }
    return this.statusOf(name);
  }

  async unstage(name: string): Promise<VirtualServerStatus> {
    const before = this.slot(name).active;
    await this.table.change(
      name,
      async (s, now) => {
        const next = unstageWithBridges(s, now);
        await this.o.driver.abort(name);
        return next;
      },
      this.publishTo(name),
    );
    // A withdrawn reverse bridge leaves the chain being served now.
    if (before.bridge && !this.slot(name).active.bridge && !this.o.driver.applyPlan)
      await this.o.driver.apply(name, this.slot(name).active);
    this.arm(name);
    return this.statusOf(name);
  }

  async activate(name: string): Promise<VirtualServerStatus> {
    return this.switchNow(name, slots.activate);
  }

  async rollback(name: string): Promise<VirtualServerStatus> {
    return this.switchNow(name, slots.rollback);
  }

  /** Activate and rollback: a slot change applied to the data plane at once, then observed. */
  private async switchNow(
    name: string,
    transition: (s: Slot<CredentialRecord>, now: number) => Slot<CredentialRecord>,
  ): Promise<VirtualServerStatus> {
    await this.table.update(
      name,
      async (e, now) => {
        const next = transition(e.slot, now);
        // No abort first: every driver's apply replaces whatever it had prepared for another credential.
        await this.o.driver.apply(name, next.active);
        this.swaps.set(name, { at: now, appliedAt: this.o.clock.now() });
        // A rollback undoes the exchange, so its exceptions go with it (as on the built-in node).
        return { ...e, slot: next, exceptions: transition === slots.rollback ? [] : e.exceptions };
      },
      this.publishTo(name),
    );
    this.arm(name);
    const swap = this.swaps.get(name)!;
    const seen = await this.observe(name, this.slot(name).active.sha256);
    if (seen !== undefined) swap.observedAt = seen;
    return this.statusOf(name);
  }

  /**
   * Source exceptions, on a data plane that chooses per client address by its own clock (HAProxy in
   * `route` mode, nginx in `time` mode); others answer NOT_YET. The agent does no automatic fallback
   * (`op: "auto"` is NOT_YET): these planes fall back only when the coordinator sends a new table.
   */
  async exceptions(name: string, change: TableChange): Promise<VirtualServerStatus> {
    if (!this.o.driver.applyPlan) {
      return fail(
        'NOT_YET',
        `the ${this.o.driver.kind} agent applies source exceptions (grace, early) only when it chooses per client address (HAProxy: haproxyMode route; nginx: nginxMode time); the built-in data plane (rollover lb run) always does`,
      );
    }
    if (change.op === 'auto' && !this.hearsFailures(name)) {
      return fail(
        'NOT_YET',
        `this ${this.o.driver.kind} agent does no automatic fallback for "${name}": it needs the data plane's error log (HAProxy route mode: failureLog; nginx time mode: the virtual server's errorLog; docs/adapters.md) — without it, grace entries come only from the coordinator's table`,
      );
    }
    await this.table.update(
      name,
      (e, now) => {
        const notAfter = Date.parse((exchangeOf(e.slot)?.old ?? e.slot.active).notAfter);
        if (change.op === 'auto') {
          const { autoGraceUntil: _off, ...rest } = e;
          return change.until === null
            ? rest
            : { ...rest, autoGraceUntil: checkAutoGraceUntil(change.until, now, notAfter) };
        }
        return { ...e, exceptions: changeTable(e.exceptions, change, now, notAfter) };
      },
      (_before, after) => this.publish(name, after, true),
    );
    return this.statusOf(name);
  }

  private autoPending = new Set<string>();

  private hearsFailures(name: string): boolean {
    return this.o.fallback?.includes(name) ?? false;
  }

  /**
   * Automatic fallback, as on the built-in node: the data plane reported that `client` refused the
   * certificate it was served (`reason` from its alert). While the policy is on and the address was
   * served the new credential without a live grace entry, it gets a grace entry (marked auto) until
   * the policy's deadline. Repeats while one is being written are dropped.
   */
  autoGrace(name: string, client: string, reason: string): void {
    if (!this.hearsFailures(name)) return;
    const key = `${name}\u0000${client}`;
    if (this.table.autoGraceUntil(name) === undefined || this.autoPending.has(key)) return;
    this.autoPending.add(key);
    this.table
      .update(
        name,
        (e, now) => {
          if (e.autoGraceUntil === undefined || now >= e.autoGraceUntil) return e;
          const choice = chooseFor(e.slot, new ExceptionIndex(e.exceptions), now, client);
          if (!shouldAutoGrace({ ...choice, reason }, e.autoGraceUntil, now)) return e;
          const cidr = parseCidr(client).cidr;
          const notAfter = Date.parse((exchangeOf(e.slot)?.old ?? e.slot.active).notAfter);
          const until = Math.min(e.autoGraceUntil, notAfter);
          const change: TableChange = { op: 'add', serve: 'old', cidrs: [cidr], until, auto: true };
          this.o.log?.warn(
            { vs: name, client, reason },
            'a client refused the new certificate: put into grace',
          );
          return { ...e, exceptions: changeTable(e.exceptions, change, now, notAfter) };
        },
        (_before, after) => this.publish(name, after, true),
      )
      .catch((err) => this.o.log?.error({ err, vs: name, client }, 'automatic fallback failed'))
      .finally(() => this.autoPending.delete(key));
  }

  private async statusOf(name: string): Promise<
    VirtualServerStatus & {
      kind: string;
      observedSha256: string | null;
      lateSwap: boolean;
      exceptionsPendingUntil?: string | null;
      exceptionsApplied?: boolean | null;
    }
  > {
    const vs = this.table.vs(name);
    const slot = this.slot(name);
    const now = this.o.clock.now();
    const swap = this.swaps.get(name);
    const observed = await this.o.driver.served(name, this.table.known(name)).catch(() => undefined);
    return {
      name,
      hosts: vs.hosts,
      ...(vs.listen ? { listen: vs.listen } : {}),
      kind: this.o.driver.kind,
      ...slotStatus(slot, now, swap && { at: swap.at, firstHandshakeAt: swap.observedAt }),
      observedSha256: observed ?? null,
      lateSwap: swap?.late ?? false,
      backends: [],
      ...(vs.tls ? { tlsProfile: tlsProfileStatus(vs.tls) } : {}),
      ...(this.o.driver.applyPlan ? this.exceptionStatus(name, now) : {}),
      ...(this.o.driver.holds
        ? {
            exceptionsApplied: await this.o.driver
              .holds(name, servePlan(slot, this.table.exceptions(name)))
              .catch(() => null),
          }
        : {}),
    };
  }

  /**
   * The table this agent has handed its data plane, in the built-in node's shape. The data plane does
   * not count handshakes per entry (always 0); `exceptionsPendingUntil` is set while a batched reload
   * has yet to apply the latest table; `exceptionsApplied` is read back from the data plane (HAProxy:
   * the map and both certificates; nginx: the include on disk, nothing pending), null when unreadable.
   */
  private exceptionStatus(name: string, now: number) {
    const pending = this.o.driver.pendingUntil?.(name);
    return {
      exceptions: this.table.exceptions(name).map((e) => ({
        cidr: e.cidr,
        serve: e.serve,
        until: e.until === undefined ? null : new Date(e.until).toISOString(),
        live: isLive(e, now),
        handshakes: 0,
        auto: e.auto === true,
      })),
      autoGrace: (() => {
        const until = this.table.autoGraceUntil(name);
        return until === undefined ? null : { until: new Date(until).toISOString() };
      })(),
      exceptionsPendingUntil: pending === undefined ? null : new Date(pending).toISOString(),
    };
  }

  async status(): Promise<DataPlaneStatus> {
    return {
      clock: new Date(this.o.clock.now()).toISOString(),
      pid: process.pid,
      workers: 1,
      stateDir: this.o.stateDir,
      virtualServers: await Promise.all(this.table.names().map((n) => this.statusOf(n))),
    };
  }
}
