/**
 * The engine every data plane shares (the built-in node and the HAProxy/nginx agents): each virtual
 * server's credential slot, looked up by name, changed one change at a time, persisted atomically
 * before anything acts on it, and the timers a driver arms at instants of a slot (T, T + 1 s…).
 * The drivers keep only what differs: how a slot reaches the serving side and how a swap is measured.
 */
import { fail } from '../shared/errors.js';
import type { Clock } from '../shared/time.js';
import { atInstant, type Scheduled } from './at-instant.js';
import type { CredentialRecord } from './credential-record.js';
import type { Slot } from './slot.js';
import type { SourceException } from './source-exceptions.js';
import { type LbState, writeState } from './state-store.js';

/** A virtual server as the engine needs it. */
export interface NamedVirtualServer {
  name: string;
  hosts: string[];
}

/** A slot of served credentials. */
export type CredentialSlot = Slot<CredentialRecord>;

/** Computes the next slot from the current one at `now` (may act on the data plane first). */
export type SlotChange = (slot: CredentialSlot, now: number) => CredentialSlot | Promise<CredentialSlot>;

/** What the engine keeps per virtual server: the slot and its source exceptions, persisted together. */
export interface VsEntry {
  slot: CredentialSlot;
  exceptions: readonly SourceException[];
  /** Until when a failed handshake with the new credential graces its address by itself (off when absent). */
  autoGraceUntil?: number | undefined;
}

/** Computes the next entry from the current one at `now`. */
export type EntryChange = (entry: VsEntry, now: number) => VsEntry | Promise<VsEntry>;

/** The slots of a node's virtual servers, with serialised, persisted changes. */
export class SlotTable<V extends NamedVirtualServer> {
  private chain: Promise<unknown> = Promise.resolve();
  private timers = new Map<string, Scheduled[]>();
  private state: LbState;

  constructor(
    private readonly o: {
      virtualServers: readonly V[];
      stateDir: string;
      clock: Clock;
      /** The state as loaded (and already persisted) at start; empty until `reset` otherwise. */
      state?: LbState;
    },
  ) {
    this.state = o.state ?? { version: 1, virtualServers: {} };
  }

  /** Names of the virtual servers. */
  names(): string[] {
    return this.o.virtualServers.map((v) => v.name);
  }

  /** A virtual server by name; NOT_FOUND names the ones there are. */
  vs(name: string): V {
    const v = this.o.virtualServers.find((x) => x.name === name);
    if (!v) {
      fail('NOT_FOUND', `no virtual server is named "${name}" (this node has ${this.names().join(', ')})`);
    }
    return v;
  }

  /** The current slot of a virtual server. */
  slot(name: string): CredentialSlot {
    const s = this.state.virtualServers[this.vs(name).name];
    if (!s) fail('NOT_FOUND', `virtual server "${name}" has no credential yet`);
    return s;
  }

  /** The source exceptions of a virtual server (empty when it has none). */
  exceptions(name: string): readonly SourceException[] {
    return this.state.exceptions?.[this.vs(name).name] ?? [];
  }

  /** The automatic-fallback deadline of a virtual server (ms), if on. */
  autoGraceUntil(name: string): number | undefined {
    return this.state.autoGrace?.[this.vs(name).name];
  }

  /** The slot, exceptions and fallback policy of a virtual server. */
  entry(name: string): VsEntry {
    const until = this.autoGraceUntil(name);
    return {
      slot: this.slot(name),
      exceptions: this.exceptions(name),
      ...(until !== undefined ? { autoGraceUntil: until } : {}),
    };
  }

  /** Every table of source exceptions by virtual-server name. */
  allExceptions(): Readonly<Record<string, readonly SourceException[]>> {
    return this.state.exceptions ?? {};
  }

  /** Every slot by virtual-server name (the live object: read, never change it). */
  slots(): Readonly<Record<string, CredentialSlot>> {
    return this.state.virtualServers;
  }

  /** The credentials a virtual server knows: active, staged, previous. */
  known(name: string): CredentialRecord[] {
    const s = this.slot(name);
    return [s.active, ...(s.staged ? [s.staged.credential] : []), ...(s.previous ? [s.previous] : [])];
  }

  /** Replaces every slot (and table of exceptions) at start (persisted first). */
  async reset(
    slots: Record<string, CredentialSlot>,
    exceptions: Record<string, SourceException[]> = {},
  ): Promise<void> {
    const next: LbState = {
      version: 1,
      virtualServers: { ...slots },
      exceptions: { ...exceptions },
      autoGrace: {},
    };
    await writeState(this.o.stateDir, next);
    this.state = next;
  }

  /**
   * Runs one change at a time: computes the next slot, persists it (a failure changes nothing), then
   * `publish`es it to the serving side before the change resolves.
   */
  async change(
    name: string,
    fn: SlotChange,
    publish?: (before: VsEntry, after: VsEntry) => Promise<void>,
  ): Promise<CredentialSlot> {
    const after = await this.update(name, async (e, now) => ({ ...e, slot: await fn(e.slot, now) }), publish);
    return after.slot;
  }

  /** As `change`, for the slot and its source exceptions together (one atomic write for both). */
  update(
    name: string,
    fn: EntryChange,
    publish?: (before: VsEntry, after: VsEntry) => Promise<void>,
  ): Promise<VsEntry> {
    const run = async () => {
      const before = this.entry(name);
      const after = await fn(before, this.o.clock.now());
      const { [name]: _off, ...autoGrace } = this.state.autoGrace ?? {};
      const next: LbState = {
        ...this.state,
        virtualServers: { ...this.state.virtualServers, [name]: after.slot },
        exceptions: { ...this.state.exceptions, [name]: [...after.exceptions] },
        autoGrace:
          after.autoGraceUntil === undefined ? autoGrace : { ...autoGrace, [name]: after.autoGraceUntil },
      };
      await writeState(this.o.stateDir, next);
      this.state = next;
      await publish?.(before, after);
      return after;
    };
    const p = this.chain.then(run, run);
    this.chain = p.catch(() => undefined);
    return p;
  }

  /** Replaces a virtual server's timers with `actions`, each run once the clock reaches its instant. */
  arm(name: string, actions: Array<{ at: number; run: () => void }>): void {
    for (const t of this.timers.get(name) ?? []) t.cancel();
    if (actions.length === 0) this.timers.delete(name);
    else
      this.timers.set(
        name,
        actions.map((a) => atInstant(this.o.clock, a.at, a.run)),
      );
  }

  /** Cancels every timer. */
  close(): void {
    for (const list of this.timers.values()) for (const t of list) t.cancel();
    this.timers.clear();
  }
}
