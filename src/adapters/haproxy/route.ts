import { writeFileAtomic } from '../../files/atomic.js';
import type { CredentialRecord } from '../../lb/credential-record.js';
import { fail } from '../../shared/errors.js';
import type { SwapDriver } from '../driver.js';
import { observeListener } from '../observe.js';
import type { ServePlan } from '../serve-plan.js';
import { haproxyPem, leafSha1 } from './driver.js';
import { expectOk, parseShowSslCert, runtimeCommand, setSslCertCommand } from './runtime-api.js';

/** One virtual server of an HAProxy that routes by client address (docs/adapters.md, `haproxyMode: route`). */
export interface RouteVirtualServer {
  /** The `crt` of the internal TLS frontend that serves the new credential (and everybody outside an exchange). */
  newCrt: string;
  /** The `crt` of the internal TLS frontend that serves the old credential. */
  oldCrt: string;
  /** The map file of the public TCP frontend (`src,map_ip_int(MAP,0)`), exactly as in haproxy.cfg. */
  map: string;
  /** The public listener, for the handshake that checks the result. */
  host: string;
  port: number;
  servername?: string;
}

/** The map an HAProxy in route mode reads: per CIDR, the epoch millisecond from which it gets the new side. */
export function routeMap(plan: ServePlan): string {
  const lines = [`0.0.0.0/0 ${plan.from}`, `::/0 ${plan.from}`];
  for (const e of plan.entries) lines.push(`${e.cidr} ${e.from}`);
  return `${lines.join('\n')}\n`;
}

/** Parses `show map` (`0xADDR KEY VALUE` per line) into `KEY VALUE` lines, sorted, for comparison. */
function mapLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w.length === 3 && w[0]!.startsWith('0x'))
    .map((w) => `${w[1]} ${w[2]}`)
    .sort();
}

/**
 * Drives an HAProxy whose public frontend is plain TCP and routes each connection by its source
 * address to one of two internal TLS frontends (over `abns@` sockets with PROXY v2, so they still see
 * the client's address): `old` or `new`. The choice is HAProxy's own, per connection:
 * `date(0,ms)` against the step a map gives the client address (src/adapters/serve-plan.ts), so
 * nothing happens at T nor at any grace deadline. A change of the table or the slot swaps the map
 * through the Runtime API (`prepare map` / `add map @v` / `commit map @v`: atomic, no reload) and
 * commits the two certificates with `set ssl cert`; every file is also rewritten atomically so a
 * reload or restart keeps it.
 */
export class HaproxyRouteDriver implements SwapDriver {
  readonly kind = 'haproxy';
  readonly prepareAtStage = true;
  /** A bridge is part of a side's crt while it lasts; the agent hands the plan over again at its deadline. */
  readonly servesBridges = true;
  /** What was last applied per virtual server (each side's served chain, map text). */
  private applied = new Map<string, { old: string; map: string; new: string }>();

  constructor(
    private readonly o: {
      socketPath: string;
      virtualServers: Record<string, RouteVirtualServer>;
      /** The agent's clock (the real one in production). */
      now?: () => number;
    },
  ) {}

  private now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** What a side serves now: the leaf, and the bridge while it lasts. */
  private servedKey(r: CredentialRecord, now: number): string {
    return r.bridge && now < r.bridge.until ? `${r.sha256}+${r.bridge.sha256}` : r.sha256;
  }

  private vs(name: string): RouteVirtualServer {
    return (
      this.o.virtualServers[name] ??
      fail('NOT_FOUND', `no HAProxy route is configured for virtual server "${name}"`)
    );
  }

  async prepare(): Promise<void> {}
  async apply(): Promise<void> {}
  async abort(): Promise<void> {}

  private async sha1Of(crt: string): Promise<string | undefined> {
    const { sha1 } = parseShowSslCert(await runtimeCommand(this.o.socketPath, `show ssl cert ${crt}`));
    return sha1?.replace(/:/g, '').toUpperCase();
  }

  private async setCert(crt: string, r: CredentialRecord, now: number): Promise<void> {
    const pem = haproxyPem(r, now);
    await runtimeCommand(this.o.socketPath, `abort ssl cert ${crt}`);
    expectOk(await runtimeCommand(this.o.socketPath, setSslCertCommand(crt, pem)), `set ssl cert ${crt}`);
    const answer = await runtimeCommand(this.o.socketPath, `commit ssl cert ${crt}`);
    if (!/Success!/i.test(answer)) {
      await runtimeCommand(this.o.socketPath, `abort ssl cert ${crt}`);
      fail('DATA_PLANE_REFUSED', `HAProxy refused to commit ${crt}: ${answer.trim()}`);
    }
    await writeFileAtomic(crt, pem, { mode: 0o600 });
  }

  /** Swaps the whole map in one version: lookups see either the old map or the new one, never a mix. */
  private async setMap(path: string, text: string): Promise<void> {
    if (/\s/.test(path)) fail('BAD_ARGUMENT', `the map path "${path}" must not contain spaces`);
    const prepared = await runtimeCommand(this.o.socketPath, `prepare map ${path}`);
    const version = /New version created:\s*(\d+)/.exec(prepared)?.[1];
    if (!version) fail('DATA_PLANE_REFUSED', `HAProxy refused to prepare map ${path}: ${prepared.trim()}`);
    // A command must fit HAProxy's buffer (tune.bufsize, 16 kB by default): send the lines in chunks.
    const lines = text.trimEnd().split('\n');
    for (let i = 0; i < lines.length; ) {
      let size = 0;
      const chunk: string[] = [];
      while (i < lines.length && size < 8000) {
        chunk.push(lines[i]!);
        size += lines[i]!.length + 1;
        i++;
      }
      expectOk(
        await runtimeCommand(this.o.socketPath, `add map @${version} ${path} <<\n${chunk.join('\n')}\n\n`),
        `add map @${version} ${path}`,
      );
    }
    expectOk(await runtimeCommand(this.o.socketPath, `commit map @${version} ${path}`), `commit map ${path}`);
    await writeFileAtomic(path, text, { mode: 0o644 });
  }

  /**
   * Applies a plan without a moment where a client gets a credential that neither the previous nor
   * the new plan gives it: a side whose credential goes to the other side is rewritten first.
   */
  async applyPlan(name: string, plan: ServePlan): Promise<void> {
    const v = this.vs(name);
    const map = routeMap(plan);
    const now = this.now();
    const oldKey = this.servedKey(plan.old, now);
    const newKey = this.servedKey(plan.new, now);
    let was = this.applied.get(name);
    if (!was) {
      // First call (agent start): read what HAProxy serves now.
      const bySha1 = new Map([plan.old, plan.new].map((r) => [leafSha1(r), r.sha256]));
      const [o, n, m] = await Promise.all([
        this.sha1Of(v.oldCrt),
        this.sha1Of(v.newCrt),
        runtimeCommand(this.o.socketPath, `show map ${v.map}`),
      ]);
      // The leaf alone does not tell whether a bridge is served: a side with one is set again.
      was = {
        old: plan.old.bridge ? '?' : ((o && bySha1.get(o)) ?? '?'),
        new: plan.new.bridge ? '?' : ((n && bySha1.get(n)) ?? '?'),
        map: mapLines(m).join('\n') === mapLines(map.replace(/^/gm, '0x0 ')).join('\n') ? map : '?',
      };
    }
    const steps: Array<() => Promise<void>> = [];
    const oldStep = async () => {
      if (was.old !== oldKey) await this.setCert(v.oldCrt, plan.old, now);
    };
    const newStep = async () => {
      if (was.new !== newKey) await this.setCert(v.newCrt, plan.new, now);
    };
    const mapStep = async () => {
      if (was.map !== map) await this.setMap(v.map, map);
    };
    // Unstage and rollback give the new side what the old side served: rewrite the new side first.
    const leaf = (key: string) => key.split('+')[0];
    if (plan.new.sha256 === leaf(was.old) && plan.new.sha256 !== leaf(was.new))
      steps.push(newStep, mapStep, oldStep);
    else steps.push(oldStep, mapStep, newStep);
    this.applied.delete(name);
    for (const s of steps) await s();
    this.applied.set(name, { old: oldKey, map, new: newKey });
  }

  /** Reads the map and both certificates back from HAProxy and compares them with the plan. */
  async holds(name: string, plan: ServePlan): Promise<boolean> {
    const v = this.vs(name);
    const [o, n, m] = await Promise.all([
      this.sha1Of(v.oldCrt),
      this.sha1Of(v.newCrt),
      runtimeCommand(this.o.socketPath, `show map ${v.map}`),
    ]);
    const want = routeMap(plan).trimEnd().split('\n').sort();
    return o === leafSha1(plan.old) && n === leafSha1(plan.new) && mapLines(m).join('\n') === want.join('\n');
  }

  async served(name: string): Promise<string | undefined> {
    return observeListener(this.vs(name));
  }
}
