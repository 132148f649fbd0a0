/**
 * The expiry watch: per virtual server the active credential's and its root's expiry, the latest safe
 * T (the earlier expiry minus the rollback window), and when to propose starting a renewal; also as
 * Prometheus metrics with the readiness counts of every open renewal.
 */

import { Gauge, Registry } from 'prom-client';
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { readOneCertificate } from '../../pki/certificate.js';
import { latestSafeExchange, renewalProposalAt } from '../../renewal/timing.js';
import { parseDuration } from '../../shared/duration.js';
import { type EnvWith, forbidden } from '../env.js';
import type { RenewalPorts } from './ports.js';

/** What the watch and the metrics read. */
type ExpiryEnv = EnvWith<'inventory' | 'credentials' | 'readiness' | 'outbox'> & {
  renewal: Pick<RenewalPorts, 'timing' | 'proposeDaysAhead'>;
};

const DEFAULT_WINDOW_MS = parseDuration('24h');

/** The expiry watch rows (lb-admin and auditor). */
export async function expiryWatch(env: ExpiryEnv, p: Principal) {
  if (!can(p, 'read', { kind: 'credential' })) forbidden('read the expiry watch');
  const out = [];
  for (const vs of await env.store.inventory.virtualServers()) {
    if (!vs.activeCredentialId) continue;
    const c = (await env.store.credentials.credential(vs.activeCredentialId))!;
    const root = readOneCertificate(c.rootPem, 'root');
    const leafExp = new Date(c.notAfter);
    const first = root.notAfter < leafExp ? root.notAfter : leafExp;
    const latest = latestSafeExchange(first, DEFAULT_WINDOW_MS);
    const proposal = renewalProposalAt(
      first,
      DEFAULT_WINDOW_MS,
      env.renewal.timing,
      env.renewal.proposeDaysAhead,
    );
    out.push({
      virtualServer: { id: vs.id, name: vs.name, hosts: vs.hosts },
      credential: { id: c.id, fingerprint: c.fingerprint, notAfter: c.notAfter },
      root: { sha256: root.sha256, notAfter: root.notAfter.toISOString() },
      latestSafeExchange: latest.toISOString(),
      proposal: { startBy: proposal.toISOString(), due: env.clock.now() >= proposal.getTime() },
    });
  }
  return out;
}

/** The coordinator's Prometheus registry: certificate expiry and renewal readiness. */
export function renewalMetrics(env: ExpiryEnv): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'rollover_certificate_expiration_timestamp_seconds',
    help: 'Expiry (unix seconds) of the certificate a virtual server serves, and of its root',
    labelNames: ['virtual_server', 'fingerprint', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const vs of await env.store.inventory.virtualServers()) {
        if (!vs.activeCredentialId) continue;
        const c = await env.store.credentials.credential(vs.activeCredentialId);
        if (!c) continue;
        const root = readOneCertificate(c.rootPem, 'root');
        this.set(
          { virtual_server: vs.name, fingerprint: c.fingerprint, kind: 'leaf' },
          Date.parse(c.notAfter) / 1000,
        );
        this.set(
          { virtual_server: vs.name, fingerprint: root.sha256, kind: 'root' },
          root.notAfter.getTime() / 1000,
        );
      }
    },
  });
  new Gauge({
    name: 'rollover_renewal_senders',
    // /metrics answers without authentication: counts per virtual server only, never a renewal,
    // tenant or sender id or name (docs/api.md).
    help: 'Senders per readiness state in the open renewals of each virtual server',
    labelNames: ['virtual_server', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const s of await env.store.readiness.openCountsByVirtualServer())
        this.set({ virtual_server: s.virtualServer, state: s.state }, s.n);
    },
  });
  new Gauge({
    name: 'rollover_outbox_pending',
    help: 'Notifications waiting for delivery',
    registers: [registry],
    async collect() {
      this.set(await env.store.outbox.pendingCount());
    },
  });
  return registry;
}
