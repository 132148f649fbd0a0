/**
 * The Debian/Ubuntu system store on a copy of a file system (`--root-dir`): `add` writes the local CA
 * file and runs the real update-ca-certificates pointed into the copy, so the bundle and hashed links
 * clients read change; `remove` undoes it. The host's own store is never touched.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { encodePem } from '../../src/pki/formats/pem.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { startTlsServer } from '../kit/tls-server.js';
import { tempDir } from '../kit/tmp.js';
import { curl, sClient } from './clients.js';

const root = tempDir('rollover-ts-system-');
const work = tempDir('rollover-ts-system-files-');
const bundle = join(root, 'etc/ssl/certs/ca-certificates.crt');
const host = '/etc/ssl/certs/ca-certificates.crt';
const hostHash = () =>
  existsSync(host) ? createHash('sha256').update(readFileSync(host)).digest('hex') : 'absent';
let port = 0;
let newSha = '';
let hostBefore = '';

before(async () => {
  hostBefore = hostHash();
  const oldRoot = await mintRoot('System Old Root');
  const newRoot = await mintRoot('System New Root');
  newSha = newRoot.cert.sha256;
  writeFileSync(join(work, 'old.pem'), encodePem('CERTIFICATE', oldRoot.cert.der));
  writeFileSync(join(work, 'new.pem'), encodePem('CERTIFICATE', newRoot.cert.der));
  port = (await startTlsServer(await mintCredential(newRoot, ['lb.test']))).port;
  mkdirSync(join(root, 'usr/local/share/ca-certificates'), { recursive: true });
  mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
});

const sys = (...args: string[]) => cli(['truststore', ...args, '--root-dir', root]);

test('add on the system store rebuilds the bundle in the copy, and clients of that bundle trust the server', async () => {
  assert.equal((await sys('add', 'system', join(work, 'old.pem'))).code, 0);
  assert.equal((await curl(port, { cafile: bundle })).ok, false);
  const r = await sys('add', 'system', join(work, 'new.pem'), '--alias', 'new-root', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.json().ran[0], /^update-ca-certificates .*--localcertsdir /);
  assert.equal(statSync(join(root, 'usr/local/share/ca-certificates/new-root.crt')).mode & 0o777, 0o644);
  assert.equal((await curl(port, { cafile: bundle })).ok, true);
  assert.equal((await sClient(port, { capath: join(root, 'etc/ssl/certs') })).ok, true);
  const verify = await cli([
    'sender',
    'verify',
    '--truststore',
    'system',
    '--root-dir',
    root,
    '--url',
    `https://127.0.0.1:${port}`,
  ]);
  assert.equal(verify.code, 0, verify.stderr);
  const list = (await sys('list', 'system', '--json')).json();
  assert.deepEqual(
    list.entries.map((e: { alias: string }) => e.alias),
    ['new-root', 'system-old-root'],
  );
  assert.equal((await sys('check', 'system')).code, 0);
  assert.equal(hostHash(), hostBefore, "the host's bundle is untouched");
});

test('remove on the system store takes the root out of the bundle and its links', async () => {
  const r = await sys('remove', 'system', '--fingerprint', newSha);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await curl(port, { cafile: bundle })).ok, false);
  assert.equal((await sClient(port, { capath: join(root, 'etc/ssl/certs') })).ok, false);
  const local = readdirSync(join(root, 'usr/local/share/ca-certificates'));
  assert.ok(
    local.some((n) => /^new-root\.crt\.bak-\d{8}T\d{6}Z$/.test(n)),
    local.join(' '),
  );
  assert.equal((await sys('check', 'system')).code, 0, 'no dangling links or stale bundle after --fresh');
  assert.equal(hostHash(), hostBefore);
});

test('check reports a local CA file that update-ca-certificates has not taken in yet', async () => {
  copyFileSync(join(work, 'new.pem'), join(root, 'usr/local/share/ca-certificates/dropped-by-hand.crt'));
  const r = await sys('check', 'system');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error\[BUNDLE_STALE\]/);
});
