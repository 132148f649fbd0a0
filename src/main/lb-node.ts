/**
 * Composition root of a built-in data-plane node (`rollover lb run`): the configuration from a file or
 * the one-virtual-server flags, the logger and clock, one process or a cluster of workers, the pull
 * from a coordinator for a remote node, and the drain on SIGINT/SIGTERM.
 */
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import pino from 'pino';
import { readFileChecked } from '../files/atomic.js';
import { startClusterPrimary } from '../lb/cluster.js';
import { type LbConfig, parseConfigText, resolveConfig } from '../lb/config.js';
import { controlClientFor } from '../lb/control-client.js';
import type { DataPlane } from '../lb/data-plane.js';
import { startLbNode } from '../lb/node.js';
import { startRemoteSync } from '../lb/remote-sync.js';
import { fail } from '../shared/errors.js';
import { waitForShutdownSignal } from './signals.js';

/** The flags of `rollover lb run`, as parsed. */
export interface LbNodeFlags {
  coordinator?: string;
  nodeToken?: string;
  config?: string;
  listen?: string;
  host: string[];
  credential?: string;
  backend: string[];
  backendCa?: string;
  stateDir?: string;
  name: string;
  preview?: string;
  control: string;
  metrics?: string;
  workers?: number;
  healthPath?: string;
  mode?: string;
  proxyProtocol?: string;
  alpn?: string[];
  tlsProfile?: string;
  ciphers?: string;
  minVersion?: string;
  /** False with --no-session-tickets. */
  sessionTickets?: boolean;
  logLevel: string;
}

/** What the process gives the node: where relative paths start, and the clock. */
export interface LbNodeProcess {
  cwd: string;
  now: () => Date;
}

/** Runs a node until SIGINT or SIGTERM, then drains it. `nodeToken` is resolved by the caller. */
export async function runLbNode(flags: LbNodeFlags, proc: LbNodeProcess): Promise<void> {
  const config = await nodeConfig(flags, proc.cwd);
  const log = pino({ level: config.logLevel });
  const clock = { now: () => proc.now().getTime() };
  const node =
    config.workers > 1
      ? await startClusterPrimary(config, {
          clock,
          log,
          workerScript: fileURLToPath(new URL('./lb.js', import.meta.url)),
        })
      : await startLbNode(config, { clock, log });
  const status = await node.dataPlane.status();
  log.info({ control: status.control, metrics: status.metrics, workers: config.workers }, 'data plane ready');
  const sync =
    flags.coordinator && flags.nodeToken
      ? await startPull(flags.coordinator, flags.nodeToken, config.stateDir, node.dataPlane, clock, log)
      : undefined;
  const sig = await waitForShutdownSignal();
  log.info({ signal: sig }, 'draining');
  await sync?.stop();
  await node.stop();
  log.info('stopped');
}

/** Starts pulling the desired state from a coordinator (a remote node). */
function startPull(
  coordinator: string,
  nodeToken: string,
  stateDir: string,
  dataPlane: DataPlane,
  clock: { now: () => number },
  log: Logger,
) {
  log.info({ coordinator }, 'pulling the desired state');
  return startRemoteSync({
    dataPlane,
    coordinator,
    nodeToken,
    clock,
    log,
    failures: async () => (await controlClientFor(stateDir)).failures(),
  });
}

/** Builds the configuration from --config or from the one-virtual-server flags; resolves paths. */
export async function nodeConfig(o: LbNodeFlags, cwd: string): Promise<LbConfig> {
  const abs = (p: string, base = cwd) => (isAbsolute(p) ? p : resolve(base, p));
  let raw: Record<string, unknown>;
  let base = cwd;
  if (o.config) {
    const path = abs(o.config);
    raw = parseConfigText((await readFileChecked(path)).toString('utf8'), path) as Record<string, unknown>;
    if (typeof raw !== 'object' || raw === null) fail('BAD_ARGUMENT', `${path} must hold an object`);
    base = resolve(path, '..');
    if (o.listen || o.credential || o.backend.length) {
      fail(
        'BAD_ARGUMENT',
        'give either --config or the one-virtual-server flags (--listen, --credential…), not both',
      );
    }
    if (o.tlsProfile || o.ciphers || o.minVersion) {
      fail(
        'BAD_ARGUMENT',
        'with --config, set tlsProfile, ciphers and minVersion per virtual server in the file, not by flags',
      );
    }
    if (o.stateDir) raw.stateDir = o.stateDir;
    if (o.mode || o.proxyProtocol || o.alpn?.length || o.healthPath) {
      fail(
        'BAD_ARGUMENT',
        'with --config, set mode, proxyProtocol, alpn and healthCheck per virtual server in the file',
      );
    }
  } else {
    const missing = [
      ['--listen', o.listen],
      ['--credential', o.credential],
      ['--state-dir', o.stateDir],
    ].filter(([, v]) => !v);
    if (missing.length || o.host.length === 0 || o.backend.length === 0) {
      fail(
        'BAD_ARGUMENT',
        `without --config, give --listen, --host (at least one), --credential, --backend (at least one) and --state-dir${missing.length ? ` (missing ${missing.map(([n]) => n).join(', ')})` : ''}`,
      );
    }
    raw = {
      stateDir: o.stateDir,
      virtualServers: [
        {
          name: o.name,
          listen: o.listen,
          hosts: o.host,
          credential: o.credential,
          ...(o.preview ? { preview: o.preview } : {}),
          backends: o.backend.map((url) => ({ url, ...(o.backendCa ? { ca: abs(o.backendCa) } : {}) })),
          ...(o.healthPath ? { healthCheck: { path: o.healthPath } } : {}),
          ...(o.mode ? { mode: o.mode } : {}),
          ...(o.proxyProtocol ? { proxyProtocol: o.proxyProtocol } : {}),
          ...(o.alpn?.length ? { alpn: o.alpn } : {}),
          ...(o.tlsProfile ? { tlsProfile: o.tlsProfile } : {}),
          ...(o.ciphers ? { ciphers: o.ciphers } : {}),
          ...(o.minVersion ? { minVersion: o.minVersion } : {}),
        },
      ],
    };
  }
  if (o.control !== '127.0.0.1:0' || raw.control === undefined) raw.control = o.control;
  if (o.metrics) raw.metrics = o.metrics;
  if (o.sessionTickets === false) raw.sessionTickets = false;
  if (o.workers) raw.workers = o.workers;
  if (o.logLevel !== 'info' || raw.logLevel === undefined) raw.logLevel = o.logLevel;
  const config = resolveConfig(raw, { workers: availableParallelism() });
  config.stateDir = abs(config.stateDir, o.config && !o.stateDir ? base : cwd);
  for (const vs of config.virtualServers) {
    vs.credential = abs(vs.credential, base);
    for (const b of vs.backends) if (b.ca) b.ca = abs(b.ca, base);
  }
  return config;
}
