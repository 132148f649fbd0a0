import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyTlsError, LbTelemetry, MAX_CLIENTS } from './telemetry.js';

const err = (code: string, message = '') => Object.assign(new Error(message), { code });

test('TLS alerts from clients are classified by reason', () => {
  assert.equal(classifyTlsError(err('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')), 'unknown_ca');
  assert.equal(classifyTlsError(err('ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE')), 'bad_certificate');
  assert.equal(classifyTlsError(err('ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN')), 'bad_certificate');
  assert.equal(classifyTlsError(err('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION')), 'alert');
  assert.equal(classifyTlsError(err('ECONNRESET')), 'closed');
  assert.equal(classifyTlsError(err('ERR_SSL_WRONG_VERSION_NUMBER')), 'other');
});

test('failures are kept per client address up to a bound, later addresses count as other', async () => {
  const t = new LbTelemetry();
  const at = new Date('2026-12-01T02:00:00Z');
  t.handshakeFailed('web', 'main', '192.0.2.1', 'unknown_ca', at);
  t.handshakeFailed('web', 'main', '192.0.2.1', 'unknown_ca', at);
  for (let i = 0; i < MAX_CLIENTS + 5; i++)
    t.handshakeFailed('web', 'main', `10.0.${i >> 8}.${i & 255}`, 'timeout', at);
  const rows = t.clientFailures();
  assert.equal(rows.length, MAX_CLIENTS);
  assert.deepEqual(rows[0], {
    client: '192.0.2.1',
    virtualServer: 'web',
    reasons: { unknown_ca: 2 },
    last: at.toISOString(),
  });
  const text = await t.registry.metrics();
  assert.match(
    text,
    /rollover_lb_client_handshake_failures_total\{virtual_server="web",client="other",reason="timeout"\} 6/,
  );
});

test('preview handshakes are kept per client and certificate, apart from the main listener', () => {
  const t = new LbTelemetry();
  const at = new Date('2026-12-01T01:00:00Z');
  const later = new Date('2026-12-01T01:05:00Z');
  t.previewHandshakeSucceeded('web', '127.0.0.2', 'aa', at);
  t.previewHandshakeSucceeded('web', '127.0.0.2', 'aa', later);
  t.handshakeSucceeded('web', '127.0.0.2', 'bb', at);
  const [row] = t.clientFailures();
  assert.deepEqual(row!.preview, { aa: 2 });
  assert.deepEqual(row!.previewLast, { aa: later.toISOString() });
  assert.deepEqual(row!.ok, { bb: 1 }, 'a preview handshake is not main-listener traffic');
});
