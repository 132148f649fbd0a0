/**
 * `npm run bench:coordinator`: the coordinator API over real HTTP on SQLite (a file) and PostgreSQL
 * (TEST_DATABASE_URL, else DATABASE_URL, else the local test database; in a throw-away schema): a scoped read (GET one sender,
 * with authentication and the access check), a sender import of 5 000 rows in one transaction, audit
 * verification per event, and the cost of a password sign-in (scrypt). Prints a table and a JSON line.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { serve } from '@hono/node-server';
import pg from 'pg';
import { buildApi } from '../src/api/app.js';
import { bootstrapAdmin } from '../src/coordinator/bootstrap.js';
import { buildCoordinatorEnv } from '../src/main/coordinator-env.js';
import type { StoreConfig } from '../src/store/open.js';
import { generateMasterKey } from '../src/store/seal.js';
import { Store } from '../src/store/store.js';

const PG_URL =
  process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const IMPORT_ROWS = 5000;
const READS = 2000;
const CONCURRENCY = 8;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(name: string, config: StoreConfig) {
  const store = await Store.open(config, generateMasterKey());
  const env = await buildCoordinatorEnv({
    store,
    publicUrl: 'http://bench.test',
  });
  const server = serve({ fetch: buildApi(env).fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((ok) => server.once('listening', () => ok()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = (await bootstrapAdmin(env))!;
  const call = async (method: string, path: string, body?: unknown, bearer = token) => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json)}`);
    return json;
  };
  try {
    const tenant = await call('POST', '/api/v1/tenants', {
      name: 'bench',
      operatingModel: 'customer-managed',
      customerOrganisation: 'Bench',
    });
    const senders = Array.from({ length: IMPORT_ROWS }, (_, i) => ({
      name: `sender-${i}`,
      contacts: [`ops${i}@bench.test`],
      truststoreKind: 'jks',
      sourceAddresses: [`10.${(i >> 8) & 255}.${i & 255}.0/24`],
    }));
    const t0 = performance.now();
    await call('POST', '/api/v1/senders/import', { tenant: tenant.id, senders });
    const importMs = performance.now() - t0;

    const ta = await call('POST', '/api/v1/users', {
      name: 'ta',
      organisation: 'Bench',
      roles: [{ role: 'tenant-admin', scope: tenant.id }],
    });
    const taToken = (await call('POST', '/api/v1/tokens', { name: 'b', user: ta.id })).token;
    const one = (await store.list('senders')).slice(0, 50).map((s) => s.id);
    for (let i = 0; i < 100; i++)
      await call('GET', `/api/v1/senders/${one[i % one.length]}`, undefined, taToken);
    const t1 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < READS) {
          const i = next++;
          await call('GET', `/api/v1/senders/${one[i % one.length]}`, undefined, taToken);
        }
      }),
    );
    const readsPerS = READS / ((performance.now() - t1) / 1000);

    // Audit: one event per mutation so far; add more through real changes, then time verify.
    for (let i = 0; i < 200; i++) await call('POST', '/api/v1/lbs', { name: `lb-${i}`, kind: 'builtin' });
    const events = (await store.auditEvents()).length;
    const verifies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      const v = await call('GET', '/api/v1/audit/verify');
      verifies.push(performance.now() - t);
      if (!v.ok) throw new Error('audit does not verify');
    }

    await call('POST', '/api/v1/users', {
      name: 'signer',
      organisation: 'Provider',
      password: 'a long bench password',
      roles: [],
    });
    const signIns: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const res = await fetch(`${url}/api/v1/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'signer', password: 'a long bench password' }),
      });
      await res.arrayBuffer();
      signIns.push(performance.now() - t);
    }
    return {
      store: name,
      importRows: IMPORT_ROWS,
      importMs: Math.round(importMs),
      scopedReadsPerS: Math.round(readsPerS),
      auditEvents: events,
      auditVerifyMs: Math.round(median(verifies) * 10) / 10,
      signInMs: Math.round(median(signIns) * 10) / 10,
    };
  } finally {
    await new Promise<void>((ok) => server.close(() => ok()));
    await store.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'rollover-bench-coordinator-'));
const schema = `rollover_bench_${randomBytes(4).toString('hex')}`;
const results = [];
try {
  results.push(await measure('SQLite (file)', { kind: 'sqlite', file: join(dir, 'rollover.db') }));
  results.push(await measure('PostgreSQL', { kind: 'postgres', url: PG_URL, schema }));
} finally {
  rmSync(dir, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`drop schema if exists ${schema} cascade`);
  await c.end();
}
console.log(
  '| store | import 5 000 senders | scoped GET /senders/{id} (8 concurrent) | audit verify | sign-in (scrypt) |',
);
console.log('|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.store} | ${r.importMs} ms | ${r.scopedReadsPerS} req/s | ${r.auditVerifyMs} ms for ${r.auditEvents} events | ${r.signInMs} ms |`,
  );
}
console.log(JSON.stringify({ bench: 'coordinator', at: new Date().toISOString(), results }));
