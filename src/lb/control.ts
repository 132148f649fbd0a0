/**
 * The control interface: JSON over HTTP on loopback, authenticated by a bearer token kept in the
 * state directory (mode 0600). Routes are documented in docs/lb.md; they mirror the DataPlane port.
 * Errors answer problem+json, like the coordinator API.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { promises as fs } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileAtomic } from '../files/atomic.js';
import { fail } from '../shared/errors.js';
import { formatHostPort, type HostPort } from '../shared/host-port.js';
import { assertJsonDepth } from '../shared/json-depth.js';
import { PROBLEM_CONTENT_TYPE, problemFrom } from '../shared/problem.js';
import { parseInstant } from '../shared/time.js';
import type { DataPlane, StageBridge } from './data-plane.js';
import { parseTableChange } from './source-exceptions.js';
import type { ClientFailures, LbTelemetry } from './telemetry.js';

/** The file in the state directory that tells the CLI where the control interface is. */
export const CONTROL_FILE = 'control.json';

/** Contents of control.json. */
export interface ControlEndpoint {
  url: string;
  token: string;
  pid: number;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1_000_000) fail('BAD_ARGUMENT', 'request body is larger than 1 MB');
    chunks.push(c as Buffer);
  }
  if (size === 0) return {};
  const text = Buffer.concat(chunks).toString('utf8');
  assertJsonDepth(text);
  try {
    return JSON.parse(text);
  } catch {
    return fail('BAD_ARGUMENT', 'request body is not JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function str(body: unknown, field: string): string {
  const v = (body as Record<string, unknown>)[field];
  if (typeof v !== 'string' || v.length === 0)
    fail('BAD_ARGUMENT', `field "${field}" is required (a string)`);
  return v;
}

/** The optional `bridges` of a stage body: {forwardPem, until, reversePem?}. */
function stageBridges(body: unknown): { bridges?: StageBridge } {
  const b = (body as { bridges?: unknown }).bridges;
  if (b === undefined || b === null) return {};
  if (typeof b !== 'object')
    fail('BAD_ARGUMENT', 'field "bridges" must be an object {forwardPem, until, reversePem?}');
  const reverse = (b as { reversePem?: unknown }).reversePem;
  if (reverse !== undefined && (typeof reverse !== 'string' || reverse.length === 0))
    fail('BAD_ARGUMENT', 'field "bridges.reversePem" must be PEM text');
  return {
    bridges: {
      forwardPem: str(b, 'forwardPem'),
      until: parseInstant(str(b, 'until')),
      ...(typeof reverse === 'string' ? { reversePem: reverse } : {}),
    },
  };
}

/** Reads or creates the control token (kept across restarts; mode 0600). */
export async function controlToken(stateDir: string): Promise<string> {
  try {
    const existing = JSON.parse(await fs.readFile(join(stateDir, CONTROL_FILE), 'utf8')) as ControlEndpoint;
    if (typeof existing.token === 'string' && existing.token.length >= 32) return existing.token;
  } catch {
    // none yet
  }
  return randomBytes(32).toString('base64url');
}

/** Starts the control server and writes control.json; returns the server and its address. */
export async function startControlServer(opts: {
  dataPlane: DataPlane;
  stateDir: string;
  listen: HostPort;
  telemetry?: LbTelemetry;
  /** The per-client failure table when it lives elsewhere (cluster workers); else `telemetry`'s. */
  clientFailures?: () => Promise<ClientFailures[]>;
  pid: number;
}): Promise<{ server: Server; address: HostPort }> {
  const token = await controlToken(opts.stateDir);
  const expected = Buffer.from(token);
  const dp = opts.dataPlane;
  const server = createServer(async (req, res) => {
    try {
      // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are the same scheme.
      const auth = Buffer.from(/^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
      if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
        fail(
          'UNAUTHENTICATED',
          'missing or wrong bearer token (it is in control.json in the state directory)',
        );
      }
      const url = new URL(req.url ?? '/', 'http://control');
      const m = /^\/v1\/virtual-servers\/([^/]+)\/(stage|unstage|activate|rollback|exceptions)$/.exec(
        url.pathname,
      );
      if (req.method === 'GET' && url.pathname === '/v1/status') return send(res, 200, await dp.status());
      if (req.method === 'GET' && url.pathname === '/v1/handshake-failures') {
        const clients = opts.clientFailures
          ? await opts.clientFailures()
          : (opts.telemetry?.clientFailures() ?? []);
        return send(res, 200, { clients });
      }
      if (req.method === 'POST' && m) {
        const name = decodeURIComponent(m[1]!);
        const body = await readBody(req);
        switch (m[2]) {
          case 'stage': {
            const validForMs = (body as { validForMs?: unknown }).validForMs;
            if (validForMs !== undefined && (typeof validForMs !== 'number' || validForMs < 0)) {
              fail('BAD_ARGUMENT', 'field "validForMs" must be a non-negative number');
            }
            const grace = (body as { grace?: unknown }).grace;
            if (grace !== undefined && typeof grace !== 'boolean')
              fail('BAD_ARGUMENT', 'field "grace" must be true or false');
            return send(
              res,
              200,
              await dp.stage(name, {
                keyPem: str(body, 'keyPem'),
                certPem: str(body, 'certPem'),
                rootPem: str(body, 'rootPem'),
                activateAt: parseInstant(str(body, 'activateAt')),
                ...(typeof validForMs === 'number' ? { validForMs } : {}),
                ...(typeof grace === 'boolean' ? { grace } : {}),
                ...stageBridges(body),
              }),
            );
          }
          case 'unstage':
            return send(res, 200, await dp.unstage(name));
          case 'activate':
            return send(res, 200, await dp.activate(name));
          case 'exceptions':
            return send(res, 200, await dp.exceptions(name, parseTableChange(body)));
          default:
            return send(res, 200, await dp.rollback(name));
        }
      }
      fail('NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    } catch (e) {
      // The interface is loopback-only and token-bound: an unexpected error's message helps its operator.
      const p = problemFrom(e, `an unexpected error happened: ${(e as Error)?.message ?? String(e)}`);
      return send(res, p.status, p, PROBLEM_CONTENT_TYPE);
    }
  });
  server.listen(opts.listen.port, opts.listen.host);
  await once(server, 'listening');
  const a = server.address() as AddressInfo;
  const address = { host: a.address, port: a.port };
  const endpoint: ControlEndpoint = { url: `http://${formatHostPort(address)}`, token, pid: opts.pid };
  await writeFileAtomic(join(opts.stateDir, CONTROL_FILE), `${JSON.stringify(endpoint, null, 2)}\n`, {
    mode: 0o600,
  });
  return { server, address };
}
