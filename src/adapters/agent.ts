import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { readCredentialDir } from '../files/credential-dir.js';
import { startControlServer } from '../lb/control.js';
import { type CredentialRecord, recordFromCredential } from '../lb/credential-record.js';
import { checkTlsPolicy } from '../lb/tls-context.js';
import { resolveTlsPolicy } from '../pki/tls-profile.js';
import { fail } from '../shared/errors.js';
import { type HostPort, parseHostPort } from '../shared/host-port.js';
import type { Clock } from '../shared/time.js';
import type { AgentConfig } from './agent-config.js';
import type { SwapDriver } from './driver.js';
import { HaproxyDriver } from './haproxy/driver.js';
import { listenFailureLog } from './haproxy/failure-log.js';
import { HaproxyRouteDriver } from './haproxy/route.js';
import { NginxDriver } from './nginx/driver.js';
import { followLog, parseNginxFailure } from './nginx/failure-log.js';
import { NginxTimeSwitchDriver } from './nginx/time-switch.js';
import { writeTlsInclude } from './nginx/tls-include.js';
import { TimedDataPlane } from './timed-data-plane.js';
import { proxyTlsWarnings } from './tls-check.js';

/** A running agent beside a real HAProxy or nginx. */
export interface RunningAgent {
  dataPlane: TimedDataPlane;
  control: HostPort;
  close(): Promise<void>;
}

function driverFor(c: AgentConfig): SwapDriver {
  if (c.kind === 'haproxy' && c.haproxyMode === 'route') {
    return new HaproxyRouteDriver({
      socketPath: c.socket!,
      virtualServers: Object.fromEntries(
        c.virtualServers.map((v) => {
          const l = parseHostPort(v.listen);
          const route = { newCrt: v.crt!, oldCrt: v.oldCrt!, map: v.map!, host: l.host, port: l.port };
          return [v.name, { ...route, servername: v.hosts[0]! }];
        }),
      ),
    });
  }
  if (c.kind === 'haproxy') {
    return new HaproxyDriver({
      socketPath: c.socket!,
      crtPaths: Object.fromEntries(c.virtualServers.map((v) => [v.name, v.crt!])),
    });
  }
  const at = (v: AgentConfig['virtualServers'][number]) => {
    const l = parseHostPort(v.listen);
    return { host: l.host, port: l.port, servername: v.hosts[0]! };
  };
  if (c.nginxMode === 'time') {
    return new NginxTimeSwitchDriver({
      pidFile: c.pidFile!,
      reloadBatchMs: c.reloadBatchMs,
      virtualServers: Object.fromEntries(
        c.virtualServers.map((v) => [
          v.name,
          { dir: v.dir!, ...(v.fileOwner ? { fileOwner: v.fileOwner } : {}), ...at(v) },
        ]),
      ),
    });
  }
  return new NginxDriver({
    pidFile: c.pidFile!,
    virtualServers: Object.fromEntries(
      c.virtualServers.map((v) => [v.name, { certPath: v.cert!, keyPath: v.key!, ...at(v) }]),
    ),
  });
}

/**
 * Starts an agent: the data plane's swap driver, the timed data plane with its state directory, and
 * the same loopback control interface as the built-in node, so the coordinator and `rollover lb
 * stage|status --state-dir` drive every kind of node alike.
 */
export async function startAgent(c: AgentConfig, deps: { clock: Clock; log: Logger }): Promise<RunningAgent> {
  const initial: Record<string, CredentialRecord> = {};
  for (const v of c.virtualServers)
    initial[v.name] = recordFromCredential(await readCredentialDir(v.credential));
  const policies = c.virtualServers.map((v) => ({
    name: v.name,
    policy: resolveTlsPolicy(v.tlsProfile, { ciphers: v.ciphers, minVersion: v.minVersion }),
  }));
  const policyOf = (name: string) => policies.find((p) => p.name === name)!.policy;
  for (const { name, policy } of policies) {
    const problem = checkTlsPolicy(policy);
    if (problem) fail('BAD_ARGUMENT', `virtual server ${name}: ${problem}`);
  }
  if (c.kind === 'nginx' && c.nginxMode === 'time') {
    // The server block includes it: nginx offers what the built-in data plane offers under the profile.
    for (const v of c.virtualServers) await writeTlsInclude(v.dir!, v.name, policyOf(v.name));
  }
  if (c.proxyConfig) {
    for (const w of await proxyTlsWarnings(c.kind, c.proxyConfig, policies))
      deps.log.warn({ proxyConfig: c.proxyConfig }, `TLS profile: ${w}`);
  } else {
    deps.log.warn(
      `no proxyConfig given: the ${c.kind} TLS settings are not checked against the TLS profiles`,
    );
  }
  const dataPlane = new TimedDataPlane({
    driver: driverFor(c),
    virtualServers: c.virtualServers.map((v) => ({
      name: v.name,
      hosts: v.hosts,
      listen: v.listen,
      tls: policyOf(v.name),
    })),
    stateDir: c.stateDir,
    clock: deps.clock,
    initial,
    prepareLeadMs: c.prepareLeadMs,
    log: deps.log,
    fallback: c.virtualServers
      .filter((v) => c.failureLog !== undefined || v.errorLog !== undefined)
      .map((v) => v.name),
  });
  await dataPlane.start();
  const failures = c.failureLog
    ? await listenFailureLog(parseHostPort(c.failureLog), (f) =>
        dataPlane.autoGrace(f.virtualServer, f.client, f.reason),
      )
    : undefined;
  const logs = c.virtualServers.flatMap((v) => {
    if (!v.errorLog) return [];
    return [
      followLog(v.errorLog, (line) => {
        const f = parseNginxFailure(line);
        if (f) dataPlane.autoGrace(v.name, f.client, f.reason);
      }),
    ];
  });
  await Promise.all(logs.map((l) => l.ready));
  const { server, address } = await startControlServer({
    dataPlane,
    stateDir: c.stateDir,
    listen: c.controlAddress,
    pid: process.pid,
  });
  return {
    dataPlane,
    control: address,
    async close() {
      dataPlane.close();
      failures?.close();
      for (const l of logs) l.close();
      await new Promise<void>((r) => (server as Server).close(() => r()));
    },
  };
}
