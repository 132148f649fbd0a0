import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forwardHeaders, responseHeaders } from './proxy.js';

test('forwarded request headers drop hop-by-hop ones and those named in Connection', () => {
  const out = forwardHeaders(
    [
      'Host',
      'a.test',
      'Connection',
      'keep-alive, X-Secret',
      'X-Secret',
      '1',
      'TE',
      'trailers',
      'Accept',
      '*/*',
    ],
    '192.0.2.1',
  );
  assert.deepEqual(out, [
    'Host',
    'a.test',
    'Accept',
    '*/*',
    'x-forwarded-for',
    '192.0.2.1',
    'x-forwarded-proto',
    'https',
    'x-forwarded-host',
    'a.test',
  ]);
});

test('an incoming X-Forwarded-For is kept and extended; incoming -Proto and -Host are replaced', () => {
  const out = forwardHeaders(
    [
      'host',
      'b.test',
      'X-Forwarded-For',
      '198.51.100.1',
      'x-forwarded-for',
      '198.51.100.2',
      'X-Forwarded-Proto',
      'http',
      'X-Forwarded-Host',
      'evil',
    ],
    '192.0.2.9',
  );
  assert.deepEqual(out, [
    'host',
    'b.test',
    'x-forwarded-for',
    '198.51.100.1, 198.51.100.2, 192.0.2.9',
    'x-forwarded-proto',
    'https',
    'x-forwarded-host',
    'b.test',
  ]);
});

test('response headers drop hop-by-hop ones and keep repeated Set-Cookie lines', () => {
  const raw = [
    'Set-Cookie',
    'a=1',
    'Transfer-Encoding',
    'chunked',
    'Set-Cookie',
    'b=2',
    'Connection',
    'close, X-T',
    'X-T',
    'y',
  ].map((s) => Buffer.from(s));
  assert.deepEqual(responseHeaders(raw), ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2']);
});

test('a client-sent Forwarded or X-Real-IP never reaches the backend', () => {
  const out = forwardHeaders(
    [
      'Host',
      'c.test',
      'Forwarded',
      'for=203.0.113.66;proto=https',
      'X-Real-IP',
      '203.0.113.66',
      'Accept',
      '*/*',
    ],
    '192.0.2.7',
  );
  const names = out.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase());
  assert.ok(!names.includes('forwarded'), out.join(' '));
  assert.ok(!names.includes('x-real-ip'), out.join(' '));
  assert.ok(!out.includes('203.0.113.66'), 'the forged address is gone');
  assert.equal(out[out.indexOf('x-forwarded-for') + 1], '192.0.2.7');
});
