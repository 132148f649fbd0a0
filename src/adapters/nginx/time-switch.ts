import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../files/atomic.js';
import type { CredentialRecord } from '../../lb/credential-record.js';
import { fail } from '../../shared/errors.js';
import type { SwapDriver } from '../driver.js';
import { observeListener } from '../observe.js';
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

/**
 * Drives nginx so that it switches by itself, per handshake, at T: every credential gets its own
 * immutable files, and an included `map` on `$msec` names the one a handshake uses
 * (`ssl_certificate DIR/NAME-$rollover_NAME.crt`). Staging writes the new files and a map that
 * switches at T, then reloads — days before T, not at T. At T nothing happens: nginx's own clock
 * decides, like the built-in node. A credential activated or rolled back now gets a map without
 * a switch, and a reload.
 */
export class NginxTimeSwitchDriver implements SwapDriver {
  readonly kind = 'nginx';
  readonly prepareAtStage = true;
  private prepared = new Map<string, { sha: string; at: number; current: string }>();

  constructor(
    private readonly o: {
      pidFile: string;
      virtualServers: Record<string, TimeSwitchVirtualServer>;
      /** The agent's clock (the real one in production). */
      now?: () => number;
    },
  ) {}

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

  private async writeCredential(name: string, r: CredentialRecord): Promise<void> {
    const v = this.vs(name);
    const base = join(v.dir, `${name}-${NginxTimeSwitchDriver.slot(r)}`);
    await writeFileAtomic(`${base}.crt`, r.certPem, { mode: 0o644 });
    await writeFileAtomic(`${base}.key`, r.keyPem, { mode: 0o600 });
    if (v.fileOwner) {
      const [uid, gid] = v.fileOwner.split(':').map(Number);
      await fs.chown(`${base}.key`, uid!, gid ?? uid!);
    }
  }

  private async reload(): Promise<void> {
    const pid = Number((await fs.readFile(this.o.pidFile, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 1)
      fail('IO_ERROR', `${this.o.pidFile} does not hold nginx's master pid`);
    process.kill(pid, 'SIGHUP');
  }

  private async writeMap(name: string, current: string, next?: { slot: string; at: number }): Promise<void> {
    await writeFileAtomic(join(this.vs(name).dir, `${name}.map`), mapFile(name, current, next), {
      mode: 0o644,
    });
  }

  async prepare(
    name: string,
    next: CredentialRecord,
    at: { activateAt: number; current: CredentialRecord },
  ): Promise<void> {
    const p = this.prepared.get(name);
    if (p && p.sha === next.sha256 && p.at === at.activateAt) return;
    await this.writeCredential(name, at.current);
    await this.writeCredential(name, next);
    const current = NginxTimeSwitchDriver.slot(at.current);
    await this.writeMap(name, current, { slot: NginxTimeSwitchDriver.slot(next), at: at.activateAt });
    await this.reload();
    this.prepared.set(name, { sha: next.sha256, at: at.activateAt, current });
  }

  async apply(name: string, next: CredentialRecord): Promise<void> {
    const p = this.prepared.get(name);
    // Prepared for this credential and T has come: nginx switched by itself.
    if (p && p.sha === next.sha256 && (this.o.now ?? Date.now)() >= p.at) return;
    await this.writeCredential(name, next);
    await this.writeMap(name, NginxTimeSwitchDriver.slot(next));
    await this.reload();
    this.prepared.delete(name);
  }

  async abort(name: string): Promise<void> {
    const p = this.prepared.get(name);
    if (!p) return;
    this.prepared.delete(name);
    await this.writeMap(name, p.current);
    await this.reload();
  }

  async served(name: string): Promise<string | undefined> {
    return observeListener(this.vs(name));
  }
}
