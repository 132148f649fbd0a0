/**
 * A node that pulls its desired state from the coordinator (`rollover lb run --coordinator URL
 * --node-token T`): every few seconds it asks what its virtual servers should serve, stages, unstages,
 * activates or rolls back locally through its own `DataPlane`, and reports its status and handshake
 * failures. The state directory is the cache: when the coordinator is unreachable the node keeps
 * serving and still swaps at T, since the staged credential and T are already on its disk.
 */
import type { Logger } from 'pino';
import { fail } from '../shared/errors.js';
import { type Clock, parseInstant } from '../shared/time.js';
import type { DataPlane, VirtualServerStatus } from './data-plane.js';
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
      bridges?: { forwardPem: string; until: string; reversePem?: string };
    } | null;
  }>;
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

  async function reconcile(
    local: VirtualServerStatus,
    want: DesiredState['virtualServers'][number],
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
        await o.dataPlane.stage(local.name, {
          ...(await credential(s.credentialId, new Date(at))),
          ...(bridges ? { bridges } : {}),
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
