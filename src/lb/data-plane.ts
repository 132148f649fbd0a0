/**
 * The data plane's control side: the `DataPlane` a coordinator (or the `lb` CLI) drives — stage a
 * credential for T, unstage, activate now, roll back, report status. Every change is checked,
 * persisted atomically, and then published to the serving side (in this process, or to every
 * cluster worker) before it is acknowledged. Serving never waits on this: each handshake compares
 * its own arrival time with T.
 */
import type { CheckResult } from '../pki/checks.js';
import { readPrivateKey } from '../pki/keys.js';
import { assertProfileAllows, type TlsProfileStatus, tlsProfileStatus } from '../pki/tls-profile.js';
import { fail } from '../shared/errors.js';
import { formatHostPort, type HostPort } from '../shared/host-port.js';
import type { Clock } from '../shared/time.js';
import { stageWithBridges, unstageWithBridges, withForwardBridge } from './bridge-slot.js';
import type { LbConfig, VirtualServerConfig } from './config.js';
import { type CredentialRecord, checkedStageRecord, publicFacts } from './credential-record.js';
import type { Slot } from './slot.js';
import * as slots from './slot.js';
import { type CredentialFacts, type SlotStatus, slotStatus } from './slot-status.js';
import { type SlotChange, SlotTable, type VsEntry } from './slot-table.js';
import {
  changeTable,
  checkAutoGraceUntil,
  exchangeOf,
  isLive,
  parseCidr,
  type SourceException,
  type TableChange,
} from './source-exceptions.js';
import type { LbState } from './state-store.js';
import { buildSecureContext } from './tls-context.js';

/** A credential to stage, as PEM text (what the coordinator sends). */
export interface StageRequest {
  /** PKCS#8 private key, unencrypted. */
  keyPem: string;
  /** Leaf then intermediates. */
  certPem: string;
  /** The root the chain must build to (the announced new root). */
  rootPem: string;
  /** The exchange instant T. */
  activateAt: Date;
  /** How long after T it must stay valid (for example the rollback window). */
  validForMs?: number;
  /**
   * The renewal's grace policy: true when senders not proven keep the old credential after T (old
   * sessions may then resume until T + `validForMs`), false when nobody does (they end at T).
   */
  grace?: boolean | undefined;
  /** Bridges between the old and the new root (a renewal's `bridge: forward | both`). */
  bridges?: StageBridge | undefined;
  /**
   * The whole table of source exceptions and the automatic-fallback deadline to apply with the stage,
   * in the same step (one write, one publish): what a node that pulls its state is told with it.
   */
  exceptions?: WholeTable | undefined;
}

/** A whole table of source exceptions with the automatic-fallback deadline (ms; null: off). */
export interface WholeTable {
  entries: SourceException[];
  autoUntil: number | null;
}

/**
 * The bridges a stage serves: the staged credential with `forwardPem` (its root's name and key, issued
 * by the old root) from T until `until`; with `reversePem` (the active credential's root, issued by the
 * new root) the active credential from now until T — the same key, a chain-only change.
 */
export interface StageBridge {
  forwardPem: string;
  until: Date;
  reversePem?: string | undefined;
}

/** Public facts of a credential (no key). */
export type { CredentialFacts } from './slot-status.js';

/** What the serving side reports about one virtual server. */
export interface RuntimeFacts {
  listen?: string;
  preview?: string;
  backends: Array<{ url: string; up: boolean; lastError?: string }>;
  /** When the first handshake got the staged credential after T (ms), if one has. */
  firstStagedHandshakeAt?: number;
  openConnections?: number;
  /** Handshakes decided by each source exception, by CIDR. */
  exceptionHandshakes?: Record<string, number>;
}

/** A source exception as status reports it. */
export interface ExceptionStatus {
  cidr: string;
  serve: SourceException['serve'];
  /** The grace deadline (serve old), null for an early entry. */
  until: string | null;
  /** False once a grace entry's deadline has passed (it no longer decides anything). */
  live: boolean;
  /** Handshakes this entry decided since the node started. */
  handshakes: number;
  /** True when the node put the address into grace itself (automatic fallback). */
  auto: boolean;
}

/** The status of one virtual server. */
export type VirtualServerStatus = {
  name: string;
  hosts: string[];
  listen?: string;
  preview?: string;
  /** What the preview listener serves (the staged credential, else the active one); null without one. */
  previewServed?: CredentialFacts | null;
  backends: RuntimeFacts['backends'];
  /** The source exceptions (grace and early entries), most recent change applied. */
  exceptions?: ExceptionStatus[];
  /** Automatic fallback: until when a refused new certificate puts the client into grace (null: off). */
  autoGrace?: { until: string } | null;
  /** The TLS profile every context of this virtual server is built with (agents: the one they write or check). */
  tlsProfile?: TlsProfileStatus;
} & SlotStatus;

/** The status of the node. */
export interface DataPlaneStatus {
  clock: string;
  pid: number;
  workers: number;
  stateDir: string;
  control?: string;
  metrics?: string;
  virtualServers: VirtualServerStatus[];
}

/** The port a coordinator drives; the built-in data plane implements it, adapters will too. */
export interface DataPlane {
  stage(virtualServer: string, req: StageRequest): Promise<VirtualServerStatus>;
  unstage(virtualServer: string): Promise<VirtualServerStatus>;
  activate(virtualServer: string): Promise<VirtualServerStatus>;
  rollback(virtualServer: string): Promise<VirtualServerStatus>;
  /**
   * Changes the virtual server's source exceptions (add, remove, clear, or `replace` with the whole
   * desired table, which is what a coordinator sends); refused changes change nothing.
   */
  exceptions(virtualServer: string, change: TableChange): Promise<VirtualServerStatus>;
  /** Replaces the table and the fallback deadline in one step (where the plane can; else two changes). */
  applyTable?(virtualServer: string, table: WholeTable): Promise<VirtualServerStatus>;
  status(): Promise<DataPlaneStatus>;
}

/** The serving side as the control side sees it (in-process runtimes, or cluster workers). */
export interface ServingPort {
  /** Publishes a slot and its exceptions; resolves once every server builds its contexts from them. */
  apply(name: string, entry: VsEntry): Promise<void>;
  /** Reports listener addresses, backend health and the first post-T handshake. */
  facts(name: string): Promise<RuntimeFacts>;
}

/**
 * An entry with its table replaced and its fallback deadline set (checked against the old credential
 * of the exchange the slot is in, like the single changes; a refused one changes nothing).
 */
function withWholeTable(e: VsEntry, table: WholeTable, now: number): VsEntry {
  const notAfter = Date.parse((exchangeOf(e.slot)?.old ?? e.slot.active).notAfter);
  const { autoGraceUntil: _off, ...rest } = e;
  return {
    ...rest,
    exceptions: changeTable(e.exceptions, { op: 'replace', entries: table.entries }, now, notAfter),
    ...(table.autoUntil === null
      ? {}
      : { autoGraceUntil: checkAutoGraceUntil(table.autoUntil, now, notAfter) }),
  };
}

/** The built-in data plane's control side. */
export class NodeDataPlane implements DataPlane {
  private readonly table: SlotTable<VirtualServerConfig>;
  /** First post-T handshakes of swaps already folded into the active credential. */
  private swapHandshakes = new Map<string, number>();
  serving: ServingPort | undefined;
  /** Addresses of the control and metrics listeners, for status. */
  endpoints: { control?: HostPort; metrics?: HostPort } = {};

  constructor(
    private readonly config: LbConfig,
    state: LbState,
    private readonly clock: Clock,
    private readonly workers = 1,
  ) {
    this.table = new SlotTable({
      virtualServers: config.virtualServers,
      stateDir: config.stateDir,
      clock,
      state,
    });
  }

  /** The current slot of a virtual server. */
  slot(name: string): Slot<CredentialRecord> {
    return this.table.slot(name);
  }

  /** Every current slot by virtual-server name (what a new cluster worker starts from). */
  slots(): Readonly<Record<string, Slot<CredentialRecord>>> {
    return this.table.slots();
  }

  /** Names of the virtual servers. */
  names(): string[] {
    return this.table.names();
  }

  /** The source exceptions of a virtual server. */
  exceptionsOf(name: string): readonly SourceException[] {
    return this.table.exceptions(name);
  }

  /** Every table of source exceptions (what a new cluster worker starts from). */
  allExceptions(): Readonly<Record<string, readonly SourceException[]>> {
    return this.table.allExceptions();
  }

  /** Runs one change of the slot at a time: compute, persist, publish, re-arm the settle timer. */
  private async change(name: string, next: SlotChange): Promise<VirtualServerStatus> {
    return this.update(name, async (e, now) => ({ ...e, slot: await next(e.slot, now) }));
  }

  /** Runs one change of the slot and exceptions at a time: compute, persist, publish, re-arm. */
  private async update(
    name: string,
    next: (e: VsEntry, now: number) => VsEntry | Promise<VsEntry>,
  ): Promise<VirtualServerStatus> {
    await this.table.update(name, next, async ({ slot: before }, entry) => {
      const after = entry.slot;
      if (before.staged && after.active === before.staged.credential) {
        const first = (await this.serving?.facts(name))?.firstStagedHandshakeAt;
        if (first !== undefined) this.swapHandshakes.set(name, first);
      } else if (after.lastSwapAt !== before.lastSwapAt) {
        this.swapHandshakes.delete(name);
      }
      await this.serving?.apply(name, entry);
      this.scheduleSettle(name);
    });
    return this.statusOf(name);
  }

  /** Checks a credential for this virtual server at T; throws the first failing check. */
  checkStage(name: string, req: StageRequest): { record: CredentialRecord; checks: CheckResult[] } {
    const vs = this.table.vs(name);
    const { record: plain, checks } = checkedStageRecord(vs.hosts, req);
    checks.push(assertProfileAllows(vs.tls, readPrivateKey(plain.keyPem).info, checks));
    const record = withForwardBridge(plain, req.activateAt.getTime(), req.bridges);
    try {
      buildSecureContext(record, vs.tls, true);
    } catch (e) {
      fail('BAD_KEY', `the credential cannot be served: ${(e as Error).message}`);
    }
    return { record, checks };
  }

  async stage(name: string, req: StageRequest): Promise<VirtualServerStatus> {
    const { record: checked } = this.checkStage(name, req);
    const record = {
      ...checked,
      ...(req.validForMs !== undefined ? { rollbackWindowMs: req.validForMs } : {}),
      ...(req.grace !== undefined ? { grace: req.grace } : {}),
    };
    const at = req.activateAt.getTime();
    const table = req.exceptions;
    // The reverse bridge rides on the credential being replaced, from now until T.
    if (!table)
      return this.change(name, (s, now) => stageWithBridges(s, record, at, now, req.bridges?.reversePem));
    return this.update(name, async (e, now) => {
      const slot = await stageWithBridges(e.slot, record, at, now, req.bridges?.reversePem);
      return { ...withWholeTable({ ...e, slot }, table, now) };
    });
  }

  /** Replaces the table and the fallback deadline in one step (what a pulling node is told). */
  async applyTable(name: string, table: WholeTable): Promise<VirtualServerStatus> {
    return this.update(name, (e, now) => withWholeTable(e, table, now));
  }

  async unstage(name: string): Promise<VirtualServerStatus> {
    return this.change(name, (s, now) => unstageWithBridges(s, now));
  }

  async activate(name: string): Promise<VirtualServerStatus> {
    return this.change(name, (s, now) => slots.activate(s, now));
  }

  /** Goes back to the previous credential; the exchange is undone, so its exceptions go with it. */
  async rollback(name: string): Promise<VirtualServerStatus> {
    return this.update(name, (e, now) => ({ slot: slots.rollback(e.slot, now), exceptions: [] }));
  }

  async exceptions(name: string, change: TableChange): Promise<VirtualServerStatus> {
    return this.update(name, (e, now) => {
      const notAfter = Date.parse((exchangeOf(e.slot)?.old ?? e.slot.active).notAfter);
      if (change.op === 'auto') {
        const { autoGraceUntil: _off, ...rest } = e;
        return change.until === null
          ? rest
          : { ...rest, autoGraceUntil: checkAutoGraceUntil(change.until, now, notAfter) };
      }
      return { ...e, exceptions: changeTable(e.exceptions, change, now, notAfter) };
    });
  }

  private autoPending = new Set<string>();

  /**
   * Automatic fallback: a client at `client` refused the new certificate; while the policy is on, its
   * address gets a grace entry (marked auto) until the policy's deadline. Repeats while one is being
   * written are dropped; an address already in grace is left alone.
   */
  autoGrace(name: string, client: string): void {
    const key = `${name}\u0000${client}`;
    if (this.table.autoGraceUntil(name) === undefined || this.autoPending.has(key)) return;
    this.autoPending.add(key);
    this.update(name, (e, now) => {
      if (e.autoGraceUntil === undefined || now >= e.autoGraceUntil) return e;
      const cidr = parseCidr(client).cidr;
      if (e.exceptions.some((x) => x.cidr === cidr && x.serve === 'old' && isLive(x, now))) return e;
      const notAfter = Date.parse((exchangeOf(e.slot)?.old ?? e.slot.active).notAfter);
      const until = Math.min(e.autoGraceUntil, notAfter);
      const change: TableChange = { op: 'add', serve: 'old', cidrs: [cidr], until, auto: true };
      return { ...e, exceptions: changeTable(e.exceptions, change, now, notAfter) };
    })
      .catch(() => undefined)
      .finally(() => this.autoPending.delete(key));
  }

  /** The slot, exceptions and fallback policy of a virtual server (what a serving runtime starts from). */
  entry(name: string): VsEntry {
    return this.table.entry(name);
  }

  /** Every fallback deadline by virtual-server name (what a new cluster worker starts from). */
  allAutoGrace(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const n of this.names()) {
      const until = this.table.autoGraceUntil(n);
      if (until !== undefined) out[n] = until;
    }
    return out;
  }

  /** Folds a staged credential whose T has passed into the active one (persisted after T, off the hot path). */
  async settle(name: string): Promise<VirtualServerStatus> {
    return this.change(name, (s, now) => slots.settle(s, now));
  }

  /** Arms a timer that settles the slot a second after T. */
  scheduleSettle(name: string): void {
    const staged = this.slot(name).staged;
    this.table.arm(
      name,
      staged
        ? [
            {
              at: staged.activateAt + 1000,
              run: () => {
                if (this.slot(name).staged) void this.settle(name).catch(() => undefined);
              },
            },
          ]
        : [],
    );
  }

  /** Stops the settle timers. */
  close(): void {
    this.table.close();
  }

  private async statusOf(name: string): Promise<VirtualServerStatus> {
    const vs = this.table.vs(name);
    const now = this.clock.now();
    const slot = this.slot(name);
    const facts: RuntimeFacts = (await this.serving?.facts(name)) ?? { backends: [] };
    const pending = slot.staged && now >= slot.staged.activateAt;
    const swapAt = pending ? slot.staged!.activateAt : slot.lastSwapAt;
    const first = pending ? facts.firstStagedHandshakeAt : this.swapHandshakes.get(name);
    return {
      name,
      hosts: vs.hosts,
      ...(facts.listen ? { listen: facts.listen } : {}),
      ...(facts.preview ? { preview: facts.preview } : {}),
      ...slotStatus(slot, now, swapAt === undefined ? undefined : { at: swapAt, firstHandshakeAt: first }),
      previewServed: vs.preview ? publicFacts(slot.staged?.credential ?? slot.active) : null,
      backends: facts.backends,
      exceptions: this.exceptionsOf(name).map((e) => ({
        cidr: e.cidr,
        serve: e.serve,
        until: e.until === undefined ? null : new Date(e.until).toISOString(),
        live: isLive(e, now),
        handshakes: facts.exceptionHandshakes?.[e.cidr] ?? 0,
        auto: e.auto === true,
      })),
      autoGrace: (() => {
        const until = this.table.autoGraceUntil(name);
        return until === undefined ? null : { until: new Date(until).toISOString() };
      })(),
      tlsProfile: tlsProfileStatus(vs.tls),
    };
  }

  async status(): Promise<DataPlaneStatus> {
    return {
      clock: new Date(this.clock.now()).toISOString(),
      pid: process.pid,
      workers: this.workers,
      stateDir: this.config.stateDir,
      ...(this.endpoints.control ? { control: `http://${formatHostPort(this.endpoints.control)}` } : {}),
      ...(this.endpoints.metrics
        ? { metrics: `http://${formatHostPort(this.endpoints.metrics)}/metrics` }
        : {}),
      virtualServers: await Promise.all(this.names().map((n) => this.statusOf(n))),
    };
  }
}
