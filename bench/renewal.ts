/**
 * `npm run bench:renewal`: one renewal over 10 000 tenants and 100 000 senders (every tenant with
 * auto-forward, so the announcement fans out to every sender in one go), on SQLite and PostgreSQL.
 * Measures the announce + forward fan-out written to the outbox, the status summary and the detail
 * as the API serves them, and each back-end's peak RSS (one child process per back-end). Then the
 * `exceptions` job (per-sender grace) on the announced renewal, every sender with its own source
 * address: its first run, a run with nothing changed (what every arming costs) and a run after one
 * sender was proven.
 * BENCH_TENANTS / BENCH_SENDERS / BENCH_BACKENDS (sqlite,postgres) override.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Principal } from '../src/access/roles.js';
import { announceRenewal } from '../src/coordinator/renewal/announce.js';
import { exceptionsJob } from '../src/coordinator/renewal/jobs/exceptions.js';
import { planRenewal } from '../src/coordinator/renewal/plan.js';
import { renewalDetail } from '../src/coordinator/renewal/renewal-detail.js';
import { listRenewalSummaries, publicStatus } from '../src/coordinator/renewal/views.js';
import { buildCoordinatorEnv } from '../src/main/coordinator-env.js';
import { startRenewalRuntime } from '../src/main/renewal-runtime.js';
import { createCa } from '../src/pki/authority.js';
import { issueCredential } from '../src/pki/credential.js';
import { encodeCertificatesPem } from '../src/pki/formats/pem.js';
import { privateKeyToPem } from '../src/pki/keys.js';
import type { StoreConfig } from '../src/store/open.js';
import { generateMasterKey } from '../src/store/seal.js';
import { Store } from '../src/store/store.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 10_000);
const SENDERS = Number(process.env.BENCH_SENDERS ?? 100_000);
const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function credential(ca: Awaited<ReturnType<typeof createCa>>, now: Date) {
  const c = await issueCredential({ ca, keyType: 'ec-p256', hosts: ['bench.test'], days: 90, now });
  return {
    chainPem: encodeCertificatesPem(c.chain.map((x) => x.der)),
    rootPem: encodeCertificatesPem([c.root.der]),
    keyPem: privateKeyToPem(c.key.keyObject),
    sha: c.chain[0]!.sha256,
  };
}

async function run(name: string, config: StoreConfig) {
  const store = await Store.open(config, generateMasterKey());
  const renv = await buildCoordinatorEnv({
    store,
    publicUrl: 'http://coordinator.bench',
    renewal: {
      timing: { minLeadMs: 1000, gateLeadMs: 500, postponeCutoffMs: 100, reminderOffsetsMs: [] },
      linkTtlMs: 86_400_000,
      proposeDaysAhead: 30,
      retryBaseMs: 1000,
      retryMaxMs: 60_000,
    },
  });
  const rt = await startRenewalRuntime(renv, { tickMs: 3_600_000, autoStart: false });
  const now = new Date();
  const oldCa = await createCa({ subject: 'CN=Old', keyType: 'ec-p256', days: 3650, now });
  const newCa = await createCa({ subject: 'CN=New', keyType: 'ec-p256', days: 3650, now });
  const at = now.toISOString();
  // Inventory, written in bulk (the benchmark is about the workflow, not the inventory API).
  await store.insert('load_balancers', { id: 'lb_bench', name: 'edge', kind: 'builtin', created_at: at });
  const ins = (c: Awaited<ReturnType<typeof credential>>, id: string) =>
    store.insert('credentials', {
      id,
      name: id,
      chain_pem: c.chainPem,
      root_pem: c.rootPem,
      key_sealed: store.sealKey('credentials', id, c.keyPem),
      fingerprint: c.sha,
      not_after: new Date(Date.now() + 80 * 86_400_000).toISOString(),
      created_at: at,
    });
  await ins(await credential(oldCa, now), 'cred_old');
  await ins(await credential(newCa, now), 'cred_new');
  await store.insert('virtual_servers', {
    id: 'vs_bench',
    lb_id: 'lb_bench',
    name: 'web',
    hosts: '["bench.test"]',
    listen: '127.0.0.1:1',
    backends: '[]',
    active_credential_id: 'cred_old',
    staged_credential_id: null,
    activate_at: null,
    preview_listen: null,
    created_at: at,
  });
  const t0 = performance.now();
  const tenants = Array.from({ length: TENANTS }, (_, i) => ({
    id: `ten_${i}`,
    name: `tenant-${i}`,
    virtual_server_id: 'vs_bench',
    operating_model: 'customer-managed',
    customer_organisation: `Org${i}`,
    created_at: at,
  }));
  await store.transaction(async (tx) => {
    await tx.insertMany('tenants', tenants);
    await tx.insertMany(
      'users',
      tenants.map((t) => ({
        id: `usr_${t.id}`,
        name: `admin-${t.id}`,
        email: `admin@${t.id}.test`,
        organisation: t.customer_organisation,
        password_hash: null,
        created_at: at,
      })),
    );
    for (const t of tenants) await tx.people.bind(`usr_${t.id}`, 'tenant-admin', t.id);
    for (const t of tenants)
      await tx.tenantSettings.put({
        tenantId: t.id,
        webhookUrl: null,
        webhookSecretSealed: null,
        autoForward: true,
        updatedAt: at,
      });
    const senders = Array.from({ length: SENDERS }, (_, i) => ({
      id: `snd_${i}`,
      tenant_id: `ten_${i % TENANTS}`,
      name: `sender-${i}`,
      contacts: JSON.stringify([`ops@sender-${i}.test`]),
      truststore_kind: 'pem',
      // One address per sender (10.x.y.z), so the grace table has one entry per sender.
      source_addresses: JSON.stringify([`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`]),
      client_cert_subject: null,
      created_at: at,
    }));
    await tx.insertMany('senders', senders);
  });
  const setupMs = performance.now() - t0;
  const admin: Principal = {
    userId: 'usr_admin',
    name: 'admin',
    organisation: 'Provider',
    bindings: [{ role: 'lb-admin', scopeId: '' }],
  };
  const id = await planRenewal(renv, admin, {
    virtualServerIds: ['vs_bench'],
    credentialId: 'cred_new',
    exchangeAt: new Date(Date.now() + 3_600_000).toISOString(),
    rollbackWindow: '1h',
  });
  const tenantAdmin: Principal = {
    userId: 'usr_ten_0',
    name: 'admin-ten_0',
    organisation: 'Org0',
    bindings: [{ role: 'tenant-admin', scopeId: 'ten_0' }],
  };
  const a0 = performance.now();
  await announceRenewal(renv, admin, id);
  const fanOutMs = performance.now() - a0;
  const { notifications: outbox, sender_links: links } = await store.counts();
  const time = async (fn: () => Promise<unknown>, n = 20) => {
    await fn();
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await fn();
      xs.push(performance.now() - s);
    }
    xs.sort((x, y) => x - y);
    return { median: xs[Math.floor(n / 2)]!, p95: xs[Math.floor(n * 0.95)]! };
  };
  // What GET /api/v1/renewals serves (one renewal here), for the lb-admin and for one tenant admin.
  const summary = await time(() => listRenewalSummaries(renv, admin));
  const tenantSummary = await time(() => listRenewalSummaries(renv, tenantAdmin));
  const status = await time(() => publicStatus(renv, id));
  const detail = await time(() => renewalDetail(renv, admin, id), 5);
  const scoped = await time(() => renewalDetail(renv, tenantAdmin, id), 5);
  // The exceptions job: every sender not proven gets a grace entry (no node is attached here, so this
  // is the coordinator's side: the senders' status, the desired table and each sender's grace).
  const job = async () => {
    const s = performance.now();
    await exceptionsJob(renv, { renewalId: id });
    return performance.now() - s;
  };
  const firstExceptions = await job();
  const graceRows = await store.grace.senders(id);
  const graced = graceRows.filter((s) => s.grace).length;
  const steady: number[] = [];
  for (let i = 0; i < 3; i++) steady.push(await job());
  steady.sort((x, y) => x - y);
  // One sender proven (its readiness row as a successful proof writes it): its entry goes.
  const provenAt = new Date().toISOString();
  await store.senderFacts.report(graceRows.find((s) => s.senderId === 'snd_1')!.readinessId, {
    state: 'verified',
    evidence: {},
    reason: null,
    at: provenAt,
    proof: { ok: true, at: provenAt, afterStaging: true },
  });
  const oneChanged = await job();
  await rt.stop();
  await store.close();
  const f = (x: { median: number; p95: number }) => `${x.median.toFixed(1)} ms (p95 ${x.p95.toFixed(1)})`;
  console.log(
    `${name}: ${TENANTS} tenants, ${SENDERS} senders (inventory written in ${(setupMs / 1000).toFixed(1)} s)`,
  );
  console.log(
    `  announce + auto-forward fan-out to the outbox: ${(fanOutMs / 1000).toFixed(2)} s — ${outbox} notifications, ${links} personal links`,
  );
  console.log(
    `  status summary (GET /renewals: counts per readiness state): lb-admin ${f(summary)}, one tenant admin ${f(tenantSummary)}`,
  );
  console.log(`  public status.json: ${f(status)}`);
  console.log(
    `  detail, lb-admin (first 1000 senders): ${f(detail)}; detail, one tenant admin: ${f(scoped)}`,
  );
  console.log(
    `  exceptions job (grace for ${graced} senders): first run ${(firstExceptions / 1000).toFixed(2)} s, nothing changed ${(steady[1]! / 1000).toFixed(2)} s (median of 3), one sender proven ${(oneChanged / 1000).toFixed(2)} s`,
  );
}

const only = process.env.BENCH_BACKEND;
if (!only) {
  // One child process per back-end, so each one's peak RSS is its own.
  for (const b of (process.env.BENCH_BACKENDS ?? 'sqlite,postgres').split(',')) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_BACKEND: b },
      stdio: 'inherit',
    });
    if (r.status !== 0) process.exitCode = 1;
  }
} else {
  if (only === 'sqlite') {
    // A file, as the server keeps it (an in-memory database would count the whole store as RSS).
    const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-'));
    try {
      await run('SQLite', { kind: 'sqlite', file: join(dir, 'rollover.db') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } else {
    const schema = `rollover_bench_${randomBytes(4).toString('hex')}`;
    try {
      await run('PostgreSQL', { kind: 'postgres', url: PG_URL, schema });
    } finally {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    }
  }
  console.log(`  peak RSS of the process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}
