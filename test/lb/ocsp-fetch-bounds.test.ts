/**
 * The OCSP fetch of the built-in LB asks the responder the certificate names and nobody else: a
 * redirect is a failed fetch (the redirect's target is never asked), and an answer longer than an
 * OCSP response may be is cut off and refused. Real HTTP servers, a real leaf naming them.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Logger } from 'pino';
import { MAX_OCSP_RESPONSE_BYTES, OcspStapler } from '../../src/lb/ocsp-stapling.js';
import { systemClock } from '../../src/shared/time.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();

async function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** A leaf issued by a fresh root that names `ocspUrl`, as the record a node holds. */
async function leafNaming(name: string, ocspUrl: string) {
  const root = join(dir, `${name}-root`);
  const made = await cli([
    'ca',
    'create',
    '--subject',
    `CN=${name} root`,
    '--days',
    '30',
    '--out',
    root,
    '--no-encrypt',
  ]);
  assert.equal(made.code, 0, made.stderr);
  const out = join(dir, name);
  const r = await cli([
    'cert',
    'issue',
    '--ca',
    root,
    '--host',
    'lb.test',
    '--days',
    '10',
    '--out',
    out,
    '--ocsp-url',
    ocspUrl,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return {
    sha256: `${name}-sha`,
    subject: 'CN=lb.test',
    notAfter: new Date(Date.now() + 864e6).toISOString(),
    rootSha256: 'root',
    keyAlgorithm: 'ec',
    keyPem: '',
    certPem: readFileSync(join(out, 'tls.crt'), 'utf8'),
    rootPem: readFileSync(join(root, 'ca.crt'), 'utf8'),
  };
}

/** A logger that keeps what the stapler says. */
function recorder() {
  const said: Array<{ msg: string; err?: string }> = [];
  const keep = (o: { err?: string }, msg: string) => said.push({ msg, ...(o.err ? { err: o.err } : {}) });
  const log = { info: keep, warn: keep, error: keep, debug: () => {} } as unknown as Logger;
  return { said, log };
}

async function firstWord(said: Array<{ msg: string; err?: string }>) {
  for (let i = 0; i < 100 && said.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  return said[0];
}

test('a redirect from the OCSP URL is a failed fetch: its target is never asked, no staple', async () => {
  let targetAsked = 0;
  const target = await listen((_req, res) => {
    targetAsked += 1;
    res.end();
  });
  const redirector = await listen((_req, res) => {
    res.writeHead(302, { location: target.url }).end();
  });
  const { said, log } = recorder();
  const stapler = new OcspStapler(systemClock, log, { timeoutMs: 5000 });
  try {
    const rec = await leafNaming('redirect', redirector.url);
    stapler.track([rec]);
    const first = await firstWord(said);
    assert.match(first?.msg ?? '', /fetch failed/);
    assert.equal(targetAsked, 0, 'the redirect was not followed');
    assert.equal(stapler.stapleFor(rec.sha256), undefined);
  } finally {
    stapler.close();
    target.server.close();
    redirector.server.close();
  }
});

test('an answer longer than an OCSP response may be is cut off and refused, declared or not', async () => {
  for (const declared of [true, false]) {
    let written = 0;
    const total = MAX_OCSP_RESPONSE_BYTES * 64;
    const flood = await listen((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/ocsp-response',
        ...(declared ? { 'content-length': String(total) } : {}),
      });
      const chunk = Buffer.alloc(16 * 1024, 0x30);
      const more = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('close', () => {});
      more();
    });
    const { said, log } = recorder();
    const stapler = new OcspStapler(systemClock, log, { timeoutMs: 5000 });
    try {
      const rec = await leafNaming(`flood-${declared}`, flood.url);
      stapler.track([rec]);
      const first = await firstWord(said);
      assert.match(first?.err ?? '', new RegExp(`${MAX_OCSP_RESPONSE_BYTES}`), JSON.stringify(first));
      assert.ok(written < total, `the rest was not read (${written} of ${total} bytes written)`);
      assert.equal(stapler.stapleFor(rec.sha256), undefined);
    } finally {
      stapler.close();
      flood.server.closeAllConnections();
      flood.server.close();
    }
  }
});
