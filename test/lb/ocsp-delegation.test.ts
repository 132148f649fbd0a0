/**
 * OCSP stapling for leaves of an intermediate CA, against real `openssl ocsp` responders: the
 * intermediate signing its own responses and a delegated responder it issued with the OCSP-signing
 * extended key usage are stapled (read by `openssl s_client -status` and Node's `requestOCSP`); a
 * delegated responder without that usage gives no staple, handshakes that still succeed, and a log
 * line naming the reason; so does an answer saying "revoked". The same holds in every worker of
 * `lb run --workers 2`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import type { DataPlaneStatus } from '../../src/lb/data-plane.js';
import { startLbNode } from '../../src/lb/node.js';
import { systemClock } from '../../src/shared/time.js';
import { cli } from '../kit/cli.js';
import { freePort } from '../kit/net.js';
import {
  caSigner,
  nodeStatus,
  responderCert,
  sClientStatus,
  serialOf,
  startResponder,
  waitForStaple,
  writeIndex,
} from '../kit/ocsp.js';
import { tempDir } from '../kit/tmp.js';
import { oneServerConfig, sleep, startBackend } from './kit.js';

const dir = tempDir();
const bin = resolve(import.meta.dirname, '../../../bin/rollover.js');

async function run(args: string[]): Promise<void> {
  const r = await cli(args);
  assert.equal(r.code, 0, r.stderr);
}
const root = join(dir, 'root');
const inter = join(dir, 'inter');
await run(['ca', 'create', '--subject', 'CN=Staple Root', '--days', '100', '--out', root, '--no-encrypt']);
await run([
  'ca',
  'create',
  '--subject',
  'CN=Staple Inter',
  '--days',
  '90',
  '--out',
  inter,
  '--issuer',
  root,
  '--no-encrypt',
]);

/** A leaf of the intermediate naming a responder on its own port; returns the credential directory. */
async function leaf(name: string, port: number): Promise<string> {
  const out = join(dir, name);
  await run([
    'cert',
    'issue',
    '--ca',
    inter,
    '--host',
    'lb.test',
    '--days',
    '30',
    '--out',
    out,
    '--ocsp-url',
    `http://127.0.0.1:${port}/`,
  ]);
  return out;
}

const ports = { self: await freePort(), delegated: await freePort(), noEku: await freePort() };
const creds = {
  self: await leaf('self', ports.self),
  delegated: await leaf('delegated', ports.delegated),
  noEku: await leaf('no-eku', ports.noEku),
};
const revoked = await leaf('revoked', ports.self);
const index = writeIndex(
  join(dir, 'index.txt'),
  Object.values(creds).map((c) => serialOf(join(c, 'tls.crt'))),
  [serialOf(join(revoked, 'tls.crt'))],
);
await startResponder(ports.self, inter, caSigner(inter), index);
await startResponder(ports.delegated, inter, responderCert(inter, dir, 'OCSP Delegated', true), index);
await startResponder(ports.noEku, inter, responderCert(inter, dir, 'OCSP No EKU', false), index);
const backend = await startBackend();
const EKU_REASON = /without the OCSP-signing extended key usage \(id-kp-OCSPSigning\)/;

/** A node in this process whose log lines (JSON) are kept in `lines`. */
async function loggedNode(name: string, credential: string): Promise<{ port: number; lines: string[] }> {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(s) });
  const config = oneServerConfig({
    stateDir: join(dir, `state-${name}`),
    credential,
    backends: [backend.url],
  });
  const node = await startLbNode(config, { clock: systemClock, log });
  after(() => node.stop());
  return { port: node.runtimes.get('web')!.listenAddress!.port, lines };
}

test('leaves of an intermediate: its own responses and an EKU-carrying delegated responder are stapled; one without the EKU gives no staple, working handshakes and the reason in the log', async () => {
  for (const which of ['self', 'delegated'] as const) {
    const { port } = await loggedNode(which, creds[which]);
    const out = await waitForStaple(port);
    assert.match(out, /OCSP Response Status: successful/, `${which}: ${out}`);
    assert.match(out, /Cert Status: good/, which);
    assert.match(out, new RegExp(`Serial Number: ${serialOf(join(creds[which], 'tls.crt'))}`, 'i'));
    assert.match(
      out,
      which === 'self' ? /Responder Id: CN = Staple Inter/ : /Responder Id: CN = OCSP Delegated/,
    );
    const viaNode = await nodeStatus(port);
    assert.equal(viaNode.ok, true);
    assert.ok(viaNode.ocsp && viaNode.ocsp.length > 0, `${which}: a Node client gets the staple`);
  }

  const { port, lines } = await loggedNode('no-eku', creds.noEku);
  for (let i = 0; i < 100 && !lines.some((l) => EKU_REASON.test(l)); i++) await sleep(100);
  const refusal = lines.find((l) => EKU_REASON.test(l));
  assert.ok(refusal, `the refusal is logged with its reason: ${lines.join('')}`);
  assert.match(JSON.parse(refusal).msg, /OCSP stapling: the response was refused/);
  assert.match(await sClientStatus(port), /OCSP response: no response sent/);
  const viaNode = await nodeStatus(port);
  assert.equal(viaNode.ok, true);
  assert.equal(viaNode.ocsp, null);

  // A checked answer that says revoked is not stapled either (only "good" is), and is logged.
  const rev = await loggedNode('revoked', revoked);
  for (let i = 0; i < 100 && !rev.lines.some((l) => /certificate is revoked/.test(l)); i++) await sleep(100);
  assert.ok(
    rev.lines.some((l) => /OCSP stapling: the responder says the certificate is revoked; no staple/.test(l)),
    rev.lines.join(''),
  );
  assert.match(await sClientStatus(rev.port), /OCSP response: no response sent/);
});

test('lb run --workers 2: every worker staples the delegated responder’s answer and logs the refusal of the one without the EKU', async () => {
  const stateDir = join(dir, 'state-workers');
  writeFileSync(
    join(dir, 'lb.yaml'),
    `stateDir: ${stateDir}
workers: 2
logLevel: info
virtualServers:
  - name: delegated
    listen: 127.0.0.1:0
    hosts: [lb.test]
    credential: ${creds.delegated}
    backends: [${backend.url}]
  - name: noeku
    listen: 127.0.0.1:0
    hosts: [lb.test]
    credential: ${creds.noEku}
    backends: [${backend.url}]
`,
  );
  let stdout = '';
  const child = spawn(process.execPath, [bin, 'lb', 'run', '--config', join(dir, 'lb.yaml')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  after(() => child.kill('SIGKILL'));
  let status: DataPlaneStatus | undefined;
  for (let i = 0; i < 400 && !status; i++) {
    const r = await cli(['lb', 'status', '--state-dir', stateDir, '--json']);
    if (r.code === 0) status = r.json();
    else await sleep(100);
  }
  assert.ok(status, 'the data plane did not come up');
  assert.equal(status.workers, 2);
  const portOf = (name: string) =>
    Number(
      status!.virtualServers
        .find((v) => v.name === name)!
        .listen!.split(':')
        .pop(),
    );
  const pidsLogging = (msg: RegExp, extra: RegExp = /./) =>
    new Set(
      stdout
        .split('\n')
        .filter((l) => msg.test(l) && extra.test(l))
        .map((l) => (JSON.parse(l) as { pid: number }).pid),
    );
  // Each worker fetches for itself: wait until both have a staple and both have refused the other.
  for (let i = 0; i < 200; i++) {
    if (
      pidsLogging(/OCSP stapling: response fetched/).size >= 2 &&
      pidsLogging(/OCSP stapling: the response was refused/, EKU_REASON).size >= 2
    )
      break;
    await sleep(100);
  }
  assert.equal(pidsLogging(/OCSP stapling: response fetched/).size, 2, stdout);
  assert.equal(pidsLogging(/OCSP stapling: the response was refused/, EKU_REASON).size, 2, stdout);
  // Whichever worker accepts, the delegated answer is stapled and the refused one is not.
  for (let i = 0; i < 8; i++) {
    const d = await nodeStatus(portOf('delegated'));
    assert.equal(d.ok, true);
    assert.ok(d.ocsp && d.ocsp.length > 0, `connection ${i}: stapled`);
    const n = await nodeStatus(portOf('noeku'));
    assert.equal(n.ok, true);
    assert.equal(n.ocsp, null);
  }
  assert.match(await sClientStatus(portOf('delegated')), /Cert Status: good/);
  child.kill('SIGTERM');
});
