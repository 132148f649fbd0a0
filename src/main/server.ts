/**
 * Composition root of the coordinator (`rollover server`): reads the data directory, the master key
 * and DATABASE_URL, opens the store (refusing a wrong key before touching anything), creates the
 * initial admin on first start, and serves the API over HTTP or HTTPS.
 */
import { promises as fs } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { buildApi } from '../api/app.js';
import { parseTrustedProxies } from '../api/client-address.js';
import { bootstrapAdmin } from '../coordinator/bootstrap.js';
import type { RenewalEnv } from '../coordinator/renewal/ports.js';
import { exists, readFileChecked, writeFileAtomic } from '../files/atomic.js';
import { fail } from '../shared/errors.js';
import { type Clock, systemClock } from '../shared/time.js';
import { sqliteBackupBytes } from '../store/backup.js';
import {
  DATA_FILES,
  ensureDataDir,
  resolveMasterKey,
  runningServerPid,
  writeMasterKey,
} from '../store/data-dir.js';
import { assertStoreNotLost } from '../store/integrity.js';
import type { StoreConfig } from '../store/open.js';
import { Store } from '../store/store.js';
import { buildCoordinatorEnv } from './coordinator-env.js';
import { renewalSettingsFromEnv, startRenewalRuntime } from './renewal-runtime.js';

/** Options of `rollover server`. */
export interface ServerOptions {
  dataDir: string;
  /** HOST:PORT; port 0 picks a free port. */
  listen: string;
  tlsCredential?: string | undefined;
  masterKeyFile?: string | undefined;
  env: Record<string, string | undefined>;
  cwd: string;
  clock?: Clock;
  /** Where start-up notes and warnings go. */
  log: (line: string) => void;
}

/** A running coordinator. */
export interface RunningServer {
  url: string;
  dataDir: string;
  store: Store;
  close(): Promise<void>;
}

/** The client profile written to DATA_DIR/client.json. */
export interface ClientProfile {
  server: string;
  /** The token file, relative to the directory of client.json. */
  tokenFile: string;
  /** The CA to trust for an HTTPS server, relative to the directory of client.json. */
  caFile?: string;
}

/** Reads HOST:PORT. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/i.exec(text.trim());
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535)
    fail('BAD_ARGUMENT', `--listen "${text}" is not HOST:PORT, for example 127.0.0.1:8080`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Starts the coordinator; resolves when it listens. */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const clock = o.clock ?? systemClock;
  const dataDir = isAbsolute(o.dataDir) ? o.dataDir : resolve(o.cwd, o.dataDir);
  const { host, port } = parseListen(o.listen);
  // Settings are read before anything is written: a bad one leaves the data directory as it was.
  const trustedProxies = parseTrustedProxies(o.env.ROLLOVER_TRUSTED_PROXIES);
  const pgUrl = o.env.DATABASE_URL;
  const dbFile = join(dataDir, DATA_FILES.db);
  // A master key in the directory says a store existed: a missing or empty one is lost, not new.
  if (!pgUrl) await assertStoreNotLost(dbFile, join(dataDir, DATA_FILES.masterKey));
  const storeExists = pgUrl ? false : await exists(dbFile);
  const pid = await runningServerPid(dataDir);
  if (pid !== undefined && pid !== process.pid)
    fail('SERVER_RUNNING', `a server (pid ${pid}) already uses ${dataDir}`);

  let tls: { key: Buffer; cert: Buffer; ca: string } | undefined;
  if (o.tlsCredential) {
    tls = {
      key: await readFileChecked(join(o.tlsCredential, 'tls.key')),
      cert: await readFileChecked(join(o.tlsCredential, 'tls.crt')),
      ca: resolve(o.cwd, o.tlsCredential, 'ca.crt'),
    };
  }

  // The key is checked against the store before anything is written; a fresh directory gets one.
  const { key, generated } = await resolveMasterKey({
    dataDir,
    masterKeyFile: o.masterKeyFile ? resolve(o.cwd, o.masterKeyFile) : undefined,
    envKey: o.env.ROLLOVER_MASTER_KEY,
    storeExists,
  });
  const config: StoreConfig = pgUrl
    ? {
        kind: 'postgres',
        url: pgUrl,
        ...(o.env.ROLLOVER_DB_SCHEMA ? { schema: o.env.ROLLOVER_DB_SCHEMA } : {}),
      }
    : { kind: 'sqlite', file: dbFile };
  if (!storeExists) await ensureDataDir(dataDir);
  if (generated) {
    o.log(
      `generated a master key in ${await writeMasterKey(dataDir, key)} (keep a copy: without it the keys in the store are lost)`,
    );
  }
  const store = await Store.open(config, key);

  let env: RenewalEnv | undefined;
  let tickMs: number;
  try {
    const settings = renewalSettingsFromEnv(o.env);
    tickMs = settings.tickMs;
    env = await buildCoordinatorEnv({
      store,
      clock,
      provider: o.env.ROLLOVER_ORGANISATION || 'Provider',
      trustedProxies,
      renewal: settings,
    });
    await ensureDataDir(dataDir);
    const adminToken = await bootstrapAdmin(env);
    if (adminToken) {
      await writeFileAtomic(join(dataDir, DATA_FILES.adminToken), adminToken, { mode: 0o600 });
      o.log(`created the initial lb-admin; its token is in ${join(dataDir, DATA_FILES.adminToken)}`);
    }
  } catch (e) {
    env?.renewal.mail?.close();
    await store.close();
    throw e;
  }

  // The renewal workflow's scheduler (one leader per PostgreSQL via an advisory lock).
  let renewal: Awaited<ReturnType<typeof startRenewalRuntime>>;
  try {
    renewal = await startRenewalRuntime(env, {
      tickMs,
      pgUrl,
      pgSchema: o.env.ROLLOVER_DB_SCHEMA,
      log: o.log,
    });
  } catch (e) {
    env.renewal.mail?.close();
    await store.close();
    throw e;
  }
  const app = buildApi(env, {
    ...(store.sqlite ? { backup: () => sqliteBackupBytes(store) } : {}),
    onUnexpected: (e) =>
      o.log(`unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  });
  const server = serve({
    fetch: app.fetch,
    port,
    hostname: host,
    ...(tls ? { createServer: createHttpsServer, serverOptions: { key: tls.key, cert: tls.cert } } : {}),
  });
  try {
    await new Promise<void>((ok, ko) => {
      server.once('listening', () => ok());
      server.once('error', ko);
    });
  } catch (e) {
    await renewal.stop();
    await store.close();
    fail('IO_ERROR', `cannot listen on ${o.listen}: ${(e as Error).message}`);
  }
  const actual = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `${tls ? 'https' : 'http'}://${urlHost}:${actual}`;
  env.publicUrl = o.env.ROLLOVER_PUBLIC_URL || url;
  if (!tls && !isLoopback(host)) {
    o.log(
      `WARNING: listening on ${host} without TLS: tokens and passwords cross the network in clear text. ` +
        'Give --tls-credential DIR, or listen on 127.0.0.1 behind a TLS proxy.',
    );
  }
  const profile: ClientProfile = {
    server: url,
    tokenFile: DATA_FILES.adminToken,
    ...(tls ? { caFile: tls.ca } : {}),
  };
  await writeFileAtomic(join(dataDir, DATA_FILES.client), `${JSON.stringify(profile, null, 2)}\n`, {
    mode: 0o600,
  });
  await fs.writeFile(join(dataDir, DATA_FILES.pid), `${process.pid}\n`, { mode: 0o600 });
  o.log(
    `rollover coordinator listening on ${url} (store: ${config.kind === 'sqlite' ? dbFile : 'PostgreSQL'})`,
  );

  let closed = false;
  return {
    url,
    dataDir,
    store,
    async close() {
      if (closed) return;
      closed = true;
      await renewal.stop();
      await new Promise<void>((ok) => {
        server.close(() => ok());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await store.close();
      await fs.rm(join(dataDir, DATA_FILES.pid), { force: true });
    },
  };
}

/** Runs the coordinator until SIGINT or SIGTERM (the `rollover server` command). */
export async function runServer(o: ServerOptions): Promise<void> {
  const running = await startServer(o);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      o.log('stopping');
      running.close().then(done, done);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
