/**
 * Remote data-plane nodes that pull: a node behind a firewall cannot be driven through its control
 * interface, so it polls its desired state (the virtual servers of its load balancer: the active
 * credential, and the staged one with T), applies it locally, and reports its status back. To the
 * renewal workflow such a node looks like any other: `pullNodeControl` answers the control verbs
 * from the node's latest report, and refuses (so the workflow retries) until the report shows that
 * the node has done what was asked.
 */

import type { ClientFailures } from '../lb/telemetry.js';
import { digestHex } from '../pki/certificate.js';
import { readCertificateDers } from '../pki/formats/pem.js';
import { fail } from '../shared/errors.js';
import type { Store } from '../store/store.js';
import type { NodeIdentity } from './credentials.js';
import { type CoordinatorEnv, nowText } from './env.js';
import type { NodeControl, NodeEndpoint, NodeVsStatus } from './renewal/node-control.js';
import { sealSecret } from './renewal/sealing.js';

/** The control URL scheme of a node that pulls. */
export const PULL_SCHEME = 'pull://';

/** What a pulling node is told: every virtual server of its load balancer. */
export async function desiredState(env: CoordinatorEnv, node: NodeIdentity) {
  const vss = await env.store.list('virtual_servers', { column: 'lb_id', values: [node.lbId] });
  const fp = async (id: string | null) =>
    id ? ((await env.store.get('credentials', id))?.fingerprint ?? null) : null;
  return {
    node: node.name,
    clock: nowText(env),
    virtualServers: await Promise.all(
      vss.map(async (vs) => ({
        name: vs.name,
        hosts: JSON.parse(vs.hosts) as string[],
        listen: vs.listen,
        active: vs.active_credential_id
          ? { credentialId: vs.active_credential_id, sha256: await fp(vs.active_credential_id) }
          : null,
        staged:
          vs.staged_credential_id && vs.activate_at
            ? {
                credentialId: vs.staged_credential_id,
                sha256: await fp(vs.staged_credential_id),
                activateAt: vs.activate_at,
              }
            : null,
      })),
    ),
  };
}

/** Records a pulling node's report; the first one makes the node reachable for the workflow as pull://. */
export async function recordReport(
  env: CoordinatorEnv,
  node: NodeIdentity,
  report: { status: unknown; failures?: unknown[] },
) {
  const at = nowText(env);
  await env.store.transaction(async (tx) => {
    const status = JSON.stringify(report.status);
    const failures = JSON.stringify(report.failures ?? []);
    const updated = await tx.db
      .updateTable('node_reports')
      .set({ reported_at: at, status, failures })
      .where('node_id', '=', node.nodeId)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      await tx.db
        .insertInto('node_reports')
        .values({ node_id: node.nodeId, reported_at: at, status, failures })
        .execute();
    }
    const row = await tx.get('lb_nodes', node.nodeId);
    if (row && !row.control_url?.startsWith('http')) {
      await tx.update('lb_nodes', node.nodeId, {
        control_url: `${PULL_SCHEME}${node.nodeId}`,
        control_token_sealed: sealSecret(tx, `node-control:${node.nodeId}`, 'pull'),
      });
    }
  });
  return { recordedAt: at };
}

/** How old a pulling node's report may be before the node counts as unreachable. */
const REPORT_FRESH_MS = 30_000;

/** The control verbs answered from pulling nodes' reports. */
export function pullNodeControl(store: Store, now: () => number): NodeControl {
  const report = async (ep: NodeEndpoint) => {
    const nodeId = ep.url.slice(PULL_SCHEME.length);
    const row = await store.db
      .selectFrom('node_reports')
      .selectAll()
      .where('node_id', '=', nodeId)
      .executeTakeFirst();
    if (!row || now() - Date.parse(row.reported_at) > REPORT_FRESH_MS) {
      fail(
        'CONNECT_FAILED',
        `node ${nodeId} pulls its state and has not reported ${row ? `since ${row.reported_at}` : 'yet'}`,
      );
    }
    return {
      at: row.reported_at,
      status: JSON.parse(row.status) as { virtualServers: NodeVsStatus[] },
      failures: JSON.parse(row.failures) as ClientFailures[],
    };
  };
  const vsOf = async (ep: NodeEndpoint, vs: string) => {
    const r = await report(ep);
    const s = r.status.virtualServers.find((v) => v.name === vs);
    if (!s) fail('NOT_FOUND', `node ${ep.url} reports no virtual server "${vs}"`);
    return { r, s };
  };
  const waiting = (ep: NodeEndpoint, what: string, at: string): never =>
    fail(
      'CONNECT_FAILED',
      `waiting for node ${ep.url.slice(PULL_SCHEME.length)} to pull its state: its report of ${at} does not show ${what} yet`,
    );
  /** The node has done it when it serves (or has staged) what the coordinator wants for `vs` now. */
  const servesDesired = async (ep: NodeEndpoint, vs: string) => {
    const { r, s } = await vsOf(ep, vs);
    const nodeId = ep.url.slice(PULL_SCHEME.length);
    const node = await store.get('lb_nodes', nodeId);
    const row = node
      ? (await store.list('virtual_servers', { column: 'lb_id', values: [node.lb_id] })).find(
          (v) => v.name === vs,
        )
      : undefined;
    const active = row?.active_credential_id
      ? await store.get('credentials', row.active_credential_id)
      : undefined;
    if (active && s.served.sha256 !== active.fingerprint)
      waiting(ep, `the credential ${active.fingerprint.slice(0, 12)}… served`, r.at);
    return s;
  };
  return {
    async stage(ep, vs, req) {
      if (req.bridges)
        fail(
          'NOT_YET',
          'nodes that pull their state from the coordinator do not serve bridge certificates yet: plan the renewal without a bridge, or give the node a control address',
        );
      const { r, s } = await vsOf(ep, vs);
      const sha = digestHex('sha256', readCertificateDers(req.certPem)[0]!);
      const staged =
        s.staged && s.staged.sha256 === sha && Date.parse(s.staged.activateAt) === Date.parse(req.activateAt);
      const alreadyServed = Date.parse(req.activateAt) <= now() && s.served.sha256 === sha;
      if (!staged && !alreadyServed)
        waiting(ep, `the credential ${sha.slice(0, 12)}… staged for ${req.activateAt}`, r.at);
      return s;
    },
    async unstage(ep, vs) {
      const { r, s } = await vsOf(ep, vs);
      if (s.staged) waiting(ep, 'the staged credential withdrawn', r.at);
      return s;
    },
    activate: servesDesired,
    rollback: servesDesired,
    status: async (ep) => (await report(ep)).status,
    failures: async (ep) => (await report(ep)).failures,
    exceptions: async (ep) =>
      fail(
        'NOT_YET',
        `node ${ep.url.slice(PULL_SCHEME.length)} pulls its state: pulled state does not carry source exceptions yet (its senders get no grace there)`,
      ),
  };
}

/** Control verbs for every node: pulling nodes from their reports, the others over HTTP. */
export function routedNodeControl(store: Store, now: () => number, http: NodeControl): NodeControl {
  const pull = pullNodeControl(store, now);
  const pick = (ep: NodeEndpoint) => (ep.url.startsWith(PULL_SCHEME) ? pull : http);
  return {
    stage: (ep, vs, req) => pick(ep).stage(ep, vs, req),
    unstage: (ep, vs) => pick(ep).unstage(ep, vs),
    activate: (ep, vs) => pick(ep).activate(ep, vs),
    rollback: (ep, vs) => pick(ep).rollback(ep, vs),
    status: (ep) => pick(ep).status(ep),
    failures: (ep) => pick(ep).failures(ep),
    exceptions: (ep, vs, change) => pick(ep).exceptions(ep, vs, change),
  };
}
