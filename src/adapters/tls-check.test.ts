import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { haproxyGlobalDirectives, keyRefusal, resolveTlsPolicy } from '../pki/tls-profile.js';
import { tlsIncludeText } from './nginx/tls-include.js';
import { proxyTlsWarnings } from './tls-check.js';

const dir = mkdtempSync(join(tmpdir(), 'rollover-tls-check-'));
const intermediate = resolveTlsPolicy('intermediate');
const policies = [{ name: 'web', policy: intermediate }];

test('nginx: the agent include (followed from nginx.conf) offers nothing the profile forbids', async () => {
  writeFileSync(join(dir, 'web.tls.conf'), tlsIncludeText('web', intermediate));
  writeFileSync(join(dir, 'ok.conf'), `http { server { listen 443 ssl; include ${dir}/*.tls.conf; } }\n`);
  assert.deepEqual(await proxyTlsWarnings('nginx', join(dir, 'ok.conf'), policies), []);
});

test('nginx: TLS 1.0 and a keyword cipher list with CBC suites are named', async () => {
  writeFileSync(
    join(dir, 'bad.conf'),
    'http { ssl_protocols TLSv1 TLSv1.2 TLSv1.3; server { ssl_ciphers HIGH:!aNULL; } }\n',
  );
  const w = await proxyTlsWarnings('nginx', join(dir, 'bad.conf'), policies);
  assert.equal(w.length, 2, w.join('\n'));
  assert.match(w[0]!, /offers TLSv1, which the intermediate profile forbids/);
  assert.match(w[1]!, /ciphers the intermediate profile forbids: .*AES256-SHA/);
});

test('nginx: no TLS directives means the defaults, which cannot be judged', async () => {
  writeFileSync(join(dir, 'none.conf'), 'http { server { listen 443 ssl; } }\n');
  const w = await proxyTlsWarnings('nginx', join(dir, 'none.conf'), policies);
  assert.match(w.join('\n'), /no protocol list set/);
  assert.match(w.join('\n'), /no cipher list set/);
});

test('HAProxy: the documented globals pass; a lower ssl-min-ver on a bind is named', async () => {
  const globals = haproxyGlobalDirectives(intermediate).map((l) => `  ${l}`);
  writeFileSync(
    join(dir, 'ok.cfg'),
    ['global', ...globals, 'frontend fe', '  bind :443 ssl crt /x.pem', ''].join('\n'),
  );
  assert.deepEqual(await proxyTlsWarnings('haproxy', join(dir, 'ok.cfg'), policies), []);
  writeFileSync(
    join(dir, 'bad.cfg'),
    ['global', ...globals, 'frontend fe', '  bind :443 ssl crt /x.pem ssl-min-ver TLSv1.0', ''].join('\n'),
  );
  const w = await proxyTlsWarnings('haproxy', join(dir, 'bad.cfg'), policies);
  assert.match(w.join('\n'), /offers TLSv1, TLSv1.1, which the intermediate profile forbids/);
});

test('a configuration that cannot be read is said so', async () => {
  const w = await proxyTlsWarnings('haproxy', join(dir, 'missing.cfg'), policies);
  assert.match(w[0]!, /cannot read/);
});

test('the profiles judge certificate keys as Mozilla recommends', () => {
  const ec = { algorithm: 'ec', size: 256, curve: 'P-256' };
  const rsa = { algorithm: 'rsa', size: 2048 };
  assert.equal(keyRefusal(intermediate, ec), undefined);
  assert.equal(keyRefusal(intermediate, rsa), undefined);
  assert.match(keyRefusal(intermediate, { algorithm: 'rsa', size: 1024 })!, /at least 2048/);
  assert.match(keyRefusal(resolveTlsPolicy('modern'), rsa)!, /ECDSA certificates only/);
  assert.match(keyRefusal(resolveTlsPolicy('old'), ec)!, /RSA certificates only/);
  assert.match(keyRefusal(intermediate, { algorithm: 'ec', size: 521, curve: 'P-521' })!, /P-256 or P-384/);
});
