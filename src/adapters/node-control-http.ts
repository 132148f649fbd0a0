/**
 * The node-control port over a node's loopback control API (docs/lb.md). Error answers come back as
 * typed errors with the node's code.
 */
import type { NodeControl, NodeEndpoint, NodeVsStatus } from '../coordinator/renewal/node-control.js';
import type { ClientFailures } from '../lb/telemetry.js';
import { ERROR_CODES, type ErrorCode, fail, RolloverError } from '../shared/errors.js';

async function call(ep: NodeEndpoint, method: 'GET' | 'POST', path: string, body?: unknown) {
  let res: Response;
  try {
    res = await fetch(`${ep.url.replace(/\/$/, '')}${path}`, {
      method,
      headers: { authorization: `Bearer ${ep.token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    return fail(
      'CONNECT_FAILED',
      `the node control API at ${ep.url} did not answer: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`,
    );
  }
  const json = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok || json.error) {
    const { code, message } = json.error ?? { code: 'INTERNAL', message: `HTTP ${res.status}` };
    throw new RolloverError((code in ERROR_CODES ? code : 'INTERNAL') as ErrorCode, message);
  }
  return json as unknown;
}

/** The control client over HTTP. */
export const httpNodeControl: NodeControl = {
  stage: async (ep, vs, req) =>
    (await call(ep, 'POST', `/v1/virtual-servers/${encodeURIComponent(vs)}/stage`, req)) as NodeVsStatus,
  unstage: async (ep, vs) =>
    (await call(ep, 'POST', `/v1/virtual-servers/${encodeURIComponent(vs)}/unstage`, {})) as NodeVsStatus,
  activate: async (ep, vs) =>
    (await call(ep, 'POST', `/v1/virtual-servers/${encodeURIComponent(vs)}/activate`, {})) as NodeVsStatus,
  rollback: async (ep, vs) =>
    (await call(ep, 'POST', `/v1/virtual-servers/${encodeURIComponent(vs)}/rollback`, {})) as NodeVsStatus,
  status: async (ep) => (await call(ep, 'GET', '/v1/status')) as { virtualServers: NodeVsStatus[] },
  failures: async (ep) =>
    ((await call(ep, 'GET', '/v1/handshake-failures')) as { clients: ClientFailures[] }).clients,
};
