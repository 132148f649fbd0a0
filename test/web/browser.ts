/**
 * The browser kit for web UI tests: Debian's chromium driven by playwright-core (no browser download),
 * headless with the flags this machine's closed network needs, a fresh profile per run; and a real
 * `rollover server` (the composition root, in process) on a free port with a temp data directory,
 * serving the built UI from dist/web.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { type RunningServer, startServer } from '../../src/main/server.js';
import { onFileEnd } from '../kit/cleanup.js';
import { tempDir } from '../kit/tmp.js';

/** The repository root (this file runs as dist/test/web/browser.js). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Debian's chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** Builds the UI when dist/web is missing (a fresh clone gets it from `npm ci` → prepare). */
export function ensureWebBuilt(): void {
  if (existsSync(join(REPO, 'dist/web/index.html'))) return;
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: REPO, stdio: 'inherit' });
}

/** Launches headless chromium, closed when the test file ends (playwright gives it a fresh temp profile). */
export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
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
  onFileEnd(() => browser.close());
  return browser;
}

/** A fresh browser context (its own sessionStorage) at a width: 1280 (laptop) or 390 (phone). */
export async function newPage(browser: Browser, width = 1280): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({
    viewport: { width, height: width > 600 ? 900 : 844 },
    timezoneId: 'Europe/Berlin',
    locale: 'en-GB',
    acceptDownloads: true,
  });
  const page = await ctx.newPage();
  page.setDefaultTimeout(15_000);
  // Any CSP violation or script error fails the test that reads `errors`.
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[134]|status of 501/.test(m.text())) errors.push(m.text());
  });
  (page as Page & { errors: string[] }).errors = errors;
  return { ctx, page };
}

/** Errors the page logged (script errors, CSP violations). */
export function pageErrors(page: Page): string[] {
  return (page as Page & { errors?: string[] }).errors ?? [];
}

/** A running coordinator and its admin token. */
export interface Coordinator {
  url: string;
  server: RunningServer;
  adminToken: string;
  /** Calls the API as `token` (default: the initial admin); throws on a non-2xx answer. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  api(method: string, path: string, body?: unknown, token?: string): Promise<any>;
  /** The same, returning status and body without throwing. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  raw(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
}

/** Starts `rollover server` in process on 127.0.0.1:0 with a temp data dir; stopped at file end. */
export async function startCoordinator(env: Record<string, string> = {}): Promise<Coordinator> {
  const dataDir = tempDir('rollover-web-');
  const server = await startServer({
    dataDir,
    listen: '127.0.0.1:0',
    env: { ...env },
    cwd: dataDir,
    log: () => {},
  });
  onFileEnd(() => server.close());
  const adminToken = (await fs.readFile(join(dataDir, 'initial-admin.token'), 'utf8')).trim();
  const raw = async (method: string, path: string, body?: unknown, token = adminToken) => {
    const res = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  };
  return {
    url: server.url,
    server,
    adminToken,
    raw,
    async api(method, path, body, token) {
      const r = await raw(method, path, body, token);
      if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
}

/** Signs in through the form. */
export async function signInAs(page: Page, url: string, name: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** Saves a full-page screenshot under docs/screenshots/ when ROLLOVER_SCREENSHOTS=1 (kept out of CI). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.ROLLOVER_SCREENSHOTS !== '1') return;
  const dir = join(REPO, 'docs/screenshots');
  await fs.mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}
