/**
 * An in-process coordinator for API tests: a real store, the real hono app on @hono/node-server at
 * port 0, and a fetch helper speaking real HTTP to it. A settable clock drives expiry.
 */
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { serve } from '@hono/node-server';
import { buildApi } from '../../src/api/app.js';
import { bootstrapAdmin } from '../../src/coordinator/bootstrap.js';
import type { CoordinatorEnv } from '../../src/coordinator/env.js';
import { buildCoordinatorEnv } from '../../src/main/coordinator-env.js';
import { sqliteBackupBytes } from '../../src/store/backup.js';
import type { StoreConfig } from '../../src/store/open.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { Store } from '../../src/store/store.js';

/** A response, read whole. */
export interface Reply {
  status: number;
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  body: any;
  text: string;
}

/** A running test coordinator. */
export interface TestCoordinator {
  url: string;
  env: CoordinatorEnv;
  store: Store;
  adminToken: string;
  /** Statements the store has run so far (to compare the work of two requests). */
  queries(): number;
  /** Moves the clock by `ms`. */
  advance(ms: number): void;
  /** Calls the API; `body` is sent as JSON unless it is a string (sent raw). */
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Reply>;
}

/** Starts a coordinator on `config` (SQLite in memory by default), stopped when the test file ends. */
export async function startTestCoordinator(
  config: StoreConfig = { kind: 'sqlite', file: ':memory:' },
  /** With `renewal`, the workflow's routes are served too (no scheduler runs). */
  opts: { renewal?: boolean; trustedProxies?: string[] } = {},
): Promise<TestCoordinator> {
  let now = Date.parse('2026-11-27T10:00:00Z');
  const clock = { now: () => now };
  let count = 0;
  const store = await Store.open(
    {
      ...config,
      onQuery: () => {
        count++;
      },
    },
    generateMasterKey(),
  );
  const env = await buildCoordinatorEnv({
    store,
    clock,
    publicUrl: 'http://coordinator.test',
    ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}),
    ...(opts.renewal
      ? {
          renewal: {
            timing: { minLeadMs: 3000, gateLeadMs: 2500, postponeCutoffMs: 1000, reminderOffsetsMs: [] },
            linkTtlMs: 3_600_000,
            proposeDaysAhead: 30,
            retryBaseMs: 150,
            retryMaxMs: 600,
          },
        }
      : {}),
  });
  const app = buildApi(env, {
    ...(store.sqlite ? { backup: () => sqliteBackupBytes(store) } : {}),
    onUnexpected: (e) => console.error('unexpected error in the coordinator:', e),
  });
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await store.close();
  });
  const adminToken = (await bootstrapAdmin(env))!;
  return {
    url,
    env,
    store,
    adminToken,
    queries: () => count,
    advance: (ms) => {
      now += ms;
    },
    async call(method, path, opts = {}) {
      const token = opts.token === undefined ? adminToken : opts.token;
      const headers: Record<string, string> = { ...opts.headers };
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      const type = res.headers.get('content-type') ?? '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.status, type, body: parsed, text };
    },
  };
}
