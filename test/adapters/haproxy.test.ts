/**
 * The HAProxy adapter against a real HAProxy: the new certificate is committed through the Runtime
 * API at T by the agent's own clock, nothing before, everything after; the crt file is persisted so a
 * restart keeps it; a rollback goes back; an agent that was down at T catches up and says so.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { HaproxyDriver, haproxyPem } from '../../src/adapters/haproxy/driver.js';
import { parseShowSslCert, runtimeCommand } from '../../src/adapters/haproxy/runtime-api.js';
import { observeLeaf } from '../../src/adapters/observe.js';
import { TimedDataPlane } from '../../src/adapters/timed-data-plane.js';
import { type CredentialRecord, recordFromCredential } from '../../src/lb/credential-record.js';
import type { Credential } from '../../src/pki/credential.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { systemClock } from '../../src/shared/time.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { type HaproxyProcess, startHaproxy } from '../kit/haproxy.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { exchangeFacts, observeHandshakes } from '../kit/observer.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const crtPath = join(dir, 'vs.pem');
let haproxy: HaproxyProcess;
let oldCred: Credential;
let newCred: Credential;
let oldRec: CredentialRecord;
let newRec: CredentialRecord;

const stageReq = (c: Credential, at: number) => ({
  keyPem: privateKeyToPem(c.key.keyObject),
  certPem: encodeCertificatesPem(c.chain.map((x) => x.der)),
  rootPem: encodeCertificatesPem([c.root.der]),
  activateAt: new Date(at),
});

function agent(stateDir: string): TimedDataPlane {
  return new TimedDataPlane({
    driver: new HaproxyDriver({ socketPath: haproxy.socketPath, crtPaths: { vs1: crtPath } }),
    virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
    stateDir,
    clock: systemClock,
    initial: { vs1: oldRec },
    prepareLeadMs: 500,
  });
}

const served = () => observeLeaf({ host: '127.0.0.1', port: haproxy.port, servername: 'lb.test' });

describe('HAProxy adapter', () => {
  before(async () => {
    oldCred = await mintCredential(await mintRoot('HAProxy Old Root'), ['lb.test']);
    newCred = await mintCredential(await mintRoot('HAProxy New Root', 'ec-p384'), ['lb.test'], {
      keyType: 'rsa-2048',
    });
    oldRec = recordFromCredential(oldCred);
    newRec = recordFromCredential(newCred);
    writeFileSync(crtPath, haproxyPem(oldRec), { mode: 0o600 });
    const backend = await startBackend();
    haproxy = await startHaproxy({ dir, port: await freePort(), crtPath, backendPort: backend.port });
  });

  test('the new certificate is committed at T: none before, every handshake after the first new one gets it', async () => {
    const dp = agent(join(dir, 'state-1'));
    await dp.start();
    assert.equal(await served(), oldRec.sha256);
    const at = Date.now() + 1500;
    await dp.stage('vs1', stageReq(newCred, at));
    const obs = await observeHandshakes({
      host: '127.0.0.1',
      port: haproxy.port,
      servername: 'lb.test',
      until: at + 1000,
    });
    const f = exchangeFacts(obs, { at, oldSha: oldRec.sha256, newSha: newRec.sha256 });
    assert.deepEqual(f.failures, []);
    assert.deepEqual(f.newBeforeT, [], 'no handshake finished before T got the new certificate');
    assert.deepEqual(f.oldAfterFirstNew, [], 'no handshake after the first new one got the old certificate');
    assert.ok(f.firstNewLatenessMs !== undefined, 'the new certificate was served after T');
    assert.ok(
      obs.some((o) => o.doneAt < at && o.sha256 === oldRec.sha256),
      'the old one was served before T',
    );
    const show = parseShowSslCert(await runtimeCommand(haproxy.socketPath, `show ssl cert ${crtPath}`));
    assert.ok(show.sha1, 'show ssl cert reports the committed certificate');
    const status = (await dp.status()).virtualServers[0]!;
    assert.equal(status.active.sha256, newRec.sha256);
    assert.equal(status.staged, null);
    assert.ok(status.lastSwap, 'the swap is recorded');
    assert.equal(typeof status.lastSwap.latenessMs, 'number', 'the agent saw its first new handshake');
    await waitFor(
      async () => readFileSync(crtPath, 'utf8') === haproxyPem(newRec),
      'the crt file to be persisted',
    );
    dp.close();
  });

  test('a restarted HAProxy loads the persisted file and keeps serving the new certificate', async () => {
    await haproxy.stop();
    await haproxy.start();
    assert.equal(await served(), newRec.sha256);
  });

  test('a rollback serves the previous certificate again', async () => {
    const dp = agent(join(dir, 'state-1'));
    await dp.start();
    const st = await dp.rollback('vs1');
    assert.equal(st.active.sha256, oldRec.sha256);
    assert.equal(await served(), oldRec.sha256);
    dp.close();
  });

  test('an agent that was down at T applies the staged certificate when it returns and reports it late', async () => {
    const stateDir = join(dir, 'state-2');
    const first = agent(stateDir);
    await first.start();
    const at = Date.now() + 300;
    await first.stage('vs1', stageReq(newCred, at));
    first.close();
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await served(), oldRec.sha256, 'nobody swapped while the agent was down');
    const second = agent(stateDir);
    await second.start();
    assert.equal(await served(), newRec.sha256);
    const st = (await second.status()).virtualServers[0] as unknown as { lateSwap: boolean };
    assert.equal(st.lateSwap, true);
    second.close();
  });

  test('staging a credential for other hosts is refused and changes nothing', async () => {
    const dp = agent(join(dir, 'state-2'));
    await dp.start();
    const other = await mintCredential(await mintRoot('Other'), ['other.test']);
    await assert.rejects(
      dp.stage('vs1', stageReq(other, Date.now() + 60_000)),
      (e: { code?: string }) => e.code === 'HOST_NOT_COVERED',
    );
    assert.equal((await dp.status()).virtualServers[0]!.staged, null);
    dp.close();
  });
});
