/**
 * Remote data-plane nodes that pull: a node behind a firewall cannot be driven through its control
 * interface, so it polls its desired state (the virtual servers of its load balancer: the active
 * credential, and the staged one with T), applies it locally, and reports its status back. To the
 * renewal workflow such a node looks like any other: `pullNodeControl` answers the control verbs
 * from the node's latest report, and refuses (so the workflow retries) until the report shows that
 * the node has done what was asked. Source exceptions (per-sender grace) travel the same way: the
 * exceptions job's whole table and fallback deadline are kept as what is wanted of the node
 * (`nodeReports.wantExceptions`), carried in its desired state, applied by the node with its slot, and
 * acknowledged once its report shows that table.
 */

import { digestHex } from '../pki/certificate.js';
import { readCertificateDers } from '../pki/formats/pem.js';
import { tableDifferences } from '../renewal/grace.js';
import { fail } from '../shared/errors.js';
import type { NodeIdentity } from './credentials.js';
import { type EnvWith, nowText } from './env.js';
import type { Ports } from './ports/unit-of-work.js';
import type { NodeControl, NodeEndpoint } from './renewal/node-control.js';
import { sealSecret } from './renewal/sealing.js';

/** What answering pulling nodes reads: their reports, the inventory, the credentials. */
type PullPorts = Pick<Ports, 'nodeReports' | 'inventory' | 'credentials'>;

/** The control URL scheme of a node that pulls. */
export const PULL_SCHEME = 'pull://';

/** What a pulling node is told: every virtual server of its load balancer. */
export async function desiredState(
  env: EnvWith<'inventory' | 'credentials' | 'renewals' | 'nodeReports'>,
  node: NodeIdentity,
) {
  const vss = await env.store.inventory.virtualServers(node.lbId);
  const wanted = await env.store.nodeReports.wantedExceptions(node.nodeId);
  const fp = async (id: string | null) =>
    id ? ((await env.store.credentials.credential(id))?.fingerprint ?? null) : null;
  /** The bridges the open renewal serves with the staged credential, if it plans any. */
  /** The rollback window, grace policy and bridges of the open renewal that staged the credential. */
  const renewalOf = async (vsId: string, credentialId: string) => {
    const r = await env.store.renewals.openFor(vsId);
    if (r?.newCredentialId !== credentialId) return {};
    const b = r.bridge;
    return {
      validForMs: r.rollbackWindowSeconds * 1000,
      grace: r.grace.grace === 'unready',
      ...(b
        ? {
            bridges: {
              forwardPem: b.forward.pem,
              until: b.until,
              ...(b.reverse ? { reversePem: b.reverse.pem } : {}),
            },
          }
        : {}),
    };
  };
  /** The table and fallback deadline the exceptions job wants here (absent: the coordinator says nothing). */
  const exceptionsOf = (name: string) => {
    const w = wanted[name];
    return w?.entries ? { exceptions: { entries: w.entries, autoUntil: w.autoUntil, setAt: w.setAt } } : {};
  };
  return {
    node: node.name,
    clock: nowText(env),
    virtualServers: await Promise.all(
      vss.map(async (vs) => ({
        name: vs.name,
        hosts: vs.hosts,
        listen: vs.listen,
        active: vs.activeCredentialId
          ? { credentialId: vs.activeCredentialId, sha256: await fp(vs.activeCredentialId) }
          : null,
        staged:
          vs.stagedCredentialId && vs.activateAt
            ? {
                credentialId: vs.stagedCredentialId,
                sha256: await fp(vs.stagedCredentialId),
                activateAt: vs.activateAt,
                ...(await renewalOf(vs.id, vs.stagedCredentialId)),
              }
            : null,
        ...exceptionsOf(vs.name),
      })),
    ),
  };
}

/** Records a pulling node's report; the first one makes the node reachable for the workflow as pull://. */
export async function recordReport(
  env: EnvWith<'nodeReports' | 'inventory' | 'secrets'>,
  node: NodeIdentity,
  report: { status: unknown; failures?: unknown[] },
) {
  const at = nowText(env);
  await env.store.transaction(async (tx) => {
    await tx.nodeReports.record(node.nodeId, at, report.status, report.failures ?? []);
    const row = await tx.inventory.node(node.nodeId);
    if (row && !row.controlUrl?.startsWith('http')) {
      await tx.inventory.setNodeControl(
        node.nodeId,
        `${PULL_SCHEME}${node.nodeId}`,
        sealSecret(tx, `node-control:${node.nodeId}`, 'pull'),
      );
    }
  });
  return { recordedAt: at };
}

/** How old a pulling node's report may be before the node counts as unreachable. */
const REPORT_FRESH_MS = 30_000;

/** The control verbs answered from pulling nodes' reports. */
export function pullNodeControl(store: PullPorts, now: () => number): NodeControl {
  const report = async (ep: NodeEndpoint) => {
    const nodeId = ep.url.slice(PULL_SCHEME.length);
    const row = await store.nodeReports.latest(nodeId);
    if (!row || now() - Date.parse(row.reportedAt) > REPORT_FRESH_MS) {
      fail(
        'CONNECT_FAILED',
        `node ${nodeId} pulls its state and has not reported ${row ? `since ${row.reportedAt}` : 'yet'}`,
      );
    }
    return { at: row.reportedAt, status: row.status, failures: row.failures };
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
    const node = await store.inventory.node(nodeId);
    const row = node
      ? (await store.inventory.virtualServers(node.lbId)).find((v) => v.name === vs)
      : undefined;
    const active = row?.activeCredentialId
      ? await store.credentials.credential(row.activeCredentialId)
      : undefined;
    if (active && s.served.sha256 !== active.fingerprint)
      waiting(ep, `the credential ${active.fingerprint.slice(0, 12)}… served`, r.at);
    return s;
  };
  return {
    async stage(ep, vs, req) {
      const { r, s } = await vsOf(ep, vs);
      const sha = digestHex('sha256', readCertificateDers(req.certPem)[0]!);
      const staged =
        s.staged &&
        s.staged.sha256 === sha &&
        Date.parse(s.staged.activateAt) === Date.parse(req.activateAt) &&
        // With bridges, the node must have staged them too (same deadline).
        (req.bridges === undefined ||
          (s.staged.bridge !== undefined &&
            Date.parse(s.staged.bridge.until) === Date.parse(req.bridges.until)));
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
    /**
     * Keeps what is wanted (the node pulls it with its desired state). The fallback deadline (`auto`,
     * sent first) is kept and answered at once; the table (`replace`) is done once the node's report
     * shows it (entries the node added by itself aside) with that deadline, else CONNECT_FAILED and the
     * job retries, as for a staged credential.
     */
    async exceptions(ep, vs, change) {
      const nodeId = ep.url.slice(PULL_SCHEME.length);
      const at = new Date(now()).toISOString();
      if (change.op === 'auto') {
        await store.nodeReports.wantExceptions(nodeId, vs, { autoUntil: change.until }, at);
        return (await vsOf(ep, vs)).s;
      }
      await store.nodeReports.wantExceptions(nodeId, vs, { entries: change.entries }, at);
      const { r, s } = await vsOf(ep, vs);
      const diff = tableDifferences(change.entries, s.exceptions ?? []);
      if (diff.length) waiting(ep, `the source exceptions sent (${diff.slice(0, 3).join('; ')})`, r.at);
      const want = (await store.nodeReports.wantedExceptions(nodeId))[vs]?.autoUntil ?? null;
      const has = s.autoGrace?.until ?? null;
      if (want === null ? has !== null : has === null || Date.parse(has) !== Date.parse(want))
        waiting(ep, `automatic fallback ${want ? `until ${want}` : 'off'}`, r.at);
      return s;
    },
  };
}

/** Control verbs for every node: pulling nodes from their reports, the others over HTTP. */
export function routedNodeControl(store: PullPorts, now: () => number, http: NodeControl): NodeControl {
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
