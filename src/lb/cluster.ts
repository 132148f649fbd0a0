/**
 * `--workers N` (N > 1): node:cluster with the shared-socket policy (each worker accepts on the same
 * listening sockets itself; no round-robin hand-off through the primary). The primary owns the
 * state, the control and metrics listeners; workers serve. A change is persisted, then sent to
 * every worker, and acknowledged only when all have built their contexts. Each worker compares
 * each ClientHello's arrival with T itself, so every worker switches at T with no message at T.
 */
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { fail } from '../shared/errors.js';
import type { Clock } from '../shared/time.js';
import type { LbConfig } from './config.js';
import { startControlServer } from './control.js';
import type { CredentialRecord } from './credential-record.js';
import { NodeDataPlane, type RuntimeFacts } from './data-plane.js';
import { loadState } from './load.js';
import { startMetricsServer } from './metrics-server.js';
import { assertLoopback, type LbNode, runtimeFacts } from './node.js';
import { rotateTicketSecrets, type TicketSecrets } from './session-tickets.js';
import type { Slot } from './slot.js';
import type { VsEntry } from './slot-table.js';
import type { SourceException } from './source-exceptions.js';
import { type ClientFailures, type HandshakeFailureReason, LbTelemetry } from './telemetry.js';
import { VirtualServerRuntime } from './virtual-server.js';

/** Messages from the primary to a worker. */
type ToWorker =
  | {
      type: 'lb:init';
      config: LbConfig;
      slots: Readonly<Record<string, Slot<CredentialRecord>>>;
      exceptions: Readonly<Record<string, readonly SourceException[]>>;
      autoGrace: Record<string, number>;
      tickets: WireSecrets;
    }
  | { type: 'lb:tickets'; tickets: WireSecrets }
  | { type: 'lb:apply'; id: number; name: string; entry: VsEntry }
  | { type: 'lb:facts'; id: number; name: string }
  | { type: 'lb:failures'; id: number }
  | { type: 'lb:drain' };

/** Ticket secrets over IPC (JSON: secrets as base64). The IPC pipe is the only place they travel. */
type WireSecrets = Array<{ period: number; secret: string }>;

const toWire = (s: TicketSecrets): WireSecrets =>
  [s.current, s.previous].flatMap((p) =>
    p ? [{ period: p.period, secret: p.secret.toString('base64') }] : [],
  );

const fromWire = (w: WireSecrets): TicketSecrets => {
  const [current, previous] = w.map((p) => ({ period: p.period, secret: Buffer.from(p.secret, 'base64') }));
  return { current: current!, ...(previous ? { previous } : {}) };
};

/** Messages from a worker to the primary. */
type FromWorker =
  | { type: 'lb:hello' }
  | { type: 'lb:ready' }
  | { type: 'lb:failed'; message: string }
  | { type: 'lb:autograce'; name: string; client: string }
  | { type: 'lb:ack'; id: number; facts?: RuntimeFacts; failures?: ClientFailures[] };

type FromWorkerAck = Extract<FromWorker, { type: 'lb:ack' }>;

/** Starts the primary: state, control, metrics, and `config.workers` serving workers. */
export async function startClusterPrimary(
  config: LbConfig,
  deps: { clock: Clock; log: Logger; workerScript: string },
): Promise<Pick<LbNode, 'dataPlane' | 'stop'>> {
  assertLoopback(config.control.host);
  const { clock, log } = deps;
  const state = await loadState(config, clock, log);
  const dataPlane = new NodeDataPlane(config, state, clock, config.workers);
  // Shared-socket policy: workers accept on the listening socket directly (measured faster here).
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: deps.workerScript, args: [], silent: false });
  const aggregator = new AggregatorRegistry();
  let nextId = 1;
  const pending = new Map<
    number,
    { left: number; acks: FromWorkerAck[]; done: (a: FromWorkerAck[]) => void }
  >();
  const workers: Worker[] = [];
  let stopping = false;
  // Session-ticket secrets: made here (per node), held in memory, sent to every worker, rotated.
  let tickets = rotateTicketSecrets(undefined);
  const rotation = setInterval(() => {
    tickets = rotateTicketSecrets(tickets);
    for (const w of workers)
      if (w.isConnected()) w.send({ type: 'lb:tickets', tickets: toWire(tickets) } satisfies ToWorker);
  }, config.ticketRotationMs).unref();

  const ask = (make: (id: number) => ToWorker): Promise<FromWorkerAck[]> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const live = workers.filter((w) => w.isConnected());
      if (live.length === 0) return resolve([]);
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('a worker did not acknowledge within 10 s'));
      }, 10_000);
      pending.set(id, {
        left: live.length,
        acks: [],
        done: (a) => {
          clearTimeout(timer);
          resolve(a);
        },
      });
      for (const w of live) w.send(make(id));
    });

  const fork = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const w = cluster.fork({ ROLLOVER_LB_LOG_LEVEL: config.logLevel });
      workers.push(w);
      w.on('message', (m: FromWorker) => {
        // The worker says hello once its message listener exists (earlier messages would be lost).
        if (m.type === 'lb:hello')
          w.send({
            type: 'lb:init',
            config,
            slots: dataPlane.slots(),
            exceptions: dataPlane.allExceptions(),
            autoGrace: dataPlane.allAutoGrace(),
            tickets: toWire(tickets),
          } satisfies ToWorker);
        else if (m.type === 'lb:ready') resolve();
        else if (m.type === 'lb:failed') reject(new Error(m.message));
        else if (m.type === 'lb:autograce') dataPlane.autoGrace(m.name, m.client);
        else if (m.type === 'lb:ack') {
          const p = pending.get(m.id);
          if (!p) return;
          p.acks.push(m);
          if (--p.left === 0) {
            pending.delete(m.id);
            p.done(p.acks);
          }
        }
      });
      w.once('online', () =>
        w.send({
          type: 'lb:init',
          config,
          slots: dataPlane.slots(),
          exceptions: dataPlane.allExceptions(),
          autoGrace: dataPlane.allAutoGrace(),
          tickets: toWire(tickets),
        } satisfies ToWorker),
      );
      w.once('exit', (code) => {
        workers.splice(workers.indexOf(w), 1);
        if (!stopping) {
          log.error({ pid: w.process.pid, code }, 'worker exited; starting a new one');
          fork().catch((e) => log.error({ err: (e as Error).message }, 'worker failed to start'));
        }
        reject(new Error(`worker exited with code ${code} before it was ready`));
      });
    });

  const servers: Server[] = [];
  const stop = async () => {
    stopping = true;
    clearInterval(rotation);
    dataPlane.close();
    for (const s of servers) {
      s.close();
      s.closeAllConnections();
    }
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            w.once('exit', () => resolve());
            w.send({ type: 'lb:drain' } satisfies ToWorker);
          }),
      ),
    );
  };
  try {
    await Promise.all(Array.from({ length: config.workers }, fork));
    dataPlane.serving = {
      apply: async (name, entry) => {
        await ask((id) => ({ type: 'lb:apply', id, name, entry }));
      },
      facts: async (name) =>
        mergeFacts(
          (await ask((id) => ({ type: 'lb:facts', id, name }))).flatMap((a) => (a.facts ? [a.facts] : [])),
        ),
    };
    for (const vs of config.virtualServers) dataPlane.scheduleSettle(vs.name);
    const control = await startControlServer({
      dataPlane,
      stateDir: config.stateDir,
      listen: config.control,
      pid: process.pid,
      clientFailures: async () =>
        mergeFailures((await ask((id) => ({ type: 'lb:failures', id }))).flatMap((a) => a.failures ?? [])),
    });
    servers.push(control.server);
    dataPlane.endpoints.control = control.address;
    if (config.metrics) {
      const metrics = await startMetricsServer(config.metrics, async () => ({
        contentType: aggregator.contentType,
        text: await aggregator.clusterMetrics(),
      }));
      servers.push(metrics.server);
      dataPlane.endpoints.metrics = metrics.address;
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { dataPlane, stop };
}

/** Combines the facts of every worker: backends are up when any worker sees them up; first handshake is the earliest. */
function mergeFacts(all: RuntimeFacts[]): RuntimeFacts {
  if (all.length === 0) return { backends: [] };
  const first = all.map((f) => f.firstStagedHandshakeAt).filter((x): x is number => x !== undefined);
  return {
    ...all[0]!,
    backends: all[0]!.backends.map((b, i) => ({ ...b, up: all.some((f) => f.backends[i]?.up) })),
    ...(first.length ? { firstStagedHandshakeAt: Math.min(...first) } : {}),
    openConnections: all.reduce((n, f) => n + (f.openConnections ?? 0), 0),
    exceptionHandshakes: sumCounts(all.map((f) => f.exceptionHandshakes ?? {})),
  };
}

/** Adds up per-key counts. */
function sumCounts(all: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const counts of all) for (const [k, n] of Object.entries(counts)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** Adds up the per-client failure tables of the workers. */
function mergeFailures(rows: ClientFailures[]): ClientFailures[] {
  const merged = new Map<string, ClientFailures>();
  for (const r of rows) {
    const key = `${r.virtualServer}\u0000${r.client}`;
    const m = merged.get(key);
    if (!m) {
      merged.set(key, {
        ...r,
        reasons: { ...r.reasons },
        ...(r.ok ? { ok: { ...r.ok }, okLast: { ...r.okLast } } : {}),
        ...(r.preview ? { preview: { ...r.preview }, previewLast: { ...r.previewLast } } : {}),
      });
      continue;
    }
    for (const [reason, n] of Object.entries(r.reasons) as Array<[HandshakeFailureReason, number]>) {
      m.reasons[reason] = (m.reasons[reason] ?? 0) + n;
    }
    if (r.last > m.last) m.last = r.last;
    for (const [fp, n] of Object.entries(r.ok ?? {})) {
      m.ok ??= {};
      m.okLast ??= {};
      m.ok[fp] = (m.ok[fp] ?? 0) + n;
      const at = r.okLast?.[fp] ?? '';
      if (at > (m.okLast[fp] ?? '')) m.okLast[fp] = at;
    }
    for (const [fp, n] of Object.entries(r.preview ?? {})) {
      m.preview ??= {};
      m.previewLast ??= {};
      m.preview[fp] = (m.preview[fp] ?? 0) + n;
      const at = r.previewLast?.[fp] ?? '';
      if (at > (m.previewLast[fp] ?? '')) m.previewLast[fp] = at;
    }
  }
  return [...merged.values()];
}

/** Runs a worker: waits for its configuration and slots from the primary, then serves. */
export function runClusterWorker(deps: { clock: Clock; log: Logger }): void {
  if (!cluster.isWorker || !process.send) fail('INTERNAL', 'runClusterWorker must run in a cluster worker');
  const send = (m: FromWorker) => process.send!(m);
  const runtimes = new Map<string, VirtualServerRuntime>();
  let config: LbConfig | undefined;
  const telemetry = new LbTelemetry();
  // The primary's AggregatorRegistry asks each worker for this registry's metrics.
  // Constructing one installs the worker-side listener that answers the primary.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([telemetry.registry]);
  process.on('message', async (m: ToWorker) => {
    try {
      if (m.type === 'lb:init') {
        config = m.config;
        for (const vs of config.virtualServers) {
          const entry = {
            slot: m.slots[vs.name]!,
            exceptions: m.exceptions[vs.name] ?? [],
            autoGraceUntil: m.autoGrace[vs.name],
          };
          const rt = new VirtualServerRuntime(vs, entry, {
            ...deps,
            telemetry,
            shared: true,
            autoGrace: (name, client) => send({ type: 'lb:autograce', name, client }),
            ticketSecrets: fromWire(m.tickets),
            ticketRotationMs: config.ticketRotationMs,
            sessionTickets: config.sessionTickets,
          });
          runtimes.set(vs.name, rt);
          await rt.start();
        }
        send({ type: 'lb:ready' });
      } else if (m.type === 'lb:tickets') {
        const secrets = fromWire(m.tickets);
        for (const rt of runtimes.values()) rt.setTicketSecrets(secrets);
      } else if (m.type === 'lb:apply') {
        runtimes.get(m.name)?.apply(m.entry);
        send({ type: 'lb:ack', id: m.id });
      } else if (m.type === 'lb:facts') {
        const rt = runtimes.get(m.name);
        send({ type: 'lb:ack', id: m.id, ...(rt ? { facts: runtimeFacts(rt) } : {}) });
      } else if (m.type === 'lb:failures') {
        send({ type: 'lb:ack', id: m.id, failures: telemetry.clientFailures() });
      } else if (m.type === 'lb:drain') {
        await Promise.all([...runtimes.values()].map((r) => r.drain(config?.drainTimeoutMs ?? 30_000)));
        process.exit(0);
      }
    } catch (e) {
      send({ type: 'lb:failed', message: (e as Error).message });
    }
  });
  send({ type: 'lb:hello' });
}
