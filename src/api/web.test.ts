import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Hono } from 'hono';
import { isReservedPath, WEB_CSP, webUi } from './web.js';

const root = mkdtempSync(join(tmpdir(), 'rollover-webui-'));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html><div id="root"></div>');
writeFileSync(join(root, 'assets', 'app-1.js'), 'console.log(1)');
writeFileSync(join(root, '..', 'secret-beside-root.txt'), 'no');
after(() => rmSync(join(root, '..', 'secret-beside-root.txt'), { force: true }));

function app(dir = root) {
  const a = new Hono();
  a.use('*', webUi(dir));
  a.get('/api/v1/thing', (c) => c.json({ api: true }));
  a.notFound((c) => c.json({ notFound: true }, 404));
  return a;
}

test('API, health, well-known and metrics paths are reserved and never answered by the UI', () => {
  for (const p of ['/api', '/api/v1/x', '/healthz', '/.well-known/jwks.json', '/metrics']) {
    assert.equal(isReservedPath(p), true, p);
  }
  for (const p of ['/', '/lb', '/s/rlk_a.b', '/apiary', '/metrics-page'])
    assert.equal(isReservedPath(p), false, p);
});

test('client routes get index.html with the CSP; files are served as themselves; the API passes through', async () => {
  const a = app();
  for (const p of ['/', '/renewals/ren_1', '/s/rlk_lnk_1.abc-_x']) {
    const r = await a.request(p);
    assert.equal(r.status, 200, p);
    assert.equal(r.headers.get('content-security-policy'), WEB_CSP);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.match(await r.text(), /id="root"/);
  }
  const js = await a.request('/assets/app-1.js');
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
  assert.match(js.headers.get('cache-control') ?? '', /immutable/);
  assert.deepEqual(await (await a.request('/api/v1/thing')).json(), { api: true });
  assert.equal((await a.request('/api/v1/other')).status, 404);
  assert.equal((await a.request('/', { method: 'POST' })).status, 404);
});

test('a missing script is a 404, and no path reaches outside the root', async () => {
  const a = app();
  assert.equal((await a.request('/assets/missing.js')).status, 404);
  for (const p of [
    '/../secret-beside-root.txt',
    '/%2e%2e/secret-beside-root.txt',
    '/assets/..%2f..%2fsecret-beside-root.txt',
  ]) {
    const r = await a.request(p);
    assert.doesNotMatch(await r.text(), /^no$/, p);
  }
});

test('without a build, client routes say how to build the UI', async () => {
  const r = await app(join(root, 'not-built')).request('/lb');
  assert.equal(r.status, 501);
  assert.match(await r.text(), /npm run build:web/);
});
