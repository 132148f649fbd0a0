/** Reaching the data-plane nodes: their control endpoints (token sealed), and actions over all of them. */
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { fail } from '../../shared/errors.js';
import { forbidden, notFound, record } from '../env.js';
import type { NodeControlRecord } from '../ports/inventory.js';
import type { SecretBox } from '../ports/secrets.js';
import type { NodeEndpoint } from './node-control.js';
import type { RenewalEnv } from './ports.js';
import { sealSecret, unsealSecret } from './sealing.js';

/** Records where a node's control API is and the token it takes (lb-admin). */
export async function setNodeControl(
  env: RenewalEnv,
  p: Principal,
  lbRef: string,
  nodeRef: string,
  url: string,
  token: string,
) {
  if (!can(p, 'update', { kind: 'lb' })) forbidden('configure nodes');
  const lb = (await env.store.inventory.loadBalancerByRef(lbRef)) ?? notFound('load balancer', lbRef);
  const node = (await env.store.inventory.nodeByRef(lb.id, nodeRef)) ?? notFound('node', nodeRef);
  if (!/^https?:\/\/[^/]+/.test(url)) fail('BAD_ARGUMENT', `control URL "${url}" is not http(s)://HOST:PORT`);
  await env.store.transaction(async (tx) => {
    await tx.inventory.setNodeControl(node.id, url, sealSecret(tx, `node-control:${node.id}`, token));
    await record(tx, env, p, 'node.control', 'node', node.id, { url });
  });
  return { nodeId: node.id, controlUrl: url };
}

/** A node's control endpoint, or undefined when none is recorded. */
export function endpointOf(store: { secrets: SecretBox }, n: NodeControlRecord): NodeEndpoint | undefined {
  if (!n.controlUrl || !n.controlTokenSealed) return undefined;
  return { url: n.controlUrl, token: unsealSecret(store, `node-control:${n.id}`, n.controlTokenSealed) };
}

/** The endpoint, or a CONNECT_FAILED naming what to configure. */
export function requireEndpoint(store: { secrets: SecretBox }, n: NodeControlRecord): NodeEndpoint {
  return (
    endpointOf(store, n) ??
    fail(
      'CONNECT_FAILED',
      `node ${n.name} has no control endpoint: set it with POST /api/v1/lbs/{lb}/nodes/${n.name}/control`,
    )
  );
}
