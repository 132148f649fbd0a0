/**
 * `rollover sender verify`: a real handshake trusting only the truststore, with the precise reason
 * when it fails; the readiness evidence and the removal record posted to a stand-in coordinator and
 * checked against the shared contract; safe removal against a renewal status and a live server.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { ReadinessEvidenceSchema, RootRemovalSchema } from '../../src/api/contract/evidence.js';
import { encodePem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { mintCredential, mintIntermediate, mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { startTlsServer } from '../kit/tls-server.js';
import { tempDir } from '../kit/tmp.js';
import { closedPort, type Recorded, startPlainHttp, startRecorder, startSilent } from './servers.js';

const dir = tempDir('rollover-ts-verify-');
const p = (...parts: string[]) => join(dir, ...parts);
let good = '';
let expired = '';
let leafSha = '';
let oldSha = '';
let newSha = '';
let status: Record<string, unknown> = {};
let coordinator: { url: string; seen: Recorded[] };

before(async () => {
  const oldRoot = await mintRoot('Verify Old Root');
  const newRoot = await mintRoot('Verify New Root');
  const inter = await mintIntermediate(newRoot, 'Verify Issuing CA');
  const cred = await mintCredential(inter, ['lb.test'], { ips: ['127.0.0.1'] });
  const old = await mintCredential(inter, ['lb.test'], {
    days: 1,
    now: new Date(Date.now() - 5 * 86_400_000),
  });
  writeFileSync(p('old.pem'), encodePem('CERTIFICATE', oldRoot.cert.der));
  writeFileSync(p('new.pem'), encodePem('CERTIFICATE', newRoot.cert.der));
  oldSha = oldRoot.cert.sha256;
  newSha = newRoot.cert.sha256;
  leafSha = cred.chain[0]!.sha256;
  good = (await startTlsServer(cred)).url;
  expired = (await startTlsServer(old)).url;
  coordinator = await startRecorder(() => status);
});

async function store(name: string, roots: string[]): Promise<string> {
  const f = p(name);
  for (const r of roots) assert.equal((await cli(['truststore', 'add', f, p(r)])).code, 0);
  return f;
}

test('a truststore with the new root verifies: the served chain, its fingerprints and the anchor', async () => {
  const ts = await store('both.pem', ['old.pem', 'new.pem']);
  const r = await cli([
    'sender',
    'verify',
    '--truststore',
    ts,
    '--url',
    good,
    '--servername',
    'lb.test',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stdout);
  const j = r.json();
  assert.equal(j.ok, true);
  assert.equal(j.chain[0].sha256, leafSha);
  assert.equal(j.anchor.sha256, newSha);
  const text = await cli(['sender', 'verify', '--truststore', ts, '--url', good]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, new RegExp(`sha256 ${leafSha}`));
  assert.match(text.stdout, /result {4}trusted/);
});

test('each failure names its reason with a stable code and exits 1', async () => {
  const oldOnly = await store('old-only.pem', ['old.pem']);
  const both = await store('both-2.pem', ['old.pem', 'new.pem']);
  const plain = await startPlainHttp();
  const silent = await startSilent();
  const closed = await closedPort();
  const cases: Array<[string, string[], string, RegExp]> = [
    ['only the old root', ['--truststore', oldOnly, '--url', good], 'UNKNOWN_CA', /unknown CA/],
    [
      'another host name',
      ['--truststore', both, '--url', good, '--servername', 'other.test'],
      'HOST_NOT_COVERED',
      /host name mismatch/,
    ],
    [
      'an expired leaf',
      ['--truststore', both, '--url', expired, '--servername', 'lb.test'],
      'EXPIRED',
      /expired/,
    ],
    [
      'a plain-HTTP port',
      ['--truststore', both, '--url', `https://127.0.0.1:${plain}`],
      'NOT_TLS',
      /not TLS/,
    ],
    [
      'a server that never answers',
      ['--truststore', both, '--url', `https://127.0.0.1:${silent}`, '--timeout', '300'],
      'CONNECT_FAILED',
      /no answer/,
    ],
    [
      'a closed port',
      ['--truststore', both, '--url', `https://127.0.0.1:${closed}`],
      'CONNECT_FAILED',
      /refused/,
    ],
  ];
  for (const [what, args, code, reason] of cases) {
    const r = await cli(['sender', 'verify', ...args, '--json']);
    assert.equal(r.code, 1, what);
    assert.equal(r.json().error.code, code, what);
    assert.match(r.json().error.message, reason, what);
    const text = await cli(['sender', 'verify', ...args]);
    assert.match(text.stderr, new RegExp(`error\\[${code}\\]`), what);
  }
});

test('--report posts readiness evidence that matches the contract, with the bearer token', async () => {
  const ts = await store('both-3.pem', ['old.pem', 'new.pem']);
  const url = `${coordinator.url}/api/v1/renewals/r1/evidence`;
  const r = await cli([
    'sender',
    'verify',
    '--truststore',
    ts,
    '--url',
    good,
    '--report',
    url,
    '--token',
    'good-token',
    '--sender',
    'acme-billing',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stdout);
  const req = coordinator.seen.at(-1)!;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/api/v1/renewals/r1/evidence');
  assert.equal(req.authorization, 'Bearer good-token');
  const ev = ReadinessEvidenceSchema.parse(req.body);
  assert.equal(ev.sender, 'acme-billing');
  assert.equal(ev.result, 'trusted');
  assert.equal(ev.servedSha256, leafSha);
  assert.equal(ev.anchorSha256, newSha);
  assert.deepEqual(ev.truststore.anchors.sort(), [oldSha, newSha].sort());

  const bad = await cli([
    'sender',
    'verify',
    '--truststore',
    ts,
    '--url',
    good,
    '--report',
    url,
    '--token',
    'wrong',
  ]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /error\[REPORT_FAILED\].*403/);
});

test('--report reaches an HTTPS coordinator whose CA is given with --report-ca, and only with it', async () => {
  const coordRoot = await mintRoot('Coordinator Root');
  const coordCred = await mintCredential(coordRoot, ['coordinator.test']);
  writeFileSync(p('coord-ca.pem'), encodePem('CERTIFICATE', coordRoot.cert.der));
  const secure = await startRecorder(undefined, {
    key: privateKeyToPem(coordCred.key.keyObject),
    cert: encodePem('CERTIFICATE', coordCred.chain[0]!.der),
  });
  const ts = await store('both-4.pem', ['old.pem', 'new.pem']);
  const url = `${secure.url}/api/v1/renewals/r1/evidence`;
  const args = [
    'sender',
    'verify',
    '--truststore',
    ts,
    '--url',
    good,
    '--report',
    url,
    '--token',
    'good-token',
  ];
  const untrusted = await cli(args);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stderr, /error\[REPORT_FAILED\]/);
  assert.equal(secure.seen.length, 0);
  const ok = await cli([...args, '--report-ca', p('coord-ca.pem')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ReadinessEvidenceSchema.parse(secure.seen[0]!.body).result, 'trusted');
});

test('removal before the safe-removal instant is refused; --force --reason or a later time allows it and is reported', async () => {
  const ts = await store('step6.pem', ['old.pem', 'new.pem']);
  const exchangeAt = new Date(Date.now() + 86_400_000);
  const safeRemovalAt = new Date(exchangeAt.getTime() + 7 * 86_400_000);
  status = {
    id: 'r1',
    state: 'announced',
    exchangeAt: exchangeAt.toISOString(),
    safeRemovalAt: safeRemovalAt.toISOString(),
    oldRootSha256: oldSha,
    newRootSha256: newSha,
  };
  writeFileSync(p('status.json'), JSON.stringify(status));
  const hash = () => createHash('sha256').update(readFileSync(ts)).digest('hex');
  const before = hash();

  const early = await cli([
    'truststore',
    'remove',
    ts,
    '--fingerprint',
    oldSha,
    '--renewal-status',
    p('status.json'),
  ]);
  assert.equal(early.code, 1);
  assert.match(early.stderr, /error\[REMOVAL_UNSAFE\]/);
  assert.equal(hash(), before);
  const newGone = await cli([
    'truststore',
    'remove',
    ts,
    '--fingerprint',
    newSha,
    '--renewal-status',
    `${coordinator.url}/status`,
  ]);
  assert.match(newGone.stderr, /REMOVAL_UNSAFE.*new root/);
  const noReason = await cli([
    'truststore',
    'remove',
    ts,
    '--fingerprint',
    oldSha,
    '--renewal-status',
    p('status.json'),
    '--force',
  ]);
  assert.equal(noReason.code, 2);
  assert.equal(hash(), before);

  // After the window, on a verified exchange, the old root may go: and the removal is reported.
  status = { ...status, state: 'verified' };
  const report = `${coordinator.url}/api/v1/renewals/r1/evidence`;
  const later = new Date(safeRemovalAt.getTime() + 1000);
  const dry = await cli(
    [
      'truststore',
      'remove',
      ts,
      '--fingerprint',
      oldSha,
      '--renewal-status',
      `${coordinator.url}/status`,
      '--dry-run',
    ],
    { now: later },
  );
  assert.equal(dry.code, 0, dry.stderr);
  assert.doesNotMatch(dry.stderr, /no safety check/, 'checked against the renewal: no warning');
  assert.equal(hash(), before, 'a dry run changes nothing');
  const ok = await cli(
    [
      'truststore',
      'remove',
      ts,
      '--fingerprint',
      oldSha,
      '--renewal-status',
      `${coordinator.url}/status`,
      '--report',
      report,
      '--token',
      'good-token',
      '--sender',
      's1',
    ],
    { now: later },
  );
  assert.equal(ok.code, 0, ok.stderr);
  const rec = RootRemovalSchema.parse(coordinator.seen.at(-1)!.body);
  assert.equal(rec.forced, false);
  assert.deepEqual(rec.truststore.anchors, [newSha]);
  assert.equal(rec.removed[0]!.sha256, oldSha);

  // Forced early removal of a re-added old root records the reason.
  await cli(['truststore', 'add', ts, p('old.pem')]);
  status = { ...status, state: 'announced' };
  const forced = await cli([
    'truststore',
    'remove',
    ts,
    '--fingerprint',
    oldSha,
    '--renewal-status',
    `${coordinator.url}/status`,
    '--force',
    '--reason',
    'old root compromised',
    '--report',
    report,
    '--token',
    'good-token',
  ]);
  assert.equal(forced.code, 0, forced.stderr);
  const frec = RootRemovalSchema.parse(coordinator.seen.at(-1)!.body);
  assert.equal(frec.forced, true);
  assert.equal(frec.reason, 'old root compromised');
});

test('--keeps-trusting refuses a removal that would break the server, and allows one that would not', async () => {
  const ts = await store('keeps.pem', ['old.pem', 'new.pem']);
  const bad = await cli(['truststore', 'remove', ts, '--fingerprint', newSha, '--keeps-trusting', good]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /error\[REMOVAL_UNSAFE\].*unknown CA/);
  const okRm = await cli(['truststore', 'remove', ts, '--fingerprint', oldSha, '--keeps-trusting', good]);
  assert.equal(okRm.code, 0, okRm.stderr);
});
