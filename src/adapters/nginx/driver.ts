import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../../files/atomic.js';
import type { CredentialRecord } from '../../lb/credential-record.js';
import { fail } from '../../shared/errors.js';
import type { SwapDriver } from '../driver.js';
import { observeLeaf } from '../observe.js';

/**
 * How nginx takes the new credential at T:
 * - `reload`: `ssl_certificate` and `ssl_certificate_key` name fixed files; the agent renames the new
 *   files into place and sends the master SIGHUP (a graceful reload).
 * - `per-handshake`: both directives name ONE combined file through a variable (nginx ≥ 1.15.9 then
 *   reads it on every handshake); the agent renames the new combined file into place and nothing is
 *   reloaded — one atomic rename is the swap, and no keep-alive connection is closed by a reload.
 */
export type NginxSwapMode = 'reload' | 'per-handshake';

/** Where one nginx virtual server's files are, and where an observer reaches it. */
export interface NginxVirtualServer {
  /** reload mode: the `ssl_certificate` path (leaf then intermediates). */
  certPath?: string;
  /** reload mode: the `ssl_certificate_key` path (mode 0600). */
  keyPath?: string;
  /** per-handshake mode: the one file (chain then key, mode 0600) both directives name. */
  combinedPath?: string;
  /** per-handshake mode: owner of the combined file, `UID:GID` (nginx's workers read it, not the master). */
  fileOwner?: string;
  /** The listener, for the handshake that checks the result. */
  host: string;
  port: number;
  servername?: string;
}

/**
 * Drives a real nginx: ahead of T it writes the new files beside the live ones (`.next`), at T it
 * renames them into place and — in reload mode — sends the master SIGHUP (old workers finish their
 * connections, new workers serve new handshakes). A real handshake tells what is served.
 */
export class NginxDriver implements SwapDriver {
  readonly kind = 'nginx';
  private prepared = new Map<string, string>();

  constructor(
    private readonly o: {
      pidFile: string;
      mode?: NginxSwapMode;
      virtualServers: Record<string, NginxVirtualServer>;
    },
  ) {}

  private get mode(): NginxSwapMode {
    return this.o.mode ?? 'reload';
  }

  private vs(name: string): NginxVirtualServer {
    const v = this.o.virtualServers[name];
    if (!v) fail('NOT_FOUND', `no nginx files are configured for virtual server "${name}"`);
    if (this.mode === 'reload' ? !v.certPath || !v.keyPath : !v.combinedPath) {
      fail('BAD_ARGUMENT', `virtual server "${name}" lacks the file paths nginx ${this.mode} mode needs`);
    }
    return v;
  }

  /** The files that change at T, as [live path, content, mode]. */
  private files(v: NginxVirtualServer, r: CredentialRecord): Array<[string, string, number]> {
    if (this.mode === 'per-handshake')
      return [[v.combinedPath!, `${r.certPem.trimEnd()}\n${r.keyPem}`, 0o600]];
    return [
      [v.keyPath!, r.keyPem, 0o600],
      [v.certPath!, r.certPem, 0o644],
    ];
  }

  async prepare(name: string, next: CredentialRecord): Promise<void> {
    const v = this.vs(name);
    for (const [path, data, mode] of this.files(v, next)) {
      await fs.rm(`${path}.next`, { force: true });
      await writeFileAtomic(`${path}.next`, data, { mode });
      if (v.fileOwner) {
        const [uid, gid] = v.fileOwner.split(':').map(Number);
        await fs.chown(`${path}.next`, uid!, gid ?? uid!);
      }
    }
    this.prepared.set(name, next.sha256);
  }

  async apply(name: string, next: CredentialRecord): Promise<void> {
    const v = this.vs(name);
    if (this.prepared.get(name) !== next.sha256) await this.prepare(name, next);
    this.prepared.delete(name);
    for (const [path] of this.files(v, next)) await fs.rename(`${path}.next`, path);
    if (this.mode === 'per-handshake') return;
    const pid = Number((await fs.readFile(this.o.pidFile, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 1)
      fail('IO_ERROR', `${this.o.pidFile} does not hold nginx's master pid`);
    process.kill(pid, 'SIGHUP');
  }

  async abort(name: string): Promise<void> {
    const v = this.vs(name);
    this.prepared.delete(name);
    for (const p of [v.certPath, v.keyPath, v.combinedPath]) if (p) await fs.rm(`${p}.next`, { force: true });
  }

  async served(name: string): Promise<string | undefined> {
    const v = this.vs(name);
    return observeLeaf({
      host: v.host,
      port: v.port,
      ...(v.servername ? { servername: v.servername } : {}),
      timeoutMs: 1000,
    });
  }
}
