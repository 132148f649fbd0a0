/**
 * Bridges served on schedule by the built-in LB, per handshake like T: a stage with bridges (sent over
 * the control interface) serves the old credential with the reverse bridge until T, the new one with
 * the forward bridge from T until the bridge deadline, and the new chain alone after it. The preview
 * listener serves the new chain without any bridge at every instant, so `sender verify` there with an
 * old-root-only truststore fails. Bad bridges are refused with a stable code and change nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { controlClientFor } from '../../src/lb/control-client.js';
import type { Credential } from '../../src/pki/credential.js';
import { crossSignRoot } from '../../src/pki/cross-sign.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { oneServerConfig, portOf, sleep, startBackend, startNode } from './kit.js';

const run = promisify(execFile);
const dir = tempDir('rollover-bridge-schedule-');
const p = (...parts: string[]) => join(dir, ...parts);
const oldRoot = await mintRoot('Schedule Old Root');
const newRoot = await mintRoot('Schedule New Root', 'ec-p384');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const now = new Date();
const forward = await crossSignRoot({ issuer: oldRoot, subject: newRoot.cert, now });
const reverse = await crossSignRoot({ issuer: newRoot, subject: oldRoot.cert, now });
const pem = (c: { der: Uint8Array }) => encodeCertificatesPem([c.der]);
writeFileSync(p('old-root.pem'), pem(oldRoot.cert));
writeFileSync(p('new-root.pem'), pem(newRoot.cert));

const backend = await startBackend();
const node = await startNode(
  oneServerConfig({
    stateDir: p('state'),
    credential: await saveCredential(p('old'), oldCred),
    backends: [backend.url],
    preview: true,
  }),
);
const control = await controlClientFor(p('state'));
const body = (c: Credential, at: number) => ({
  keyPem: privateKeyToPem(c.key.keyObject),
  certPem: encodeCertificatesPem(c.chain.map((x) => x.der)),
  rootPem: pem(c.root),
  activateAt: new Date(at).toISOString(),
});

/** What one handshake trusting only `root` saw: verified or not, the leaf, how many certificates were sent. */
async function handshake(
  which: 'listen' | 'preview',
  root: 'old' | 'new',
): Promise<{ ok: boolean; leaf: string; sent: number }> {
  const port = portOf(node, which);
  const verified = await new Promise<{ ok: boolean; leaf: string }>((resolve) => {
    const s = connect({
      host: '127.0.0.1',
      port,
      ca: pem(root === 'old' ? oldRoot.cert : newRoot.cert),
      servername: 'lb.test',
    });
    s.once('secureConnect', () => {
      resolve({ ok: true, leaf: s.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase() });
      s.end();
    });
    s.once('error', () => resolve({ ok: false, leaf: '' }));
  });
  const child = run(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'lb.test', '-showcerts'],
    {
      timeout: 20_000,
    },
  );
  child.child.stdin?.end('');
  const shown = (await child).stdout;
  return { ...verified, sent: (shown.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length };
}

const oldLeaf = oldCred.chain[0]!.sha256;
const newLeaf = newCred.chain[0]!.sha256;

test('bad bridges are refused with a stable code and change nothing', async () => {
  const at = Date.now() + 60_000;
  const before = JSON.stringify((await control.status()).virtualServers[0]!.staged);
  for (const [why, bridges, code] of [
    [
      'the reverse bridge as the forward one',
      { forwardPem: pem(reverse), until: new Date(at + 5000).toISOString() },
      'BRIDGE_MISMATCH',
    ],
    [
      'the forward bridge as the reverse one',
      { forwardPem: pem(forward), until: new Date(at + 5000).toISOString(), reversePem: pem(forward) },
      'BRIDGE_MISMATCH',
    ],
    [
      'a deadline before T',
      { forwardPem: pem(forward), until: new Date(at - 1000).toISOString() },
      'BRIDGE_UNTIL_OUT_OF_RANGE',
    ],
    [
      "a deadline after the bridge's expiry",
      { forwardPem: pem(forward), until: new Date(forward.notAfter.getTime() + 1000).toISOString() },
      'BRIDGE_UNTIL_OUT_OF_RANGE',
    ],
    ['a deadline that is not a time', { forwardPem: pem(forward), until: 'soon' }, 'BAD_TIME'],
  ] as const) {
    await assert.rejects(
      control.stage('web', {
        ...body(newCred, at),
        bridges: bridges as { forwardPem: string; until: string },
      }),
      (e: { code?: string }) => e.code === code,
      why,
    );
    assert.equal(
      JSON.stringify((await control.status()).virtualServers[0]!.staged),
      before,
      `${why}: nothing staged`,
    );
  }
  assert.equal(
    node.dataPlane.slot('web').active.bridge,
    undefined,
    'the active credential carries no bridge',
  );
});

test('unstaging before T withdraws the reverse bridge with the staged credential', async () => {
  const T = Date.now() + 60_000;
  const st = await control.stage('web', {
    ...body(newCred, T),
    bridges: { forwardPem: pem(forward), until: new Date(T + 5000).toISOString(), reversePem: pem(reverse) },
  });
  assert.equal(st.active.bridge?.sha256, reverse.sha256);
  assert.deepEqual(await handshake('listen', 'new'), { ok: true, leaf: oldLeaf, sent: 2 });
  const after = await control.unstage('web');
  assert.equal(after.staged, null);
  assert.equal(after.active.bridge, undefined);
  assert.deepEqual(await handshake('listen', 'old'), { ok: true, leaf: oldLeaf, sent: 1 });
  assert.equal((await handshake('listen', 'new')).ok, false, 'the old leaf alone needs the old root');
});

test('reverse bridge until T, forward bridge from T until the deadline, the plain chain after; the preview never bridges', async () => {
  const T = Date.now() + 4000;
  const until = T + 4000;
  const st = await control.stage('web', {
    ...body(newCred, T),
    bridges: { forwardPem: pem(forward), until: new Date(until).toISOString(), reversePem: pem(reverse) },
  });
  assert.equal(st.active.bridge?.sha256, reverse.sha256);
  assert.equal(st.staged?.bridge?.sha256, forward.sha256);
  assert.equal(st.staged?.bridge?.until, new Date(until).toISOString());

  // Before T: the old leaf with the reverse bridge; a client that already swapped to the new root accepts it.
  for (const root of ['old', 'new'] as const)
    assert.deepEqual(
      await handshake('listen', root),
      { ok: true, leaf: oldLeaf, sent: 2 },
      `before T, ${root}`,
    );
  // The preview serves the new chain alone: only the new root proves it.
  assert.deepEqual(await handshake('preview', 'new'), { ok: true, leaf: newLeaf, sent: 1 });
  assert.equal((await handshake('preview', 'old')).ok, false);
  const verify = (store: string) =>
    cli([
      'sender',
      'verify',
      '--truststore',
      p(store),
      '--url',
      `https://127.0.0.1:${portOf(node, 'preview')}`,
      '--servername',
      'lb.test',
    ]);
  assert.notEqual(
    (await verify('old-root.pem')).code,
    0,
    'sender verify with only the old root fails on the preview',
  );
  assert.equal(
    (await verify('new-root.pem')).code,
    0,
    'sender verify with the new root passes on the preview',
  );

  // From T until the deadline: the new leaf with the forward bridge; old-root-only clients still pass.
  await sleep(T - Date.now() + 100);
  for (const root of ['old', 'new'] as const)
    assert.deepEqual(
      await handshake('listen', root),
      { ok: true, leaf: newLeaf, sent: 2 },
      `after T, ${root}`,
    );
  assert.deepEqual(await handshake('preview', 'new'), { ok: true, leaf: newLeaf, sent: 1 });
  assert.notEqual((await verify('old-root.pem')).code, 0);

  // From the deadline: the new chain alone, per handshake (no reload): old-root-only clients fail.
  await sleep(until - Date.now() + 100);
  assert.deepEqual(await handshake('listen', 'new'), { ok: true, leaf: newLeaf, sent: 1 });
  assert.equal((await handshake('listen', 'old')).ok, false);
  assert.equal((await handshake('preview', 'old')).ok, false);
});
