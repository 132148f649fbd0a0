/**
 * A node that pulls its desired state from the coordinator (`rollover lb run --coordinator URL
 * --node-token T`): every few seconds it asks what its virtual servers should serve, stages, unstages,
 * activates or rolls back locally through its own `DataPlane`, and reports its status and handshake
 * failures. The state directory is the cache: when the coordinator is unreachable the node keeps
 * serving and still swaps at T, since the staged credential and T are already on its disk.
 *
 * The desired state also carries each virtual server's source exceptions (per-sender grace: the whole
 * table and the automatic-fallback deadline) when the coordinator has sent them. The node applies
 * them with its slot — in the same step as a stage when it stages — and its report shows the table it
 * applies, which the coordinator compares with what it sent. Entries the node added by itself
 * (automatic fallback) stay while fallback is on unless the table names their address; entries whose
 * deadline has passed are left out (they decide nothing).
 */
import type { Logger } from 'pino';
import { fail } from '../shared/errors.js';
import { type Clock, parseInstant } from '../shared/time.js';
import type { DataPlane, VirtualServerStatus, WholeTable } from './data-plane.js';
import { parseCidr, type SourceException } from './source-exceptions.js';
import type { ClientFailures } from './telemetry.js';

/** What the coordinator answers at GET /api/v1/node/desired-state. */
interface DesiredState {
  virtualServers: Array<{
    name: string;
    active: { credentialId: string; sha256: string | null } | null;
    staged: {
      credentialId: string;
      sha256: string | null;
      activateAt: string;
      validForMs?: number;
      grace?: boolean;
      bridges?: { forwardPem: string; until: string; reversePem?: string };
    } | null;
    exceptions?: {
      entries: Array<{ cidr: string; serve: 'old' | 'new'; until?: string; auto?: boolean }>;
      autoUntil: string | null;
    };
  }>;
}

/**
 * The table to apply from what the coordinator wants and what the node has: the wanted entries still
 * live at `now`, the node's own live automatic entries the table does not name (while fallback is
 * on), and the fallback deadline (null once passed). Pure; exported for its test.
 */
export function tableToApply(
  want: NonNullable<DesiredState['virtualServers'][number]['exceptions']>,
  local: Pick<VirtualServerStatus, 'exceptions'>,
  now: number,
): WholeTable {
  const entries: SourceException[] = [];
  for (const e of want.entries) {
    const until = e.until === undefined ? undefined : parseInstant(e.until).getTime();
    if (e.serve === 'old' && (until === undefined || until <= now)) continue;
    entries.push({
      cidr: parseCidr(e.cidr).cidr,
      serve: e.serve,
      ...(until !== undefined && e.serve === 'old' ? { until } : {}),
      ...(e.auto ? { auto: true as const } : {}),
    });
  }
  const autoUntil = want.autoUntil === null ? null : parseInstant(want.autoUntil).getTime();
  const fallbackOn = autoUntil !== null && now < autoUntil;
  if (fallbackOn)
    for (const e of local.exceptions ?? []) {
      if (!e.auto || !e.live || e.until === null || entries.some((x) => x.cidr === e.cidr)) continue;
      entries.push({ cidr: e.cidr, serve: 'old', until: Date.parse(e.until), auto: true });
    }
  return { entries, autoUntil: fallbackOn ? autoUntil : null };
}

/**
 * Whether the node already applies exactly `t` and the fallback deadline (an entry past its deadline
 * still held counts as a difference: the coordinator compares the whole table reported).
 */
export function appliesTable(
  local: Pick<VirtualServerStatus, 'exceptions' | 'autoGrace'>,
  t: WholeTable,
): boolean {
  const key = (cidr: string, serve: string, until: number | undefined) =>
    `${cidr} ${serve} ${serve === 'old' ? until : ''}`;
  const want = new Set(t.entries.map((e) => key(e.cidr, e.serve, e.until)));
  const have = new Set(
    (local.exceptions ?? []).map((e) =>
      key(e.cidr, e.serve, e.until === null ? undefined : Date.parse(e.until)),
    ),
  );
  const auto = local.autoGrace ? Date.parse(local.autoGrace.until) : null;
  return want.size === have.size && [...want].every((k) => have.has(k)) && auto === t.autoUntil;
}

/** Options of {@link startRemoteSync}. */
export interface RemoteSyncOptions {
  dataPlane: DataPlane;
  coordinator: string;
  nodeToken: string;
  clock: Clock;
  log: Logger;
  intervalMs?: number;
  failures?: () => ClientFailures[] | Promise<ClientFailures[]>;
}

/** A running sync loop. */
export interface RemoteSync {
  /** One pull, apply and report, now (also what the loop runs). */
  syncOnce(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts pulling; the first pull runs at once. */
export function startRemoteSync(o: RemoteSyncOptions): RemoteSync {
  const base = o.coordinator.replace(/\/+$/, '');
  const call = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${o.nodeToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok)
      fail(
        'CONNECT_FAILED',
        `the coordinator answered ${res.status} to ${path}: ${String(json.detail ?? '')}`,
      );
    return json;
  };
  const credential = async (id: string, activateAt: Date) => {
    const c = (await call('GET', `/api/v1/node/credentials/${encodeURIComponent(id)}`)) as {
      keyPem: string;
      chainPem: string;
      rootPem: string;
    };
    return { keyPem: c.keyPem, certPem: c.chainPem, rootPem: c.rootPem, activateAt };
  };

  /** Applies the wanted table unless the node already does (one step where the plane can). */
  async function applyTable(name: string, table: WholeTable): Promise<void> {
    const local = (await o.dataPlane.status()).virtualServers.find((v) => v.name === name);
    if (!local || appliesTable(local, table)) return;
    o.log.info(
      { vs: name, entries: table.entries.length },
      'applying the source exceptions the coordinator sent',
    );
    if (o.dataPlane.applyTable) {
      await o.dataPlane.applyTable(name, table);
      return;
    }
    await o.dataPlane.exceptions(name, { op: 'replace', entries: table.entries });
    await o.dataPlane.exceptions(name, { op: 'auto', until: table.autoUntil });
  }

  async function reconcile(
    local: VirtualServerStatus,
    want: DesiredState['virtualServers'][number],
  ): Promise<void> {
    const table = want.exceptions && tableToApply(want.exceptions, local, o.clock.now());
    await reconcileSlot(local, want, table);
    if (table) await applyTable(local.name, table);
  }

  async function reconcileSlot(
    local: VirtualServerStatus,
    want: DesiredState['virtualServers'][number],
    table: WholeTable | undefined,
  ): Promise<void> {
    const now = o.clock.now();
    const s = want.staged;
    if (s) {
      // The coordinator's answer is outside input too: the one strict parser reads it.
      const at = parseInstant(s.activateAt).getTime();
      // With bridges, staged here means with the same bridge deadline too.
      const bridgeHere =
        s.bridges === undefined
          ? local.staged?.bridge === undefined
          : local.staged?.bridge !== undefined &&
            Date.parse(local.staged.bridge.until) === Date.parse(s.bridges.until);
      const stagedHere =
        local.staged?.sha256 === s.sha256 && Date.parse(local.staged.activateAt) === at && bridgeHere;
      const servedHere = now >= at && local.served.sha256 === s.sha256;
      if (!stagedHere && !servedHere) {
        o.log.info(
          { vs: local.name, activateAt: s.activateAt },
          'staging the credential the coordinator staged',
        );
        const bridges = s.bridges && {
          forwardPem: s.bridges.forwardPem,
          until: parseInstant(s.bridges.until),
          ...(s.bridges.reversePem ? { reversePem: s.bridges.reversePem } : {}),
        };
        // The table is applied in the same step as the stage: no instant with one and not the other.
        await o.dataPlane.stage(local.name, {
          ...(await credential(s.credentialId, new Date(at))),
          ...(s.validForMs !== undefined ? { validForMs: s.validForMs } : {}),
          ...(s.grace !== undefined ? { grace: s.grace } : {}),
          ...(bridges ? { bridges } : {}),
          ...(table ? { exceptions: table } : {}),
        });
      }
      return;
    }
    if (local.staged && now < Date.parse(local.staged.activateAt)) {
      o.log.info({ vs: local.name }, 'the coordinator withdrew the staged credential');
      await o.dataPlane.unstage(local.name);
      return;
    }
    const a = want.active;
    if (!a || local.served.sha256 === a.sha256) return;
    if (local.staged?.sha256 === a.sha256) await o.dataPlane.activate(local.name);
    else if (local.previous?.sha256 === a.sha256) await o.dataPlane.rollback(local.name);
    else await o.dataPlane.stage(local.name, await credential(a.credentialId, new Date(now)));
    o.log.info({ vs: local.name, sha256: a.sha256 }, 'now serving the credential the coordinator wants');
  }

  async function syncOnce(): Promise<void> {
    let desired: DesiredState;
    try {
      desired = (await call('GET', '/api/v1/node/desired-state')) as unknown as DesiredState;
    } catch (e) {
      o.log.warn(
        { err: (e as Error).message },
        'coordinator unreachable: serving, and swapping at T, from the state on disk',
      );
      return;
    }
    const status = await o.dataPlane.status();
    for (const want of desired.virtualServers) {
      const local = status.virtualServers.find((v) => v.name === want.name);
      if (!local) continue;
      try {
        await reconcile(local, want);
      } catch (e) {
        o.log.error({ vs: want.name, err: (e as Error).message }, 'could not apply the desired state');
      }
    }
    try {
      await call('POST', '/api/v1/node/report', {
        status: await o.dataPlane.status(),
        failures: o.failures?.() ?? [],
      });
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, 'could not report to the coordinator');
    }
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const loop = () => {
    if (stopped) return;
    running = syncOnce().finally(() => {
      if (!stopped) timer = setTimeout(loop, o.intervalMs ?? 2000);
    });
  };
  loop();
  return {
    syncOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => undefined);
    },
  };
}
