/**
 * The free-text rule on what senders report: a readiness or removal record whose reason, code,
 * server name, certificate subject or alias holds a bidi override, a control character or a lone
 * surrogate is refused with 400 naming the field (a sender admin could otherwise show the lb-admin a
 * reason that reads differently than it is stored); the CLI makes text it did not write keep the rule
 * before it reports, so an honest report with a server's odd error text still goes through.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseEvidence } from '../../src/api/contract/evidence.js';
import { normaliseText } from '../../src/api/contract/text.js';
import { postEvidence } from '../../src/sender/report.js';
import { startTestCoordinator } from './api-kit.js';
import { buildWorld } from './world.js';

const co = await startTestCoordinator({ kind: 'sqlite', file: ':memory:' }, { renewal: true });
const w = await buildWorld(co);
const OLD_ROOT = 'a'.repeat(64);
await co.store.update('renewals', w.renewalA, { state: 'announced', old_root_fingerprint: OLD_ROOT });
await co.store.insert('readiness', {
  id: 'rdy_text',
  renewal_id: w.renewalA,
  sender_id: w.senderA1,
  state: 'notified',
  evidence: '{}',
  updated_at: '2026-11-27T10:00:00.000Z',
} as never);

const readiness = (extra: Record<string, unknown>) => ({
  kind: 'readiness',
  sender: w.senderA1,
  url: 'https://a.example.test/',
  truststore: { type: 'pem', anchors: [] },
  servedChain: [],
  result: 'failed',
  code: 'UNKNOWN_CA',
  reason: 'the chain leads to no anchor',
  checkedAt: '2026-11-27T10:00:00Z',
  ...extra,
});
const removal = (subject: string, alias: string, reason?: string) => ({
  kind: 'root-removal',
  sender: w.senderA1,
  truststore: { type: 'pem', anchors: [] },
  removed: [{ sha256: OLD_ROOT, subject, alias }],
  forced: reason !== undefined,
  ...(reason !== undefined ? { reason } : {}),
  removedAt: '2026-11-27T10:00:00Z',
});

const post = (body: unknown) =>
  co.call('POST', `/api/v1/renewals/${w.renewalA}/evidence`, { token: w.tokens.senderAdmin, body });

test('a reported reason, code, server name, subject or alias breaking the free-text rule is 400 naming it', async () => {
  const cases: Array<[unknown, string]> = [
    [readiness({ reason: 'all fine \u202e (reads backwards)' }), 'reason'],
    [readiness({ reason: ' leading space' }), 'reason'],
    [readiness({ reason: 'bell \u0007' }), 'reason'],
    [readiness({ code: 'UNKNOWN\nCA' }), 'code'],
    [readiness({ servername: 'a.example.test\u2066' }), 'servername'],
    [readiness({ reason: 'half a pair \ud800' }), 'reason'],
    [removal('CN=Old Root\u0000', 'old-root'), 'removed.0.subject'],
    [removal('CN=Old Root', 'old\troot'), 'removed.0.alias'],
    [removal('CN=Old Root', 'old-root', 'forced \u202d'), 'reason'],
  ];
  for (const [body, field] of cases) {
    const r = await post(body);
    assert.equal(r.status, 400, `${field}: ${r.text}`);
    assert.equal(r.body.code, 'BAD_ARGUMENT');
    assert.ok(
      r.body.issues.some((i: { path: string }) => i.path === field),
      `${field} named: ${JSON.stringify(r.body.issues)}`,
    );
  }
  const untouched = await co.store.get('readiness', 'rdy_text');
  assert.deepEqual(
    { state: untouched?.state, evidence: untouched?.evidence },
    { state: 'notified', evidence: '{}' },
    'a refused report changes nothing',
  );
  // Multi-line text keeps its line breaks: a subject as node prints it, a reason over two lines.
  const ok = await post(readiness({ reason: 'line one\nline two\tindented' }));
  assert.equal(ok.status, 200, ok.text);
  const okRemoval = await post(removal('CN=Old Root\nO=Acme', 'old-root'));
  assert.equal(okRemoval.status, 200, okRemoval.text);
});

test('the CLI normalises text it reports, so a server’s odd error text does not make the report fail', async () => {
  assert.equal(normaliseText(' a\u202eb\r\nc\u0000 ', true), 'a\ufffdb\nc\ufffd');
  assert.equal(normaliseText('a\r\nb\tc', false), 'a b c');
  assert.equal(normaliseText('x\ud800y', false), 'x\ufffdy');
  assert.equal(normaliseText('abcdef', false, 3), 'abc');
  const record = normaliseEvidence(
    readiness({ reason: ' TLS alert \u202eevil\r\nmore ', code: 'X\u0007', servername: '   ' }),
  );
  assert.equal(record.reason, 'TLS alert \ufffdevil\nmore');
  assert.equal(record.code, 'X\ufffd');
  assert.equal('servername' in record, false, 'an empty text is dropped');
  const status = await postEvidence(
    { url: `${co.url}/api/v1/renewals/${w.renewalA}/evidence`, token: w.tokens.senderAdmin },
    readiness({ reason: 'handshake failed: \u202eNOT REALLY\u202c\r\n(alert 48)' }),
  );
  assert.equal(status, 200);
  const stored = await co.store.get('readiness', 'rdy_text');
  assert.equal(stored?.reason, 'UNKNOWN_CA: handshake failed: \ufffdNOT REALLY\ufffd\n(alert 48)');
});
