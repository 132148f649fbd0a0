import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRolloverError } from '../shared/errors.js';
import { parseHostPort } from '../shared/host-port.js';
import { parseConfigText, resolveConfig } from './config.js';

const yaml = `
stateDir: /var/lib/rollover
virtualServers:
  - name: web
    listen: 0.0.0.0:8443
    hosts: [api.example.com]
    credential: /etc/rollover/web
    preview: :9443
    backends:
      - http://10.0.0.1:8080/ignored-path
      - url: https://10.0.0.2:8443
        ca: /etc/rollover/backend-ca.pem
    healthCheck: { path: /healthz, interval: 5s }
`;

test('a YAML configuration resolves with defaults and durations', () => {
  const c = resolveConfig(parseConfigText(yaml, 'lb.yaml'), { workers: 2 });
  assert.equal(c.workers, 2);
  assert.deepEqual(c.control, { host: '127.0.0.1', port: 0 });
  const vs = c.virtualServers[0]!;
  assert.deepEqual(vs.listen, { host: '0.0.0.0', port: 8443 });
  assert.deepEqual(vs.preview, { host: '0.0.0.0', port: 9443 });
  assert.equal(vs.backends[0]!.url, 'http://10.0.0.1:8080');
  assert.equal(vs.backends[1]!.ca, '/etc/rollover/backend-ca.pem');
  assert.deepEqual(vs.healthCheck, { path: '/healthz', intervalMs: 5000, timeoutMs: 1000 });
});

test('a configuration without backends or with a non-HTTP backend is refused with the field named', () => {
  const bad = {
    stateDir: '/s',
    virtualServers: [{ name: 'w', listen: ':1', hosts: ['a'], credential: '/c', backends: [] }],
  };
  assert.throws(
    () => resolveConfig(bad, { workers: 1 }),
    (e) => isRolloverError(e, 'BAD_ARGUMENT') && /backends/.test(e.message),
  );
  const ftp = { ...bad, virtualServers: [{ ...bad.virtualServers[0], backends: ['ftp://x'] }] };
  assert.throws(() => resolveConfig(ftp, { workers: 1 }), /http:\/\/ or https:\/\//);
});

test('two virtual servers on one address are refused', () => {
  const vs = { listen: '127.0.0.1:8443', hosts: ['a'], credential: '/c', backends: ['http://b'] };
  const c = {
    stateDir: '/s',
    virtualServers: [
      { ...vs, name: 'a' },
      { ...vs, name: 'b' },
    ],
  };
  assert.throws(() => resolveConfig(c, { workers: 1 }), /used twice/);
});

test('listen addresses read host:port, [v6]:port, :port and a bare port', () => {
  assert.deepEqual(parseHostPort('10.1.2.3:443'), { host: '10.1.2.3', port: 443 });
  assert.deepEqual(parseHostPort('[::1]:8443'), { host: '::1', port: 8443 });
  assert.deepEqual(parseHostPort(':9000', '0.0.0.0'), { host: '0.0.0.0', port: 9000 });
  assert.deepEqual(parseHostPort('9464'), { host: '127.0.0.1', port: 9464 });
  assert.throws(
    () => parseHostPort('localhost'),
    (e) => isRolloverError(e, 'BAD_ARGUMENT'),
  );
  assert.throws(() => parseHostPort('a:70000'), /above 65535/);
});

test('mode tcp takes tcp:// and tls:// backends, defaults to PROXY v2, http/1.1 and a TCP-connect health check', () => {
  const base = {
    stateDir: '/s',
    virtualServers: [{ name: 'w', listen: ':1', hosts: ['a'], credential: '/c' }],
  };
  const vs = (extra: object) =>
    resolveConfig({ ...base, virtualServers: [{ ...base.virtualServers[0], ...extra }] }, { workers: 1 })
      .virtualServers[0]!;
  const t = vs({
    mode: 'tcp',
    backends: ['tcp://10.0.0.1:8080', { url: 'tls://b.internal:8443', ca: '/ca.pem' }],
  });
  assert.equal(t.mode, 'tcp');
  assert.equal(t.proxyProtocol, 'v2');
  assert.deepEqual(t.alpn, ['http/1.1']);
  assert.equal(t.healthCheck.path, undefined);
  assert.deepEqual(
    t.backends.map((b) => b.url),
    ['tcp://10.0.0.1:8080', 'tls://b.internal:8443'],
  );
  const h = vs({ backends: ['http://10.0.0.1:8080'] });
  assert.equal(h.mode, 'http');
  assert.equal(h.proxyProtocol, 'off');
  assert.equal(h.healthCheck.path, '/');
  for (const bad of [
    { mode: 'tcp', backends: ['http://10.0.0.1:8080'] },
    { mode: 'tcp', backends: ['tcp://10.0.0.1'] },
    { backends: ['tcp://10.0.0.1:80'] },
    { backends: ['http://10.0.0.1:80'], proxyProtocol: 'v1' },
    { mode: 'tcp', backends: ['tcp://10.0.0.1:80'], proxyProtocol: 'v3' },
  ]) {
    assert.throws(
      () => vs(bad),
      (e) => isRolloverError(e) && e.code === 'BAD_ARGUMENT',
      JSON.stringify(bad),
    );
  }
});
