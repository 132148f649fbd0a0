import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../files/atomic.js';
import type { CredentialRecord } from '../../lb/credential-record.js';
import { fail } from '../../shared/errors.js';
import type { SwapDriver } from '../driver.js';
import { observeListener } from '../observe.js';
import type { ServePlan } from '../serve-plan.js';
import { msecAtLeast } from './msec-regex.js';

/** One virtual server of an nginx that switches by time. */
export interface TimeSwitchVirtualServer {
  /** The directory holding `NAME.map` and one `NAME-<sha>.crt`/`.key` pair per credential. */
  dir: string;
  /** `UID:GID` of nginx's worker user, which reads the files on every handshake. */
  fileOwner?: string;
  host: string;
  port: number;
  servername?: string;
}

/** The nginx variable a virtual server's map sets: `$rollover_<name>`. */
export function slotVariable(name: string): string {
  return `rollover_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
}

/** The map include for a virtual server: `current` until `next.at`, then `next`. */
export function mapFile(name: string, current: string, next?: { slot: string; at: number }): string {
  const lines = [
    '# Written by rollover lb agent: which credential a handshake gets, by the time it arrives.',
    `map $msec $${slotVariable(name)} {`,
    `    default ${current};`,
    ...(next
      ? [`    "~${msecAtLeast(next.at)}" ${next.slot};  # from ${new Date(next.at).toISOString()}`]
      : []),
    '}',
    '',
  ];
  return lines.join('\n');
}

/** The nginx variable a virtual server's `geo` sets: the step class of the client address. */
export function stepVariable(name: string): string {
  return `${slotVariable(name)}__step`;
}

/**
 * The include for a plan (src/adapters/serve-plan.ts): a `geo` gives each client address the class
 * of its step (the instant it gets the new credential), a `map` on "class|$msec" compares nginx's
 * clock with that step. Outside an exchange, the plain map of one credential.
 */
export function planMapFile(name: string, plan: ServePlan): string {
  if (plan.old.bridge || plan.new.bridge) return bridgedMapFile(name, plan);
  const oldSlot = NginxTimeSwitchDriver.slot(plan.old);
  const newSlot = NginxTimeSwitchDriver.slot(plan.new);
  if (oldSlot === newSlot) return mapFile(name, newSlot);
  if (plan.entries.length === 0) return mapFile(name, oldSlot, { slot: newSlot, at: plan.from });
  const steps = [...new Set([plan.from, ...plan.entries.map((e) => e.from)])];
  const cls = new Map(steps.map((s, i) => [s, `s${i}`]));
  const when = (ms: number) => (ms === 0 ? 'always' : `from ${new Date(ms).toISOString()}`);
  return [
    '# Written by rollover lb agent: which credential a handshake gets, by client address and time.',
    `geo $remote_addr $${stepVariable(name)} {`,
    `    default ${cls.get(plan.from)};`,
    ...plan.entries.map((e) => `    ${e.cidr} ${cls.get(e.from)};`),
    '}',
    `map "$${stepVariable(name)}|$msec" $${slotVariable(name)} {`,
    `    default ${oldSlot};`,
    ...steps.map((s) => {
      const re = s === 0 ? `^${cls.get(s)}\\|` : `^${cls.get(s)}\\|${msecAtLeast(s).slice(1)}`;
      return `    "~${re}" ${newSlot};  # ${when(s)}`;
    }),
    '}',
    '',
  ].join('\n');
}

/**
 * The include for a plan whose credentials carry bridges (a renewal's `bridge: forward | both`): per
 * client class with step S (the instant it gets the new credential), the old credential with its
 * reverse bridge until that bridge's deadline (T), the old one plain until S, the new one with its
 * forward bridge until the bridge deadline, the new one plain after it. Each class's map lines go from
 * the latest instant down (nginx takes the first matching regular expression), so nginx's clock picks
 * the chain per handshake, with no reload at T nor at the bridge deadline.
 */
function bridgedMapFile(name: string, plan: ServePlan): string {
  const file = (r: ServePlan['old'], bridged: boolean) => NginxTimeSwitchDriver.fileSlot(r, bridged);
  const served = (r: ServePlan['old'], t: number) => file(r, r.bridge !== undefined && t < r.bridge.until);
  const value = (step: number, t: number) => (t >= step ? served(plan.new, t) : served(plan.old, t));
  const instants = (step: number) =>
    [...new Set([step, plan.old.bridge?.until ?? 0, plan.new.bridge?.until ?? 0])]
      .filter((x) => x > 0)
      .sort((a, b) => b - a);
  const single = plan.entries.length === 0;
  const steps = [...new Set([plan.from, ...plan.entries.map((e) => e.from)])];
  const cls = new Map(steps.map((s, i) => [s, `s${i}`]));
  // A line whose next (earlier) instant serves the same chain is redundant: that one matches too.
  const lines = (step: number) =>
    instants(step)
      .filter((at, i, all) => i + 1 >= all.length || value(step, all[i + 1]!) !== value(step, at))
      .map((at) => {
        const re = single ? msecAtLeast(at) : `^${cls.get(step)}\\|${msecAtLeast(at).slice(1)}`;
        return `    "~${re}" ${value(step, at)};  # from ${new Date(at).toISOString()}`;
      });
  if (single)
    return [
      '# Written by rollover lb agent: which chain a handshake gets, by the time it arrives (bridges).',
      `map $msec $${slotVariable(name)} {`,
      `    default ${value(plan.from, 0)};`,
      ...lines(plan.from),
      '}',
      '',
    ].join('\n');
  return [
    '# Written by rollover lb agent: which chain a handshake gets, by client address and time (bridges).',
    `geo $remote_addr $${stepVariable(name)} {`,
    `    default ${cls.get(plan.from)};`,
    ...plan.entries.map((e) => `    ${e.cidr} ${cls.get(e.from)};`),
    '}',
    `map "$${stepVariable(name)}|$msec" $${slotVariable(name)} {`,
    `    default ${value(plan.from, 0)};`,
    ...steps.flatMap((s) => [...lines(s), `    "~^${cls.get(s)}\\|" ${value(s, 0)};`]),
    '}',
    '',
  ].join('\n');
}

/**
 * Drives nginx so that it chooses by itself, per handshake, by client address and by time: every
 * credential gets its own immutable files, and an included `geo` × `map` on `$msec` names the one a
 * handshake uses (`ssl_certificate DIR/NAME-$rollover_NAME.crt`). Every change of the slot or of the
 * source exceptions rewrites that include and reloads — when it happens (staging days before T, a
 * sender proving itself…), never at T nor at a grace deadline: nginx's own clock decides. Changes of
 * the table alone are batched: at most one reload per `reloadBatchMs`.
 */
export class NginxTimeSwitchDriver implements SwapDriver {
  readonly kind = 'nginx';
  readonly prepareAtStage = true;
  readonly servesBridges = true;
  readonly bridgesByOwnClock = true;
  /** The include text last written per virtual server. */
  private written = new Map<string, string>();
  private pending = new Map<string, ServePlan>();
  private batchTimer: { at: number; timer: NodeJS.Timeout } | undefined;
  private lastReloadAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly o: {
      pidFile: string;
      virtualServers: Record<string, TimeSwitchVirtualServer>;
      /** At most one reload per this many ms for changes of the table alone (default 5000). */
      reloadBatchMs?: number;
      /** The agent's clock (the real one in production). */
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private vs(name: string): TimeSwitchVirtualServer {
    return (
      this.o.virtualServers[name] ??
      fail('NOT_FOUND', `no nginx directory is configured for virtual server "${name}"`)
    );
  }

  /** The file-name part that names a credential. */
  static slot(r: CredentialRecord): string {
    return r.sha256.slice(0, 16);
  }

  /** The file-name part of a credential's chain: plain, or with its bridge appended. */
  static fileSlot(r: CredentialRecord, bridged: boolean): string {
    return bridged && r.bridge
      ? `${NginxTimeSwitchDriver.slot(r)}-b${r.bridge.sha256.slice(0, 8)}`
      : NginxTimeSwitchDriver.slot(r);
  }

  private async writeCredential(name: string, r: CredentialRecord): Promise<void> {
    const v = this.vs(name);
    for (const bridged of r.bridge ? [false, true] : [false]) {
      const base = join(v.dir, `${name}-${NginxTimeSwitchDriver.fileSlot(r, bridged)}`);
      const chain = bridged && r.bridge ? r.certPem + r.bridge.certPem : r.certPem;
      await writeFileAtomic(`${base}.crt`, chain, { mode: 0o644 });
      await writeFileAtomic(`${base}.key`, r.keyPem, { mode: 0o600 });
      if (v.fileOwner) {
        const [uid, gid] = v.fileOwner.split(':').map(Number);
        await fs.chown(`${base}.key`, uid!, gid ?? uid!);
      }
    }
  }

  private async reload(): Promise<void> {
    const pid = Number((await fs.readFile(this.o.pidFile, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 1)
      fail('IO_ERROR', `${this.o.pidFile} does not hold nginx's master pid`);
    process.kill(pid, 'SIGHUP');
    this.lastReloadAt = this.now();
  }

  private mapPath(name: string): string {
    return join(this.vs(name).dir, `${name}.map`);
  }

  async prepare(): Promise<void> {}
  async apply(): Promise<void> {}
  async abort(): Promise<void> {}

  /** Writes a plan's files; true when the include changed (a reload is needed). */
  private async write(name: string, plan: ServePlan): Promise<boolean> {
    const text = planMapFile(name, plan);
    if (!this.written.has(name)) {
      const onDisk = await fs.readFile(this.mapPath(name), 'utf8').catch(() => undefined);
      if (onDisk !== undefined) this.written.set(name, onDisk);
    }
    if (this.written.get(name) === text) return false;
    await this.writeCredential(name, plan.old);
    if (plan.new !== plan.old) await this.writeCredential(name, plan.new);
    await writeFileAtomic(this.mapPath(name), text, { mode: 0o644 });
    this.written.set(name, text);
    return true;
  }

  async applyPlan(name: string, plan: ServePlan, o: { batch: boolean }): Promise<void> {
    const batchMs = this.o.reloadBatchMs ?? 5000;
    const due = this.lastReloadAt + batchMs;
    if (o.batch && (this.batchTimer || this.now() < due)) {
      this.pending.set(name, plan);
      if (!this.batchTimer) {
        const timer = setTimeout(() => {
          this.flush().catch(() => undefined);
        }, due - this.now());
        timer.unref();
        this.batchTimer = { at: due, timer };
      }
      return;
    }
    this.pending.delete(name);
    const changed = await this.write(name, plan);
    // Whatever else waits for a batched reload goes with this one.
    const others = await this.writePending();
    if (changed || others) {
      if (this.batchTimer) clearTimeout(this.batchTimer.timer);
      this.batchTimer = undefined;
      await this.reload();
    }
  }

  private async writePending(): Promise<boolean> {
    let changed = false;
    for (const [n, p] of [...this.pending]) {
      this.pending.delete(n);
      if (await this.write(n, p)) changed = true;
    }
    return changed;
  }

  /** The batched reload: writes every pending plan, one reload. */
  private async flush(): Promise<void> {
    this.batchTimer = undefined;
    if (await this.writePending()) await this.reload();
  }

  pendingUntil(name: string): number | undefined {
    return this.pending.has(name) ? this.batchTimer?.at : undefined;
  }

  /** The include on disk is this plan's and no batched reload is waiting (nginx cannot report what it loaded). */
  async holds(name: string, plan: ServePlan): Promise<boolean> {
    if (this.pending.has(name)) return false;
    const onDisk = await fs.readFile(this.mapPath(name), 'utf8').catch(() => undefined);
    return onDisk === planMapFile(name, plan);
  }

  async served(name: string): Promise<string | undefined> {
    return observeListener(this.vs(name));
  }
}
