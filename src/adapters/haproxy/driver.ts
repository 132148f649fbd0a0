import { createHash } from 'node:crypto';
import { writeFileAtomic } from '../../files/atomic.js';
import type { CredentialRecord } from '../../lb/credential-record.js';
import { readCertificateDers } from '../../pki/formats/pem.js';
import { fail } from '../../shared/errors.js';
import type { SwapDriver } from '../driver.js';
import { expectOk, parseShowSslCert, runtimeCommand, setSslCertCommand } from './runtime-api.js';

/**
 * The crt file HAProxy loads for one virtual server: leaf, intermediates, then the key. With `at`, a
 * record's bridge goes after the chain when it is served at that instant (before `bridge.until`).
 */
export function haproxyPem(r: CredentialRecord, at?: number): string {
  const bridge = at !== undefined && r.bridge && at < r.bridge.until ? `\n${r.bridge.certPem.trimEnd()}` : '';
  return `${r.certPem.trimEnd()}${bridge}\n${r.keyPem.trimEnd()}\n`;
}

/** The upper-case hex SHA-1 of a credential's leaf, as `show ssl cert` reports it. */
export function leafSha1(r: CredentialRecord): string {
  return createHash('sha1').update(readCertificateDers(r.certPem)[0]!).digest('hex').toUpperCase();
}

/**
 * Drives a real HAProxy through its Runtime API: ahead of T it opens a `set ssl cert` transaction
 * with the new crt, at T it commits it (HAProxy swaps for new handshakes), then writes the crt file
 * atomically so a reload or restart keeps it. `show ssl cert` tells what HAProxy serves.
 */
export class HaproxyDriver implements SwapDriver {
  readonly kind = 'haproxy';
  /** A bridge is part of the crt committed; the agent commits again at the bridge's deadline. */
  readonly servesBridges = true;
  /** The pem text prepared per virtual server. */
  private prepared = new Map<string, string>();

  constructor(
    private readonly o: {
      socketPath: string;
      /** Virtual server name → the absolute `crt` path in haproxy.cfg (must match it exactly). */
      crtPaths: Record<string, string>;
      /** The agent's clock (the real one in production). */
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  private path(vs: string): string {
    const p = this.o.crtPaths[vs];
    if (!p) fail('NOT_FOUND', `no crt path is configured for virtual server "${vs}"`);
    return p;
  }

  async prepare(vs: string, next: CredentialRecord, at?: { activateAt: number }): Promise<void> {
    const path = this.path(vs);
    const pem = haproxyPem(next, at?.activateAt ?? this.now());
    await runtimeCommand(this.o.socketPath, `abort ssl cert ${path}`);
    expectOk(await runtimeCommand(this.o.socketPath, setSslCertCommand(path, pem)), `set ssl cert ${path}`);
    this.prepared.set(vs, pem);
  }

  async apply(vs: string, next: CredentialRecord): Promise<void> {
    const path = this.path(vs);
    // What is served from now: with the record's bridge while it lasts, the plain chain after.
    const pem = haproxyPem(next, this.now());
    if (this.prepared.get(vs) !== pem) await this.prepare(vs, next, { activateAt: this.now() });
    this.prepared.delete(vs);
    const answer = await runtimeCommand(this.o.socketPath, `commit ssl cert ${path}`);
    if (!/Success!/i.test(answer)) {
      await runtimeCommand(this.o.socketPath, `abort ssl cert ${path}`);
      fail('DATA_PLANE_REFUSED', `HAProxy refused to commit ${path}: ${answer.trim()}`);
    }
    // Runtime API changes live in memory only: persist the file too, after T, off the critical path.
    await writeFileAtomic(path, pem, { mode: 0o600 });
  }

  async abort(vs: string): Promise<void> {
    if (!this.prepared.has(vs)) return;
    this.prepared.delete(vs);
    await runtimeCommand(this.o.socketPath, `abort ssl cert ${this.path(vs)}`);
  }

  async served(vs: string, known: CredentialRecord[]): Promise<string | undefined> {
    const { sha1 } = parseShowSslCert(
      await runtimeCommand(this.o.socketPath, `show ssl cert ${this.path(vs)}`),
    );
    return known.find((r) => leafSha1(r) === sha1?.replace(/:/g, '').toUpperCase())?.sha256;
  }
}
