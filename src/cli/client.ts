/**
 * The CLI as a thin client of the coordinator API. It finds its server and token in this order:
 * `--server URL --token T`; ROLLOVER_URL and ROLLOVER_TOKEN; the profile `rollover login` saved;
 * `./rollover-data/client.json` written by a server started in the same directory. Problem+json
 * answers become typed errors with the server's stable code.
 */
import { promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { exists, readFileChecked, writeFileAtomic } from '../files/atomic.js';
import { fail, RolloverError } from '../shared/errors.js';
import { errorFromProblem } from '../shared/problem.js';
import type { CliContext } from './context.js';

/** The flags every client command takes. */
export interface ClientFlags {
  server?: string;
  token?: string;
}

/** A saved sign-in: server, token, and the CA to trust for HTTPS. */
export interface SavedProfile {
  server: string;
  token: string;
  caFile?: string;
}

/** Where a server and token were found, for messages. */
export type ClientSource = 'flags' | 'environment' | 'login profile' | 'data directory';

/** A resolved connection. */
export interface ApiClient {
  server: string;
  source: ClientSource;
  /** Sends a request; returns the parsed JSON answer (or the raw bytes with `raw`). */
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Sends a request and returns the raw body bytes. */
  requestBytes(method: string, path: string): Promise<Uint8Array>;
}

/** The login profile path: ROLLOVER_CONFIG, else $XDG_CONFIG_HOME/rollover/profile.json, else ~/.config/…. */
export function profilePath(ctx: CliContext): string {
  if (ctx.env.ROLLOVER_CONFIG) return resolve(ctx.cwd, ctx.env.ROLLOVER_CONFIG);
  const base = ctx.env.XDG_CONFIG_HOME || join(ctx.env.HOME || ctx.cwd, '.config');
  return join(base, 'rollover', 'profile.json');
}

/** Saves the login profile (owner-readable only: it holds a token). */
export async function saveProfile(ctx: CliContext, p: SavedProfile): Promise<string> {
  const file = profilePath(ctx);
  await fs.mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeFileAtomic(file, `${JSON.stringify(p, null, 2)}\n`, { mode: 0o600 });
  return file;
}

async function readJson(file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse((await readFileChecked(file)).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof RolloverError) throw e;
    return fail('BAD_ARGUMENT', `${file} is not valid JSON: fix or remove it`);
  }
}

interface Candidate {
  source: ClientSource;
  server?: string | undefined;
  token?: string | undefined;
  caFile?: string | undefined;
}

async function candidates(ctx: CliContext, flags: ClientFlags): Promise<Candidate[]> {
  const out: Candidate[] = [
    { source: 'flags', server: flags.server, token: flags.token },
    { source: 'environment', server: ctx.env.ROLLOVER_URL, token: ctx.env.ROLLOVER_TOKEN },
  ];
  const profile = profilePath(ctx);
  if (await exists(profile)) {
    const p = await readJson(profile);
    out.push({
      source: 'login profile',
      server: p.server as string | undefined,
      token: p.token as string | undefined,
      caFile: p.caFile as string | undefined,
    });
  }
  const local = join(ctx.cwd, 'rollover-data', 'client.json');
  if (await exists(local)) {
    const c = await readJson(local);
    const dir = dirname(local);
    let token: string | undefined;
    if (typeof c.tokenFile === 'string') {
      token = (await readFileChecked(resolve(dir, c.tokenFile))).toString('utf8').trim();
    }
    out.push({
      source: 'data directory',
      server: c.server as string | undefined,
      token,
      caFile: typeof c.caFile === 'string' ? resolve(dir, c.caFile) : undefined,
    });
  }
  return out;
}

/** Resolves server and token; `anonymous` allows a missing token (sign-in, invitation accept). */
export async function resolveClient(
  ctx: CliContext,
  flags: ClientFlags,
  anonymous = false,
): Promise<ApiClient> {
  const all = await candidates(ctx, flags);
  const chosen = all.find((c) => c.server);
  if (!chosen?.server) {
    fail(
      'BAD_ARGUMENT',
      'no coordinator to talk to: give --server URL --token T, set ROLLOVER_URL and ROLLOVER_TOKEN, run rollover login, or run from the directory where rollover server created rollover-data/',
    );
  }
  // The token comes from the same place as the server unless a flag or the environment overrides it.
  const token = flags.token ?? ctx.env.ROLLOVER_TOKEN ?? chosen.token;
  if (!token && !anonymous) {
    fail(
      'UNAUTHENTICATED',
      `no API token for ${chosen.server}: give --token, set ROLLOVER_TOKEN or run rollover login`,
    );
  }
  return makeClient(chosen.server, token, chosen.source, chosen.caFile);
}

/** A client for a known server and token. */
export async function makeClient(
  server: string,
  token: string | undefined,
  source: ClientSource,
  caFile?: string,
): Promise<ApiClient> {
  let base: URL;
  try {
    base = new URL(server);
  } catch {
    return fail('BAD_ARGUMENT', `"${server}" is not a URL: write it like http://127.0.0.1:8080`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    fail('BAD_ARGUMENT', `${server} is not an http(s) URL`);
  // undici only when a CA must be trusted (its Agent carries the CA); it is loaded on use, as it is large.
  let doFetch: (url: string, init: Record<string, unknown>) => Promise<Response> = (url, init) =>
    fetch(url, init as RequestInit);
  if (caFile) {
    const ca = (await readFileChecked(caFile)).toString('utf8');
    const undici = await import('undici');
    const dispatcher = new undici.Agent({ connect: { ca } });
    doFetch = (url, init) =>
      undici.fetch(url, { ...init, dispatcher } as never) as unknown as Promise<Response>;
  }
  const root = server.replace(/\/+$/, '');

  async function send(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${root}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      const cause = (e as { cause?: Error }).cause;
      return fail(
        'CONNECT_FAILED',
        `cannot reach the coordinator at ${root} (from the ${source}): ${cause?.message ?? (e as Error).message}`,
      );
    }
    if (!res.ok) {
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        // not problem+json
      }
      throw errorFromProblem(body, res.status, 'the coordinator');
    }
    return res;
  }

  return {
    server: root,
    source,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await send(method, path, body);
      const text = await res.text();
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async requestBytes(method: string, path: string): Promise<Uint8Array> {
      const res = await send(method, path);
      return new Uint8Array(await res.arrayBuffer());
    },
  };
}

/** Adds `--server URL`, `--token T` and (for reads) `--json` to a client command. */
export function clientCommand<C extends import('commander').Command>(cmd: C, read = true): C {
  cmd.option('--server <url>', 'coordinator URL (else ROLLOVER_URL, the login profile, ./rollover-data)');
  cmd.option('--token <token>', 'API token (else ROLLOVER_TOKEN, the login profile, ./rollover-data)');
  if (read) cmd.option('--json', 'print JSON');
  return cmd;
}

/** Prints rows as aligned columns (or `empty` when there are none). */
export function printRows(
  ctx: CliContext,
  rows: Array<Record<string, unknown>>,
  columns: string[],
  empty = 'none',
): void {
  if (rows.length === 0) {
    ctx.out(`${empty}\n`);
    return;
  }
  const cell = (v: unknown) =>
    Array.isArray(v) ? v.join(',') : v === null || v === undefined ? '-' : String(v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) =>
    `${vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  ctx.out(line(columns));
  for (const r of rows) ctx.out(line(columns.map((c) => cell(r[c]))));
}

/** Prints one object as `key: value` lines. */
export function printObject(ctx: CliContext, obj: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(obj)) {
    const text =
      Array.isArray(v) || (v && typeof v === 'object') ? JSON.stringify(v) : v === null ? '-' : String(v);
    ctx.out(`${k}: ${text}\n`);
  }
}

type RunnerLike = <A extends unknown[]>(
  fn: (...args: A) => Promise<number | undefined>,
) => (...args: A) => Promise<void>;

/** Adds `list`, `show REF` and `remove REF` for an API collection to a command group. */
export function registerReadRemove(
  group: import('commander').Command,
  ctx: CliContext,
  run: RunnerLike,
  o: { path: string; noun: string; columns: string[]; listQuery?: (opts: Record<string, string>) => string },
): { list: import('commander').Command } {
  const list = clientCommand(group.command('list').description(`list ${o.noun}s you may see`)).action(
    run(async (opts: ClientFlags & { json?: boolean } & Record<string, string>) => {
      const c = await resolveClient(ctx, opts);
      const rows = await c.request<Array<Record<string, unknown>>>(
        'GET',
        `${o.path}${o.listQuery?.(opts) ?? ''}`,
      );
      if (opts.json) ctx.out(`${JSON.stringify(rows, null, 2)}\n`);
      else printRows(ctx, rows, o.columns, `no ${o.noun}s`);
      return undefined;
    }),
  );
  clientCommand(
    group.command('show').description(`show one ${o.noun}`).argument('<ref>', 'id (or name)'),
  ).action(
    run(async (ref: string, opts: ClientFlags & { json?: boolean }) => {
      const c = await resolveClient(ctx, opts);
      const obj = await c.request<Record<string, unknown>>('GET', `${o.path}/${encodeURIComponent(ref)}`);
      if (opts.json) ctx.out(`${JSON.stringify(obj, null, 2)}\n`);
      else printObject(ctx, obj);
      return undefined;
    }),
  );
  clientCommand(
    group.command('remove').description(`remove a ${o.noun}`).argument('<ref>', 'id (or name)'),
  ).action(
    run(async (ref: string, opts: ClientFlags & { json?: boolean }) => {
      const c = await resolveClient(ctx, opts);
      const r = await c.request<{ id: string }>('DELETE', `${o.path}/${encodeURIComponent(ref)}`);
      if (opts.json) ctx.out(`${JSON.stringify(r, null, 2)}\n`);
      else ctx.out(`removed ${o.noun} ${r.id}\n`);
      return undefined;
    }),
  );
  return { list };
}

/** Prints a created object: JSON with --json, else its id and name. */
export function printCreated(
  ctx: CliContext,
  noun: string,
  obj: Record<string, unknown>,
  json?: boolean,
): void {
  if (json) ctx.out(`${JSON.stringify(obj, null, 2)}\n`);
  else ctx.out(`added ${noun} ${String(obj.name ?? '')} (${String(obj.id)})\n`);
}
