/**
 * `npm run bench:web`: the web UI as served by a real `rollover server` (in process, SQLite in a temp
 * directory) and rendered by Debian's chromium: the bundle's size, the time to serve the app shell,
 * the time from navigation to a usable sign-in form, and the time until a renewal page with 1 000
 * senders shows its readiness matrix (the most the detail route lists). Prints a table and a JSON line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { startServer } from '../src/main/server.js';
import { encodeCertificatesPem } from '../src/pki/formats/pem.js';
import { privateKeyToPem } from '../src/pki/keys.js';
import { mintCredential, mintRoot } from '../test/kit/ca.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SENDERS = 1000;
const SHELL_REQUESTS = 500;
const LOADS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

if (!existsSync(join(REPO, 'dist/web/index.html'))) {
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: REPO, stdio: 'inherit' });
}
const assets = readdirSync(join(REPO, 'dist/web/assets')).filter((f) => !f.endsWith('.map'));
let raw = 0;
let gz = 0;
for (const f of assets) {
  const b = readFileSync(join(REPO, 'dist/web/assets', f));
  raw += statSync(join(REPO, 'dist/web/assets', f)).size;
  gz += gzipSync(b).length;
}

const dataDir = mkdtempSync(join(tmpdir(), 'rollover-bench-web-'));
const server = await startServer({
  dataDir,
  listen: '127.0.0.1:0',
  env: { ROLLOVER_MIN_LEAD: '5s' },
  cwd: dataDir,
  log: () => {},
});
const admin = readFileSync(join(dataDir, 'initial-admin.token'), 'utf8').trim();
// biome-ignore lint/suspicious/noExplicitAny: bench reads arbitrary JSON
async function api(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return JSON.parse(text);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  // Serving the shell (index.html with its headers).
  const shell: number[] = [];
  for (let i = 0; i < SHELL_REQUESTS; i++) {
    const t0 = performance.now();
    await (await fetch(`${server.url}/lb`)).arrayBuffer();
    shell.push(performance.now() - t0);
  }

  // A landscape: one virtual server, one tenant with 1 000 senders, a renewal announced to them.
  const [oldRoot, newRoot] = await Promise.all([mintRoot('Bench Old'), mintRoot('Bench New')]);
  const hosts = ['bench.shop.test'];
  const [oc, nc] = await Promise.all([mintCredential(oldRoot, hosts), mintCredential(newRoot, hosts)]);
  const pem = (name: string, c: typeof oc) => ({
    name,
    chainPem: encodeCertificatesPem(c.chain.map((x) => x.der)),
    keyPem: privateKeyToPem(c.key.keyObject),
    rootPem: encodeCertificatesPem([c.root.der]),
  });
  const lb = await api('POST', '/lbs', { name: 'edge', kind: 'builtin' });
  const vs = await api('POST', '/virtual-servers', {
    name: 'bench',
    lb: lb.id,
    hosts,
    listen: '127.0.0.1:8443',
    backends: ['127.0.0.1:8080'],
  });
  const oldCred = await api('POST', '/credentials', pem('old', oc));
  const newCred = await api('POST', '/credentials', pem('new', nc));
  await api('POST', `/virtual-servers/${vs.id}/credential`, { credentialId: oldCred.id });
  const tenant = await api('POST', '/tenants', {
    name: 'Bench',
    virtualServer: vs.id,
    operatingModel: 'provider-managed',
    customerOrganisation: 'Bench',
  });
  await api('POST', '/senders/import', {
    tenant: tenant.id,
    senders: Array.from({ length: SENDERS }, (_, i) => ({
      name: `sender-${String(i).padStart(4, '0')}`,
      contacts: [`ops${i}@bench.test`],
      truststoreKind: 'pem',
    })),
  });
  const renewal = await api('POST', '/renewals', {
    virtualServerIds: [vs.id],
    credentialId: newCred.id,
    exchangeAt: new Date(Date.now() + 3_600_000).toISOString(),
    gate: 'warn',
  });
  await api('POST', `/renewals/${renewal.id}/announce`);

  // Navigation to a usable sign-in form, in a fresh context each time (no cache).
  const signIn: number[] = [];
  const renewalPage: number[] = [];
  for (let i = 0; i < LOADS; i++) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const t0 = performance.now();
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    signIn.push(performance.now() - t0);
    // The renewal page with 1 000 senders, signed in by token (sessionStorage).
    await page.evaluate((t) => sessionStorage.setItem('rollover.token', t), admin);
    const t1 = performance.now();
    await page.goto(`${server.url}/renewals/${renewal.id}`);
    await page
      .locator('.matrix li[data-sender]')
      .nth(SENDERS - 1)
      .waitFor({ timeout: 60_000 });
    renewalPage.push(performance.now() - t1);
    await ctx.close();
  }

  const rows: Array<[string, string]> = [
    ['bundle (JS + CSS)', `${(raw / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzip`],
    [`app shell served (median of ${SHELL_REQUESTS})`, `${median(shell).toFixed(2)} ms`],
    [`navigation → sign-in form usable (median of ${LOADS})`, `${median(signIn).toFixed(0)} ms`],
    [
      `renewal page with ${SENDERS} senders → matrix rendered (median of ${LOADS})`,
      `${median(renewalPage).toFixed(0)} ms`,
    ],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(64)} ${v}`);
  console.log(
    JSON.stringify({
      bundleBytes: raw,
      bundleGzipBytes: gz,
      shellMs: median(shell),
      signInMs: median(signIn),
      renewalPageMs: median(renewalPage),
      senders: SENDERS,
    }),
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
