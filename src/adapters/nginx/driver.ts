import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../../files/atomic.js';
import type { CredentialRecord } from '../../lb/credential-record.js';
import { fail } from '../../shared/errors.js';
import type { SwapDriver } from '../driver.js';
import { observeListener } from '../observe.js';

/** Where one nginx virtual server's files are, and where an observer reaches it. */
export interface NginxVirtualServer {
  /** `ssl_certificate` path (leaf then intermediates). */
  certPath: string;
  /** `ssl_certificate_key` path (mode 0600). */
  keyPath: string;
  /** The listener, for the handshake that checks the result. */
  host: string;
  port: number;
  servername?: string;
}

/**
 * Drives a real nginx: ahead of T it writes the new files beside the live ones, at T it renames them
 * into place and sends the master SIGHUP (a graceful reload: old workers finish their connections,
 * new workers serve new handshakes with the new files), and a real handshake tells what is served.
 */
export class NginxDriver implements SwapDriver {
  readonly kind = 'nginx';
  /** A bridge is part of the chain file; the agent reloads again at the bridge's deadline. */
  readonly servesBridges = true;
  /** The chain text prepared per virtual server. */
  private prepared = new Map<string, string>();

  constructor(
    private readonly o: {
      pidFile: string;
      virtualServers: Record<string, NginxVirtualServer>;
      /** The agent's clock (the real one in production). */
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** The chain served at `at`: with the record's bridge appended until its deadline. */
  private static chainAt(r: CredentialRecord, at: number): string {
    return r.bridge && at < r.bridge.until ? r.certPem + r.bridge.certPem : r.certPem;
  }

  private vs(name: string): NginxVirtualServer {
    const v = this.o.virtualServers[name];
    if (!v) fail('NOT_FOUND', `no nginx files are configured for virtual server "${name}"`);
    return v;
  }

  async prepare(name: string, next: CredentialRecord, at?: { activateAt: number }): Promise<void> {
    const v = this.vs(name);
    const chain = NginxDriver.chainAt(next, at?.activateAt ?? this.now());
    await writeFileAtomic(`${v.certPath}.next`, chain, { mode: 0o644 });
    await writeFileAtomic(`${v.keyPath}.next`, next.keyPem, { mode: 0o600 });
    this.prepared.set(name, chain);
  }

  async apply(name: string, next: CredentialRecord): Promise<void> {
    const v = this.vs(name);
    const chain = NginxDriver.chainAt(next, this.now());
    if (this.prepared.get(name) !== chain) await this.prepare(name, next, { activateAt: this.now() });
    this.prepared.delete(name);
    await fs.rename(`${v.keyPath}.next`, v.keyPath);
    await fs.rename(`${v.certPath}.next`, v.certPath);
    const pid = Number((await fs.readFile(this.o.pidFile, 'utf8')).trim());
    if (!Number.isInteger(pid) || pid <= 1)
      fail('IO_ERROR', `${this.o.pidFile} does not hold nginx's master pid`);
    process.kill(pid, 'SIGHUP');
  }

  async abort(name: string): Promise<void> {
    const v = this.vs(name);
    this.prepared.delete(name);
    await fs.rm(`${v.certPath}.next`, { force: true });
    await fs.rm(`${v.keyPath}.next`, { force: true });
  }

  async served(name: string): Promise<string | undefined> {
    return observeListener(this.vs(name));
  }
}
