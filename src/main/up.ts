/**
 * Composition root of `rollover up`: the coordinator on its SQLite file, the built-in LB node and a
 * small tenant back-end, in one process on loopback. On an empty data directory it creates the demo
 * landscape (src/demo/seed.ts); later starts reuse it. Resolves once everything listens.
 */
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import { makeClient } from '../cli/client.js';
import { type Landscape, readLandscape, seedLandscape } from '../demo/seed.js';
import { parseConfigText, resolveConfig } from '../lb/config.js';
import type { ControlEndpoint } from '../lb/control.js';
import { type LbNode, startLbNode } from '../lb/node.js';
import type { Clock } from '../shared/time.js';
import { DATA_FILES } from '../store/data-dir.js';
import { type RunningServer, startServer } from './server.js';

/** Options of `rollover up`. */
export interface UpOptions {
  dataDir: string;
  listen: string;
  lbListen: string;
  previewListen: string;
  backendListen: string;
  env: Record<string, string | undefined>;
  cwd: string;
  clock: Clock;
  log: (line: string) => void;
}

/** Everything `up` started. */
export interface RunningUp {
  coordinator: RunningServer;
  lb: LbNode;
  landscape: Landscape;
  backendUrl: string;
  /** A one-time sign-in link per demo user, fresh at every start. */
  signInLinks: Record<string, string>;
  close(): Promise<void>;
}

/** The tenant back-end: answers which tenant path was called, and from which client address. */
async function startTenantBackend(listen: string): Promise<Server> {
  const [host, port] = [
    listen.slice(0, listen.lastIndexOf(':')),
    Number(listen.slice(listen.lastIndexOf(':') + 1)),
  ];
  const server = createServer((req, res) => {
    const body = JSON.stringify({
      tenant: (req.url ?? '/').split('/')[1] || 'shop',
      path: req.url,
      from: req.headers['x-forwarded-for'] ?? null,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((ok, ko) => {
    server.once('error', ko);
    server.listen(port, host, () => ok());
  });
  return server;
}

/** Starts the coordinator, the tenant back-end and the LB node; seeds the landscape the first time. */
export async function startUp(o: UpOptions): Promise<RunningUp> {
  // A demo system: seconds-scale leads, so `rollover demo --speed fast` can run the whole seed.
  const env = {
    ROLLOVER_MIN_LEAD: '10s',
    ROLLOVER_GATE_LEAD: '5s',
    ROLLOVER_POSTPONE_CUTOFF: '3s',
    ...o.env,
  };
  const coordinator = await startServer({
    dataDir: o.dataDir,
    listen: o.listen,
    env,
    cwd: o.cwd,
    clock: o.clock,
    log: o.log,
  });
  const closers: Array<() => Promise<void>> = [() => coordinator.close()];
  const closeAll = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  };
  try {
    const backend = await startTenantBackend(o.backendListen);
    closers.push(() => new Promise<void>((r) => backend.close(() => r())));
    const backendUrl = `http://${o.backendListen}`;
    const adminToken = (await fs.readFile(join(coordinator.dataDir, DATA_FILES.adminToken), 'utf8')).trim();
    const api = await makeClient(coordinator.url, adminToken, 'data directory');
    let landscape = await readLandscape(coordinator.dataDir);
    if (!landscape) {
      o.log('empty data directory: creating the demo landscape');
      landscape = await seedLandscape({
        api,
        dataDir: coordinator.dataDir,
        lbListen: o.lbListen,
        previewListen: o.previewListen,
        backendUrl,
        now: new Date(o.clock.now()),
      });
    }
    const stateDir = join(coordinator.dataDir, 'demo', 'lb-state');
    const config = resolveConfig(
      parseConfigText(
        JSON.stringify({
          stateDir,
          control: '127.0.0.1:0',
          workers: 1,
          logLevel: o.env.ROLLOVER_LOG_LEVEL ?? 'warn',
          virtualServers: [
            {
              name: landscape.virtualServer.name,
              listen: landscape.virtualServer.listen,
              hosts: landscape.virtualServer.hosts,
              credential: landscape.credentialDir,
              preview: landscape.virtualServer.preview,
              backends: [landscape.backend],
            },
          ],
        }),
        'up',
      ),
      { workers: 1 },
    );
    const lb = await startLbNode(config, { clock: o.clock, log: pino({ level: config.logLevel }) });
    closers.push(() => lb.stop());
    // The coordinator drives the node through its control interface: tell it where, with which token.
    const control = JSON.parse(await fs.readFile(join(stateDir, 'control.json'), 'utf8')) as ControlEndpoint;
    await api.request('POST', `/api/v1/lbs/${landscape.lb.id}/nodes/${landscape.lb.node}/control`, {
      url: control.url,
      token: control.token,
    });
    const signInLinks: Record<string, string> = {};
    for (const u of landscape.users) {
      signInLinks[u.name] = (
        await api.request<{ url: string }>('POST', '/api/v1/sign-in-links', { user: u.name })
      ).url;
    }
    return { coordinator, lb, landscape, backendUrl, signInLinks, close: closeAll };
  } catch (e) {
    await closeAll();
    throw e;
  }
}
