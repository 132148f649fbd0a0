/**
 * The TLS profiles the nodes report for the virtual servers of a plan, so that a renewal whose new
 * credential some node would refuse (KEY_NOT_IN_TLS_PROFILE) is refused at planning, not at staging.
 * Best effort: a node that does not answer within a few seconds, or reports no profile, is skipped (the
 * node itself still refuses the key when the credential is staged).
 */
import type { KeyFacts } from '../../pki/tls-profile.js';
import { keyRefusal, resolveTlsPolicy, type TlsProfileStatus } from '../../pki/tls-profile.js';
import { fail } from '../../shared/errors.js';
import { endpointOf } from './nodes.js';
import type { RenewalEnv } from './ports.js';

/** One node's profile for one virtual server. */
export interface NodeProfile {
  node: string;
  profile: TlsProfileStatus;
}

const STATUS_TIMEOUT_MS = 3000;

/** The profiles each virtual server (by id) is served with, per node that answers. */
export async function nodeProfiles(
  env: RenewalEnv,
  vsRefs: readonly string[],
): Promise<Map<string, NodeProfile[]>> {
  const out = new Map<string, NodeProfile[]>();
  for (const ref of new Set(vsRefs)) {
    const vs = await env.store.inventory.virtualServerByRef(ref);
    if (!vs) continue;
    const list: NodeProfile[] = [];
    const ids = (await env.store.inventory.nodes(vs.lbId)).map((n) => n.id);
    for (const node of await env.store.inventory.nodeControls(ids)) {
      const ep = endpointOf(env.store, node);
      if (!ep) continue;
      try {
        const status = await Promise.race([
          env.renewal.nodes.status(ep),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error('timeout')), STATUS_TIMEOUT_MS).unref(),
          ),
        ]);
        const profile = status.virtualServers.find((v) => v.name === vs.name)?.tlsProfile;
        if (profile) list.push({ node: node.name, profile });
      } catch {
        // Not reachable now: the node checks the key itself when the credential is staged.
      }
    }
    out.set(vs.id, list);
  }
  return out;
}

/** Refuses (KEY_NOT_IN_TLS_PROFILE) a key some node serves the virtual server with a profile that does not allow. */
export function assertNodesServeKey(vsName: string, key: KeyFacts, profiles: readonly NodeProfile[]): void {
  for (const { node, profile } of profiles) {
    const why = keyRefusal(resolveTlsPolicy(profile.name, profile.overrides ?? {}), key);
    if (why) {
      fail('KEY_NOT_IN_TLS_PROFILE', `node ${node} serves virtual server ${vsName} with ${why}`, {
        node,
        virtualServer: vsName,
        tlsProfile: profile.name,
      });
    }
  }
}
