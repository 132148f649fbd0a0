/**
 * What every step of `rollover demo` shares: the options, the timings of each speed, the run (the
 * landscape, the callers of each role, the timeline), the renewal detail as the demo reads it, and
 * waiting for a condition.
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { type ApiClient, makeClient } from '../cli/client.js';
import type { CliContext } from '../cli/context.js';
import { failureOf, runInProcess } from '../cli/in-process.js';
import { backupStamp } from '../files/atomic.js';
import { fail } from '../shared/errors.js';
import { formatInstant } from '../shared/time.js';
import { DATA_FILES } from '../store/data-dir.js';
import { DEMO_STORE_PASSWORD } from './landscape.js';
import { type Landscape, readLandscape } from './seed.js';

/** One seed step as the report shows it. */
export interface DemoStep {
  step: 1 | 2 | 3 | 4 | 5 | 6;
  role: 'lb-admin' | 'tenant-admin' | 'sender-admin';
  at: string;
  what: string;
  [detail: string]: unknown;
}

/** Timings of one demo speed. */
export const SPEEDS = {
  fast: { leadMs: 15_000, rollbackWindow: '6s', afterTMs: 4000, bridgeMs: 6000, graceMs: 120_000 },
  real: {
    leadMs: 7 * 86_400_000,
    rollbackWindow: '24h',
    afterTMs: 0,
    bridgeMs: 14 * 86_400_000,
    graceMs: 7 * 86_400_000,
  },
} as const;

export type Detail = {
  id: string;
  state: string;
  exchangeAt: string;
  exchangedAt?: string | null;
  safeRemovalAt: string | null;
  statusUrl: string;
  gate: { decision: string };
  senders: Array<{
    id: string;
    state: string;
    failuresAfterT: number;
    status?: {
      state: string;
      proven: boolean;
      oldCredentialServedUntil: string | null;
      evidence: { at: string } | null;
    };
  }>;
  nodes: Array<{ stagedAckAt: string | null; verifiedAt: string | null; servedSha256: string | null }>;
  readiness: Record<string, number>;
  status?: { grace?: { policy: 'off' | 'unready'; graceUntil: string | null } };
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      fail('TIMED_OUT', `the demo waited ${Math.round(timeoutMs / 1000)} s for ${what}`);
    await sleep(250);
  }
}

/** What `runDemo` is given. */
export interface DemoOptions {
  dataDir: string;
  ctx: CliContext;
  speed: 'fast' | 'real';
  /** Serve bridges in both directions (reverse until T, forward until T plus the bridge time). */
  bridge?: boolean;
  /**
   * Per-sender grace: `unready` (default without --bridge) keeps the straggler on the old certificate
   * after T until the grace deadline; `off` switches everybody at T (the straggler fails).
   */
  grace?: 'off' | 'unready';
  say: (line: string) => void;
}

/** The demo's grace policy: unready unless off is asked for, or bridges are shown (they need no grace). */
export function graceOf(o: DemoOptions): 'off' | 'unready' {
  return o.grace ?? (o.bridge ? 'off' : 'unready');
}

export type DemoSender = Landscape['senders'][number];

/** What every step of one run shares: the landscape, the callers of each role, the timeline. */
export interface Run {
  o: DemoOptions;
  land: Landscape;
  server: string;
  lbAdmin: ApiClient;
  /** The API client of a landscape user. */
  as(name: string): Promise<ApiClient>;
  tokenOf(name: string): Promise<string>;
  /** Runs a real CLI command as `role`, narrated; fails with the command's own code. */
  cli(argv: string[], role: string, token?: string): Promise<string>;
  work: string;
  speed: (typeof SPEEDS)[keyof typeof SPEEDS];
  steps: DemoStep[];
  now(): string;
}

/** Reads the landscape `rollover up` left and prepares the callers of each role and the work directory. */
export async function openRun(o: DemoOptions): Promise<Run> {
  const land: Landscape =
    (await readLandscape(o.dataDir)) ??
    fail('FILE_NOT_FOUND', `${o.dataDir} holds no demo landscape: start \`rollover up\` first`);
  const server = (
    JSON.parse(await fs.readFile(join(o.dataDir, DATA_FILES.client), 'utf8')) as { server: string }
  ).server;
  const as = async (name: string): Promise<ApiClient> => {
    const u =
      land.users.find((x) => x.name === name) ?? fail('NOT_FOUND', `the landscape has no user ${name}`);
    return makeClient(server, (await fs.readFile(u.tokenFile, 'utf8')).trim(), 'data directory');
  };
  const tokenOf = async (name: string) =>
    (await fs.readFile(land.users.find((x) => x.name === name)!.tokenFile, 'utf8')).trim();
  const lbAdmin = await as('lb-admin');
  const speed = SPEEDS[o.speed];
  const work = join(o.dataDir, 'demo', `renewal-${backupStamp(o.ctx.now())}`);
  await fs.mkdir(work, { recursive: true });
  const passphrase = (await fs.readFile(join(o.dataDir, 'demo', 'ca-passphrase'), 'utf8')).trim();
  // A token travels in the environment, never on the command line the narration prints.
  const cli = async (argv: string[], role: string, token?: string) => {
    o.say(`  [${role}] $ ${token ? 'ROLLOVER_TOKEN=… ' : ''}rollover ${argv.join(' ')}`);
    const r = await runInProcess(o.ctx, argv, {
      env: {
        ...o.ctx.env,
        ROLLOVER_PASSPHRASE: passphrase,
        ...(token ? { ROLLOVER_TOKEN: token } : {}),
      },
    });
    if (r.code !== 0) throw failureOf(r, argv);
    return r.stdout;
  };
  return {
    o,
    land,
    server,
    lbAdmin,
    as,
    tokenOf,
    cli,
    work,
    speed,
    steps: [],
    now: () => formatInstant(o.ctx.now()),
  };
}

/** Where senders report their evidence for renewal `id`. */
export const evidenceUrl = (run: Run, id: string) => `${run.server}/api/v1/renewals/${id}/evidence`;

/** The password flags a sender's truststore needs. */
export const passwordFlags = (kind: string) =>
  kind === 'pkcs12' || kind === 'jks' ? ['--password', DEMO_STORE_PASSWORD] : [];
