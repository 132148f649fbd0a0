/**
 * The nginx agent serves a renewal's bridges: the old leaf with the reverse bridge until T, the new leaf
 * with the forward bridge from T until the bridge deadline, and the new chain alone after it. In time
 * mode by nginx's own clock (one reload at staging, none at T nor at the deadline); in reload mode by
 * the agent (a reload at staging for the reverse bridge, at T, and at the deadline). Clients trusting
 * only the old or only the new root are checked at each step.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { NginxDriver } from '../../src/adapters/nginx/driver.js';
import { NginxTimeSwitchDriver } from '../../src/adapters/nginx/time-switch.js';
import { TimedDataPlane } from '../../src/adapters/timed-data-plane.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { crossSignRoot } from '../../src/pki/cross-sign.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { systemClock } from '../../src/shared/time.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { freePort, startBackend } from '../kit/net.js';
import { startNginx } from '../kit/nginx.js';
import { tempDir } from '../kit/tmp.js';

const run = promisify(execFile);
const dir = tempDir();
chmodSync(dir, 0o755);
const oldRoot = await mintRoot('Nginx Bridge Old Root');
const newRoot = await mintRoot('Nginx Bridge New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const now = new Date();
const forward = await crossSignRoot({ issuer: oldRoot, subject: newRoot.cert, now });
const reverse = await crossSignRoot({ issuer: newRoot, subject: oldRoot.cert, now });
const pem = (c: { der: Uint8Array }) => encodeCertificatesPem([c.der]);
const oldRec = recordFromCredential(oldCred);

for (const mode of ['time', 'reload'] as const) {
  test(`nginx (${mode} mode) serves the reverse bridge until T, the forward bridge until the deadline, the plain chain after`, async () => {
    const vsDir = join(dir, mode);
    mkdirSync(vsDir);
    chmodSync(vsDir, 0o755);
    const backend = await startBackend();
    if (mode === 'reload') {
      writeFileSync(join(vsDir, 'tls.crt'), oldRec.certPem);
      writeFileSync(join(vsDir, 'tls.key'), oldRec.keyPem, { mode: 0o600 });
    }
    const n = await startNginx({
      dir: vsDir,
      port: await freePort(),
      backendPort: backend.port,
      serverName: 'lb.test',
      ...(mode === 'time' ? { timeSwitch: { name: 'vs1', initial: oldRec } } : {}),
    });
    const where = { host: '127.0.0.1', port: n.port, servername: 'lb.test' };
    const dp = new TimedDataPlane({
      driver:
        mode === 'time'
          ? new NginxTimeSwitchDriver({
              pidFile: n.pidFile,
              virtualServers: { vs1: { dir: vsDir, fileOwner: '65534:65534', ...where } },
            })
          : new NginxDriver({
              pidFile: n.pidFile,
              virtualServers: { vs1: { certPath: n.certPath, keyPath: n.keyPath, ...where } },
            }),
      virtualServers: [{ name: 'vs1', hosts: ['lb.test'] }],
      stateDir: join(vsDir, 'state'),
      clock: systemClock,
      initial: { vs1: oldRec },
      prepareLeadMs: 1000,
    });
    await dp.start();
    try {
      /** One handshake trusting only `root`: verified, the leaf, how many certificates nginx sent. */
      const handshake = async (root: 'old' | 'new') => {
        const ok = await new Promise<{ ok: boolean; leaf: string }>((resolve) => {
          const s = connect({
            host: '127.0.0.1',
            port: n.port,
            ca: pem(root === 'old' ? oldRoot.cert : newRoot.cert),
            servername: 'lb.test',
          });
          s.once('secureConnect', () => {
            resolve({
              ok: true,
              leaf: s.getPeerCertificate().fingerprint256.replace(/:/g, '').toLowerCase(),
            });
            s.end();
          });
          s.once('error', () => resolve({ ok: false, leaf: '' }));
        });
        const child = run(
          'openssl',
          ['s_client', '-connect', `127.0.0.1:${n.port}`, '-servername', 'lb.test', '-showcerts'],
          { timeout: 20_000 },
        );
        child.child.stdin?.end('');
        const sent = ((await child).stdout.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
        return { ...ok, sent };
      };
      // A reload settles within about a second (old workers finish): wait that long after each instant.
      const settle = mode === 'reload' ? 1200 : 150;
      const T = Date.now() + 5000;
      const until = T + 5000;
      const st = await dp.stage('vs1', {
        keyPem: privateKeyToPem(newCred.key.keyObject),
        certPem: encodeCertificatesPem(newCred.chain.map((x) => x.der)),
        rootPem: pem(newCred.root),
        activateAt: new Date(T),
        bridges: { forwardPem: pem(forward), until: new Date(until), reversePem: pem(reverse) },
      });
      assert.equal(st.active.bridge?.sha256, reverse.sha256);
      assert.equal(st.staged?.bridge?.sha256, forward.sha256);
      await new Promise((r) => setTimeout(r, mode === 'reload' ? 1200 : 500)); // the staging reload settles
      const oldLeaf = oldCred.chain[0]!.sha256;
      const newLeaf = newCred.chain[0]!.sha256;
      for (const root of ['old', 'new'] as const)
        assert.deepEqual(await handshake(root), { ok: true, leaf: oldLeaf, sent: 2 }, `before T, ${root}`);
      await new Promise((r) => setTimeout(r, T - Date.now() + settle));
      for (const root of ['old', 'new'] as const)
        assert.deepEqual(await handshake(root), { ok: true, leaf: newLeaf, sent: 2 }, `after T, ${root}`);
      await new Promise((r) => setTimeout(r, until - Date.now() + settle));
      assert.deepEqual(await handshake('new'), { ok: true, leaf: newLeaf, sent: 1 });
      assert.equal(
        (await handshake('old')).ok,
        false,
        'old-root-only clients fail after the bridge deadline',
      );
    } finally {
      dp.close();
    }
  });
}
