/**
 * The load balancer's control interface: the bearer scheme is case-insensitive (RFC 9110), a wrong
 * token is still 401, and a deeply nested body is BAD_ARGUMENT before anything reads it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startControlServer } from '../../src/lb/control.js';
import type { DataPlane } from '../../src/lb/data-plane.js';
import { tempDir } from '../kit/tmp.js';

test('lowercase and uppercase bearer schemes are accepted; a wrong token and a deep body are not', async () => {
  const stateDir = tempDir('rollover-control-');
  let staged = 0;
  const dataPlane = {
    status: async () => ({ virtualServers: [] }),
    stage: async () => {
      staged++;
      return {};
    },
  } as unknown as DataPlane;
  const { server, address } = await startControlServer({
    dataPlane,
    stateDir,
    listen: { host: '127.0.0.1', port: 0 },
    pid: process.pid,
  });
  try {
    const { readFileSync } = await import('node:fs');
    const { token } = JSON.parse(readFileSync(`${stateDir}/control.json`, 'utf8')) as { token: string };
    const url = `http://127.0.0.1:${address.port}`;
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const r = await fetch(`${url}/v1/status`, { headers: { authorization: `${scheme} ${token}` } });
      assert.equal(r.status, 200, `${scheme}: ${await r.text()}`);
    }
    const wrong = await fetch(`${url}/v1/status`, { headers: { authorization: `bearer ${token}x` } });
    assert.equal(wrong.status, 401);
    const bare = await fetch(`${url}/v1/status`, { headers: { authorization: token } });
    assert.equal(bare.status, 401);
    const deep = await fetch(`${url}/v1/virtual-servers/vs/stage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: `{"keyPem":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
    });
    assert.equal(deep.status, 400);
    assert.equal(((await deep.json()) as { code: string }).code, 'BAD_ARGUMENT');
    assert.equal(staged, 0);
  } finally {
    server.close();
  }
});
