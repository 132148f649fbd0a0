import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PP2, parseProxyV2, proxyV1Header, proxyV2Header, proxyV2Local } from './proxy-protocol.js';

test('a v2 header for an IPv4-mapped client carries the addresses as IPv4, the ALPN and the TLS version', () => {
  const b = proxyV2Header({
    source: { address: '::ffff:127.0.0.5', port: 40000 },
    destination: { address: '127.0.0.1', port: 443 },
    alpn: 'h2',
    servername: 'api.example.com',
    tlsVersion: 'TLSv1.3',
  });
  assert.equal(b[12], 0x21);
  assert.equal(b[13], 0x11);
  const p = parseProxyV2(b)!;
  assert.equal(p.length, b.length);
  assert.deepEqual(p.source, { address: '127.0.0.5', port: 40000 });
  assert.deepEqual(p.destination, { address: '127.0.0.1', port: 443 });
  assert.equal(p.tlvs.get(PP2.ALPN)?.toString(), 'h2');
  assert.equal(p.tlvs.get(PP2.AUTHORITY)?.toString(), 'api.example.com');
  const ssl = p.tlvs.get(PP2.SSL)!;
  assert.equal(ssl[0], PP2.CLIENT_SSL);
  assert.equal(ssl[5], PP2.SSL_VERSION);
  assert.equal(ssl.subarray(8).toString(), 'TLSv1.3');
});

test('a v2 header for IPv6 holds 16-byte addresses; a mixed pair is written as IPv6', () => {
  const p = parseProxyV2(
    proxyV2Header({ source: { address: '2001:db8::7', port: 1 }, destination: { address: '::1', port: 2 } }),
  )!;
  assert.equal(p.source?.address, '2001:db8:0:0:0:0:0:7');
  assert.equal(p.destination?.address, '0:0:0:0:0:0:0:1');
  const mixed = parseProxyV2(
    proxyV2Header({ source: { address: '192.0.2.1', port: 1 }, destination: { address: '::1', port: 2 } }),
  )!;
  assert.equal(mixed.source?.address, '0:0:0:0:0:ffff:c000:201');
});

test('the LOCAL form and v1 lines', () => {
  assert.equal(parseProxyV2(proxyV2Local())?.command, 'LOCAL');
  assert.equal(
    proxyV1Header({
      source: { address: '::ffff:10.0.0.1', port: 5 },
      destination: { address: '10.0.0.2', port: 443 },
    }).toString(),
    'PROXY TCP4 10.0.0.1 10.0.0.2 5 443\r\n',
  );
  assert.equal(
    proxyV1Header({
      source: { address: '2001:db8::1', port: 5 },
      destination: { address: '2001:db8::2', port: 443 },
    }).toString(),
    'PROXY TCP6 2001:db8::1 2001:db8::2 5 443\r\n',
  );
  assert.equal(proxyV1Header().toString(), 'PROXY UNKNOWN\r\n');
});
