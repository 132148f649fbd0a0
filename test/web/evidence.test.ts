/**
 * The web UI maps an uploaded `sender verify --json` report to the evidence record exactly as the
 * CLI's `--report` does, and the record passes the shared contract; an evidence record passes as it is.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SenderEvidenceSchema } from '../../src/api/contract/evidence.js';
import { readinessRecord, type VerifyReport } from '../../src/sender/verify.js';
import { toEvidence } from '../../src/web/lib/evidence.js';

const sha = (c: string) => c.repeat(64);

const trusted: VerifyReport = {
  url: 'https://lb.test:9443',
  servername: 'api.shop.test',
  truststore: {
    file: '/etc/app/truststore.jks',
    type: 'jks',
    anchors: [{ alias: 'new', sha256: sha('a'), subject: 'CN=New Root' }],
    trusted: [sha('a')],
  },
  ok: true,
  chain: [
    {
      sha256: sha('c'),
      subject: 'CN=api.shop.test',
      issuer: 'CN=New Root',
      notAfter: '2027-01-01T00:00:00Z',
    },
  ] as VerifyReport['chain'],
  anchor: { sha256: sha('a'), subject: 'CN=New Root' },
  protocol: 'TLSv1.3',
  ms: 12,
  checkedAt: '2026-11-27T12:00:00.000Z',
};

const failed: VerifyReport = {
  ...trusted,
  ok: false,
  anchor: undefined,
  failure: { code: 'UNKNOWN_CA', reason: 'the chain leads to no anchor of the truststore' },
} as VerifyReport;

test('a verify report becomes the same evidence record the CLI reports, and it passes the contract', () => {
  for (const report of [trusted, failed]) {
    const fromUi = toEvidence('snd_1', JSON.parse(JSON.stringify(report)));
    assert.deepEqual(fromUi, JSON.parse(JSON.stringify(readinessRecord('snd_1', report))));
    assert.equal(SenderEvidenceSchema.safeParse(fromUi).success, true);
  }
});

test('an evidence record is posted as it is, and anything else is refused with a reason', () => {
  const record = readinessRecord('snd_1', trusted);
  assert.equal(toEvidence('snd_1', record), record);
  assert.throws(() => toEvidence('snd_1', { hello: 1 }), /neither an evidence record nor/);
  assert.throws(() => toEvidence('snd_1', null), /neither/);
});
