/**
 * The one client of the control interface (docs/lb.md), used by the `lb` CLI, the coordinator's
 * renewal workflow, the demo and the benchmarks: typed verbs over HTTP with one timeout, problem+json
 * answers turned back into typed errors. Messages name what failed; edges add their own hints.
 */
import { join } from 'node:path';
import { readFileChecked } from '../files/atomic.js';
import type { Credential } from '../pki/credential.js';
import { fail, RolloverError } from '../shared/errors.js';
import { errorFromProblem } from '../shared/problem.js';
import { CONTROL_FILE, type ControlEndpoint } from './control.js';
import { recordFromCredential } from './credential-record.js';
import type { DataPlaneStatus, VirtualServerStatus } from './data-plane.js';
import type { ClientFailures } from './telemetry.js';

/**
 * How long one control call may take: long enough for a data plane that reloads (nginx) on a busy
 * machine, short enough that a hung node does not hold a workflow job for long.
 */
export const CONTROL_TIMEOUT_MS = 15_000;

/** Where a control interface is, and its bearer token. */
export interface ControlAddress {
  url: string;
  token: string;
}

/** A credential to stage, as it travels (PEM text, T as ISO 8601). */
export interface StageBody {
  keyPem: string;
  certPem: string;
  rootPem: string;
  activateAt: string;
  validForMs?: number;
  /** The renewal's grace policy: true when senders not proven keep the old credential after T. */
  grace?: boolean;
  /** Bridges between the roots: the forward one from T until `until`, the reverse one until T. */
  bridges?: { forwardPem: string; until: string; reversePem?: string };
}

/** A change of a virtual server's source exceptions, as it travels (instants as RFC 3339). */
export type ExceptionsBody =
  | { op: 'add'; serve: 'old' | 'new'; cidrs: string[]; until?: string }
  | { op: 'remove'; serve: 'old' | 'new'; cidrs: string[] }
  | { op: 'clear'; serve: 'old' | 'new' }
  | { op: 'replace'; entries: Array<{ cidr: string; serve: 'old' | 'new'; until?: string; auto?: boolean }> }
  | { op: 'auto'; until: string | null };

export type { DataPlaneStatus, VirtualServerStatus };

/** The body that stages `cred` for T = `activateAt` (with its leaf's fingerprint, for the caller to show). */
export function stageBody(
  cred: Credential,
  activateAt: Date,
  validForMs?: number,
): StageBody & { sha256: string } {
  const r = recordFromCredential(cred);
  return {
    keyPem: r.keyPem,
    certPem: r.certPem,
    rootPem: r.rootPem,
    activateAt: activateAt.toISOString(),
    ...(validForMs !== undefined ? { validForMs } : {}),
    sha256: r.sha256,
  };
}

/** The control verbs of one node. */
export interface ControlClient {
  /** The node's address. */
  readonly url: string;
  status(): Promise<DataPlaneStatus>;
  failures(): Promise<ClientFailures[]>;
  stage(vs: string, req: StageBody): Promise<VirtualServerStatus>;
  unstage(vs: string): Promise<VirtualServerStatus>;
  activate(vs: string): Promise<VirtualServerStatus>;
  rollback(vs: string): Promise<VirtualServerStatus>;
  /** Changes the source exceptions (grace and early entries); `replace` sets the whole desired table. */
  exceptions(vs: string, change: ExceptionsBody): Promise<VirtualServerStatus>;
}

/** Reads control.json from a state directory (FILE_NOT_FOUND, with `path`, when no node wrote one). */
export async function readControlEndpoint(stateDir: string): Promise<ControlEndpoint> {
  const path = join(stateDir, CONTROL_FILE);
  try {
    return JSON.parse((await readFileChecked(path)).toString('utf8')) as ControlEndpoint;
  } catch (e) {
    if (e instanceof RolloverError && e.code === 'FILE_NOT_FOUND') {
      fail('FILE_NOT_FOUND', `${path} does not exist: no data plane has run with this state directory`, {
        path,
        stateDir,
      });
    }
    throw e;
  }
}

/** The client of the node whose state directory is `stateDir`. */
export async function controlClientFor(stateDir: string): Promise<ControlClient> {
  return controlClient(await readControlEndpoint(stateDir));
}

/** The client of the node at `ep`. */
export function controlClient(ep: ControlAddress): ControlClient {
  const root = ep.url.replace(/\/$/, '');
  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, {
        method,
        headers: { authorization: `Bearer ${ep.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // A redirect would carry the control token elsewhere: never followed.
        redirect: 'manual',
        signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS),
      });
    } catch (e) {
      const cause = (e as Error & { cause?: Error }).cause?.message ?? (e as Error).message;
      return fail('CONNECT_FAILED', `the control interface at ${root} did not answer: ${cause}`, {
        url: root,
      });
    }
    if (res.status >= 300 && res.status < 400) {
      return fail(
        'CONNECT_FAILED',
        `the control interface at ${root} answered a redirect (HTTP ${res.status}); not followed`,
        {
          url: root,
        },
      );
    }
    const json = (await res.json().catch(() => undefined)) as unknown;
    if (!res.ok) throw errorFromProblem(json, res.status, `the control interface at ${root}`);
    return json;
  }
  const verb = (vs: string, name: string, body: unknown = {}) =>
    call(
      'POST',
      `/v1/virtual-servers/${encodeURIComponent(vs)}/${name}`,
      body,
    ) as Promise<VirtualServerStatus>;
  return {
    url: root,
    status: () => call('GET', '/v1/status') as Promise<DataPlaneStatus>,
    failures: async () =>
      ((await call('GET', '/v1/handshake-failures')) as { clients: ClientFailures[] }).clients,
    stage: (vs, req) => verb(vs, 'stage', req),
    unstage: (vs) => verb(vs, 'unstage'),
    activate: (vs) => verb(vs, 'activate'),
    rollback: (vs) => verb(vs, 'rollback'),
    exceptions: (vs, change) => verb(vs, 'exceptions', change),
  };
}
