/**
 * The expiry watch: per virtual server the active credential's and its root's expiry, the latest safe
 * T (the earlier expiry minus the rollback window), and when to propose starting a renewal; also as
 * Prometheus metrics with the readiness counts of every open renewal.
 */

import { sql } from 'kysely';
import { Gauge, Registry } from 'prom-client';
import { can } from '../../access/can.js';
import type { Principal } from '../../access/roles.js';
import { readOneCertificate } from '../../pki/certificate.js';
import { latestSafeExchange, renewalProposalAt } from '../../renewal/timing.js';
import { parseDuration } from '../../shared/duration.js';
import { forbidden } from '../env.js';
import { FINISHED } from './model.js';
import type { RenewalEnv } from './ports.js';

const DEFAULT_WINDOW_MS = parseDuration('24h');

/** The expiry watch rows (lb-admin and auditor). */
export async function expiryWatch(env: RenewalEnv, p: Principal) {
  if (!can(p, 'read', { kind: 'credential' })) forbidden('read the expiry watch');
  const out = [];
  for (const vs of await env.store.list('virtual_servers')) {
    if (!vs.active_credential_id) continue;
    const c = (await env.store.get('credentials', vs.active_credential_id))!;
    const root = readOneCertificate(c.root_pem, 'root');
    const leafExp = new Date(c.not_after);
    const first = root.notAfter < leafExp ? root.notAfter : leafExp;
    const latest = latestSafeExchange(first, DEFAULT_WINDOW_MS);
    const proposal = renewalProposalAt(
      first,
      DEFAULT_WINDOW_MS,
      env.renewal.timing,
      env.renewal.proposeDaysAhead,
    );
    out.push({
      virtualServer: { id: vs.id, name: vs.name, hosts: JSON.parse(vs.hosts) as string[] },
      credential: { id: c.id, fingerprint: c.fingerprint, notAfter: c.not_after },
      root: { sha256: root.sha256, notAfter: root.notAfter.toISOString() },
      latestSafeExchange: latest.toISOString(),
      proposal: { startBy: proposal.toISOString(), due: env.clock.now() >= proposal.getTime() },
    });
  }
  return out;
}

/** The coordinator's Prometheus registry: certificate expiry and renewal readiness. */
export function renewalMetrics(env: RenewalEnv): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'rollover_certificate_expiration_timestamp_seconds',
    help: 'Expiry (unix seconds) of the certificate a virtual server serves, and of its root',
    labelNames: ['virtual_server', 'fingerprint', 'kind'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const vs of await env.store.list('virtual_servers')) {
        if (!vs.active_credential_id) continue;
        const c = await env.store.get('credentials', vs.active_credential_id);
        if (!c) continue;
        const root = readOneCertificate(c.root_pem, 'root');
        this.set(
          { virtual_server: vs.name, fingerprint: c.fingerprint, kind: 'leaf' },
          Date.parse(c.not_after) / 1000,
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
      const rows = await env.store.db
        .selectFrom('readiness')
        .innerJoin('renewals', 'renewals.id', 'readiness.renewal_id')
        .innerJoin('senders', 'senders.id', 'readiness.sender_id')
        .innerJoin('tenants', 'tenants.id', 'senders.tenant_id')
        .innerJoin('virtual_servers', 'virtual_servers.id', 'tenants.virtual_server_id')
        .select([
          'virtual_servers.name as vs',
          'renewals.state as rstate',
          'readiness.state',
          sql<number>`count(*)`.as('n'),
        ])
        .groupBy(['virtual_servers.name', 'renewals.state', 'readiness.state'])
        .execute();
      const sums = new Map<string, { vs: string; state: string; n: number }>();
      for (const r of rows) {
        if (FINISHED.has(r.rstate)) continue;
        const k = `${r.vs}\n${r.state}`;
        const had = sums.get(k);
        sums.set(k, { vs: r.vs, state: r.state, n: (had?.n ?? 0) + Number(r.n) });
      }
      for (const s of sums.values()) this.set({ virtual_server: s.vs, state: s.state }, s.n);
    },
  });
  new Gauge({
    name: 'rollover_outbox_pending',
    help: 'Notifications waiting for delivery',
    registers: [registry],
    async collect() {
      const r = await env.store.db
        .selectFrom('notifications')
        .select(sql<number>`count(*)`.as('n'))
        .where('state', '=', 'pending')
        .executeTakeFirst();
      this.set(Number(r?.n ?? 0));
    },
  });
  return registry;
}
