/**
 * The nginx adapter against a real nginx: files renamed into place and a graceful reload at T by the
 * agent's own clock; handshakes observed from outside: no failure, the new certificate only after T.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { NginxDriver } from '../../src/adapters/nginx/driver.js';
import { observeLeaf } from '../../src/adapters/observe.js';
import { TimedDataPlane } from '../../src/adapters/timed-data-plane.js';
import { type CredentialRecord, recordFromCredential } from '../../src/lb/credential-record.js';
import type { Credential } from '../../src/pki/credential.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { systemClock } from '../../src/shared/time.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { freePort, startBackend } from '../kit/net.js';
import { type NginxProcess, startNginx } from '../kit/nginx.js';
import { exchangeFacts, observeHandshakes } from '../kit/observer.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
/** How long after T a graceful reload may take until every new handshake gets the new certificate. */
const SETTLE_BOUND_MS = 1000;
let nginx: NginxProcess;
let oldRec: CredentialRecord;
let newRec: CredentialRecord;
let newCred: Credential;

function agent(stateDir: string): TimedDataPlane {
  return new TimedDataPlane({
    driver: new NginxDriver({
      pidFile: nginx.pidFile,
      virtualServers: {
        vs1: {
          certPath: nginx.certPath,
          keyPath: nginx.keyPath,
          host: '127.0.0.1',
          port: nginx.port,
          servername: 'lb.test',
        },
      },
    }),
    virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
    stateDir,
    clock: systemClock,
    initial: { vs1: oldRec },
    prepareLeadMs: 500,
  });
}

describe('nginx adapter', () => {
  before(async () => {
    const oldCred = await mintCredential(await mintRoot('nginx Old Root'), ['lb.test']);
    newCred = await mintCredential(await mintRoot('nginx New Root'), ['lb.test']);
    oldRec = recordFromCredential(oldCred);
    newRec = recordFromCredential(newCred);
    writeFileSync(join(dir, 'tls.crt'), oldRec.certPem);
    writeFileSync(join(dir, 'tls.key'), oldRec.keyPem, { mode: 0o600 });
    const backend = await startBackend();
    nginx = await startNginx({
      dir,
      port: await freePort(),
      backendPort: backend.port,
      serverName: 'lb.test',
    });
  });

  test('files and a graceful reload at T: no failure, nothing new before T, nothing old once the reload settled (within 1 s)', async () => {
    const dp = agent(join(dir, 'state'));
    await dp.start();
    const at = Date.now() + 1500;
    await dp.stage('vs1', {
      keyPem: privateKeyToPem(newCred.key.keyObject),
      certPem: encodeCertificatesPem(newCred.chain.map((x) => x.der)),
      rootPem: encodeCertificatesPem([newCred.root.der]),
      activateAt: new Date(at),
    });
    const obs = await observeHandshakes({
      host: '127.0.0.1',
      port: nginx.port,
      servername: 'lb.test',
      until: at + SETTLE_BOUND_MS + 1000,
    });
    const f = exchangeFacts(obs, { at, oldSha: oldRec.sha256, newSha: newRec.sha256 });
    assert.deepEqual(f.failures, []);
    assert.deepEqual(f.newBeforeT, []);
    // A graceful reload lets the old worker accept a little longer: the switch settles instead of
    // flipping. The settled point is the first new handshake that started after the last old one ended;
    // it must come within the bound, and the handshakes after it (a second of them) are all new.
    assert.ok(f.settledLatenessMs !== undefined, 'nginx settled on the new certificate after T');
    assert.ok(
      f.settledLatenessMs >= 0 && f.settledLatenessMs <= SETTLE_BOUND_MS,
      `settled ${f.settledLatenessMs} ms after T (bound ${SETTLE_BOUND_MS} ms)`,
    );
    const settledAt = at + f.settledLatenessMs;
    const afterSettle = obs.filter((o) => o.startedAt >= settledAt);
    assert.ok(afterSettle.length >= 5, `${afterSettle.length} handshakes observed after the settled point`);
    assert.deepEqual(
      afterSettle.filter((o) => o.sha256 !== newRec.sha256),
      [],
      'no handshake after the settled point got anything but the new certificate',
    );
    assert.ok(
      obs.some((o) => o.doneAt < at && o.sha256 === oldRec.sha256),
      'the old one was served before T',
    );
    assert.equal(readFileSync(nginx.certPath, 'utf8'), newRec.certPem, 'the live files are the new ones');
    assert.equal(
      await observeLeaf({ host: '127.0.0.1', port: nginx.port, servername: 'lb.test' }),
      newRec.sha256,
    );
    const st = (await dp.status()).virtualServers[0]!;
    assert.equal(st.active.sha256, newRec.sha256);
    assert.ok(st.lastSwap, 'the swap is recorded');
    assert.equal(typeof st.lastSwap.latenessMs, 'number', 'the agent saw its first new handshake');
    assert.ok(st.lastSwap.latenessMs! >= 0);
    const rolled = await dp.rollback('vs1');
    assert.equal(rolled.active.sha256, oldRec.sha256);
    assert.equal(
      await observeLeaf({ host: '127.0.0.1', port: nginx.port, servername: 'lb.test' }),
      oldRec.sha256,
    );
    dp.close();
  });
});

describe('nginx adapter, switching by time', () => {
  test('staged days ahead, nginx switches by its own clock at T: 0 failed requests under load, no overlap', async () => {
    const { chmodSync, mkdirSync } = await import('node:fs');
    const { NginxTimeSwitchDriver } = await import('../../src/adapters/nginx/time-switch.js');
    const { httpsLoad } = await import('../kit/load.js');
    const tsDir = join(dir, 'time-switch');
    mkdirSync(tsDir);
    // nginx's workers (user nobody) read the files on every handshake: the path must be reachable.
    chmodSync(dir, 0o755);
    const backend = await startBackend();
    const n = await startNginx({
      dir: tsDir,
      port: await freePort(),
      backendPort: backend.port,
      serverName: 'lb.test',
      timeSwitch: { name: 'vs1', initial: oldRec },
    });
    const dp = new TimedDataPlane({
      driver: new NginxTimeSwitchDriver({
        pidFile: n.pidFile,
        virtualServers: {
          vs1: {
            dir: tsDir,
            fileOwner: '65534:65534',
            host: '127.0.0.1',
            port: n.port,
            servername: 'lb.test',
          },
        },
      }),
      virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
      stateDir: join(dir, 'state-ts'),
      clock: systemClock,
      initial: { vs1: oldRec },
    });
    await dp.start();
    // Room before T for the staging reload and the pause below, even on a busy machine: the test must
    // see the old certificate served before T.
    const at = Date.now() + 4000;
    await dp.stage('vs1', {
      keyPem: privateKeyToPem(newCred.key.keyObject),
      certPem: encodeCertificatesPem(newCred.chain.map((x) => x.der)),
      rootPem: encodeCertificatesPem([newCred.root.der]),
      activateAt: new Date(at),
    });
    // Staging reloaded nginx (now, long before T in real life); the load starts once it has settled.
    await new Promise((r) => setTimeout(r, 500));
    const ca = [oldRec.rootPem, newRec.rootPem];
    const [load, obs] = await Promise.all([
      httpsLoad({ port: n.port, servername: 'lb.test', ca, until: at + 1500, clients: 4 }),
      observeHandshakes({
        host: '127.0.0.1',
        port: n.port,
        servername: 'lb.test',
        until: at + 1500,
        concurrency: 1,
      }),
    ]);
    const f = exchangeFacts(obs, { at, oldSha: oldRec.sha256, newSha: newRec.sha256 });
    assert.equal(load.failures, 0, load.errors.join('; '));
    assert.ok(load.requests > 0);
    assert.deepEqual(f.failures, []);
    assert.deepEqual(f.newBeforeT, []);
    assert.deepEqual(f.oldAfterFirstNew, [], 'a switch by time does not flip back and forth');
    assert.ok(
      obs.some((o) => o.doneAt < at && o.sha256 === oldRec.sha256),
      'the old one before T',
    );
    assert.equal(
      await observeLeaf({ host: '127.0.0.1', port: n.port, servername: 'lb.test' }),
      newRec.sha256,
    );
    // A rollback is a map without a switch, and a reload.
    const rolled = await dp.rollback('vs1');
    assert.equal(rolled.active.sha256, oldRec.sha256);
    assert.equal(
      await observeLeaf({ host: '127.0.0.1', port: n.port, servername: 'lb.test' }),
      oldRec.sha256,
    );
    dp.close();
    await n.stop();
  });
});
