/**
 * A data-plane node in one process: state loaded, virtual servers serving, control and metrics
 * listeners up. `--workers N` above one uses ./cluster.ts instead, with the same parts.
 */
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { fail } from '../shared/errors.js';
import { formatHostPort } from '../shared/host-port.js';
import type { Clock } from '../shared/time.js';
import type { LbConfig } from './config.js';
import { startControlServer } from './control.js';
import { NodeDataPlane, type RuntimeFacts, type ServingPort } from './data-plane.js';
import { loadState } from './load.js';
import { startMetricsServer } from './metrics-server.js';
import { rotateTicketSecrets } from './session-tickets.js';
import { LbTelemetry } from './telemetry.js';
import { VirtualServerRuntime } from './virtual-server.js';

/** A running node. */
export interface LbNode {
  dataPlane: NodeDataPlane;
  runtimes: Map<string, VirtualServerRuntime>;
  telemetry: LbTelemetry;
  /** Drains open connections and stops every listener. */
  stop(): Promise<void>;
}

/** Facts of an in-process runtime. */
export function runtimeFacts(rt: VirtualServerRuntime): RuntimeFacts {
  return {
    ...(rt.listenAddress ? { listen: formatHostPort(rt.listenAddress) } : {}),
    ...(rt.previewAddress ? { preview: formatHostPort(rt.previewAddress) } : {}),
    backends: rt.backends.backends.map((b) => ({
      url: b.url,
      up: b.up,
      ...(b.lastError ? { lastError: b.lastError } : {}),
    })),
    ...(rt.contexts.firstStagedHandshakeAt !== undefined
      ? { firstStagedHandshakeAt: rt.contexts.firstStagedHandshakeAt }
      : {}),
    openConnections: rt.openConnections(),
    exceptionHandshakes: rt.contexts.exceptionHandshakes(),
  };
}

/** Refuses a control address that is not loopback: the token is the only lock on it. */
export function assertLoopback(host: string): void {
  if (!/^(127\.|::1$|localhost$)/.test(host)) {
    fail('BAD_ARGUMENT', `the control interface must listen on loopback (127.0.0.1 or ::1), not ${host}`);
  }
}

/** Starts a node in this process. */
export async function startLbNode(config: LbConfig, deps: { clock: Clock; log: Logger }): Promise<LbNode> {
  assertLoopback(config.control.host);
  const { clock, log } = deps;
  const state = await loadState(config, clock, log);
  const telemetry = new LbTelemetry();
  const dataPlane = new NodeDataPlane(config, state, clock, 1);
  const runtimes = new Map<string, VirtualServerRuntime>();
  const servers: Server[] = [];
  // Session-ticket secrets: random per node, in memory only, rotated every period.
  let secrets = rotateTicketSecrets(undefined);
  const rotation = setInterval(() => {
    secrets = rotateTicketSecrets(secrets);
    for (const rt of runtimes.values()) rt.setTicketSecrets(secrets);
  }, config.ticketRotationMs).unref();
  const stop = async () => {
    clearInterval(rotation);
    dataPlane.close();
    for (const s of servers) s.close();
    for (const s of servers) s.closeAllConnections();
    await Promise.all([...runtimes.values()].map((r) => r.drain(config.drainTimeoutMs)));
  };
  try {
    for (const vs of config.virtualServers) {
      const rt = new VirtualServerRuntime(vs, dataPlane.entry(vs.name), {
        clock,
        telemetry,
        log,
        autoGrace: (name, client) => dataPlane.autoGrace(name, client),
        ticketSecrets: secrets,
        ticketRotationMs: config.ticketRotationMs,
        sessionTickets: config.sessionTickets,
      });
      runtimes.set(vs.name, rt);
      await rt.start();
    }
    const serving: ServingPort = {
      apply: async (name, entry) => runtimes.get(name)?.apply(entry),
      facts: async (name) => runtimeFacts(runtimes.get(name)!),
    };
    dataPlane.serving = serving;
    for (const vs of config.virtualServers) dataPlane.scheduleSettle(vs.name);
    const control = await startControlServer({
      dataPlane,
      stateDir: config.stateDir,
      listen: config.control,
      telemetry,
      pid: process.pid,
    });
    servers.push(control.server);
    dataPlane.endpoints.control = control.address;
    if (config.metrics) {
      const metrics = await startMetricsServer(config.metrics, async () => ({
        contentType: telemetry.registry.contentType,
        text: await telemetry.registry.metrics(),
      }));
      servers.push(metrics.server);
      dataPlane.endpoints.metrics = metrics.address;
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { dataPlane, runtimes, telemetry, stop };
}
