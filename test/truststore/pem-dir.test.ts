/**
 * PEM bundles and OpenSSL hashed directories, proven with outside clients: after `truststore add`,
 * curl, openssl s_client and Python's ssl accept a server presenting a credential under the new root;
 * after `truststore remove` of that root they refuse it. The old and new roots share one subject (as
 * they usually do), so their directory links collide (`<hash>.0`, `<hash>.1`) and a removal must
 * renumber — OpenSSL stops looking at the first missing number.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { encodePem } from '../../src/pki/formats/pem.js';
import { subjectHash } from '../../src/truststore/subject-hash.js';
import { mintCredential, mintIntermediate, mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { startTlsServer } from '../kit/tls-server.js';
import { tempDir } from '../kit/tmp.js';
import { type Anchors, curl, python, sClient } from './clients.js';

const dir = tempDir('rollover-ts-pem-');
const p = (...parts: string[]) => join(dir, ...parts);
let port = 0;
let oldSha = '';
let newSha = '';

before(async () => {
  // Same subject on purpose: a renewed root usually keeps its name.
  const oldRoot = await mintRoot('Example Root');
  const newRoot = await mintRoot('Example Root');
  const inter = await mintIntermediate(newRoot, 'Example Issuing CA');
  const cred = await mintCredential(inter, ['lb.test'], { ips: ['127.0.0.1'] });
  writeFileSync(p('old-root.pem'), encodePem('CERTIFICATE', oldRoot.cert.der));
  writeFileSync(p('new-root.pem'), encodePem('CERTIFICATE', newRoot.cert.der));
  writeFileSync(p('leaf.pem'), encodePem('CERTIFICATE', cred.chain[0]!.der));
  oldSha = oldRoot.cert.sha256;
  newSha = newRoot.cert.sha256;
  port = (await startTlsServer(cred)).port;
});

async function clientsAccept(a: Anchors): Promise<boolean[]> {
  const r = [await curl(port, a), await sClient(port, a), await python(port, a)];
  if (process.env.DEBUG_CLIENTS) console.log(r);
  return r.map((x) => x.ok);
}

test('our subject hash equals openssl x509 -hash', () => {
  for (const f of ['old-root.pem', 'leaf.pem']) {
    const theirs = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', p(f)], {
      encoding: 'utf8',
    }).trim();
    const der = new Uint8Array(
      Buffer.from(readFileSync(p(f), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64'),
    );
    assert.equal(subjectHash(der), theirs);
  }
});

test('a PEM bundle: curl, s_client and Python trust the server after add and refuse it after remove', async () => {
  const bundle = p('bundle.pem');
  assert.equal((await cli(['truststore', 'add', bundle, p('old-root.pem')])).code, 0);
  assert.deepEqual(
    await clientsAccept({ cafile: bundle }),
    [false, false, false],
    'the old root alone must not do',
  );
  const add = await cli(['truststore', 'add', bundle, p('new-root.pem'), '--json']);
  assert.equal(add.code, 0, add.stderr);
  assert.equal(add.json().changed, true);
  assert.match(add.json().backups[0], /bundle\.pem\.bak-\d{8}T\d{6}Z$/);
  assert.deepEqual(await clientsAccept({ cafile: bundle }), [true, true, true]);

  const again = await cli(['truststore', 'add', bundle, p('new-root.pem')]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already trusted/);

  const list = (await cli(['truststore', 'list', bundle, '--json'])).json();
  assert.deepEqual(
    list.entries.map((e: { sha256: string }) => e.sha256),
    [oldSha, newSha],
  );

  // Fingerprint as keytool prints it: upper case with colons.
  const colon = newSha.toUpperCase().match(/.{2}/g)!.join(':');
  const rm = await cli(['truststore', 'remove', bundle, '--fingerprint', colon]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stderr, /warning: no safety check was made: without --renewal-status/);
  assert.deepEqual(await clientsAccept({ cafile: bundle }), [false, false, false]);
  const left = (await cli(['truststore', 'list', bundle, '--json'])).json();
  assert.deepEqual(
    left.entries.map((e: { sha256: string }) => e.sha256),
    [oldSha],
  );
});

function linkMap(d: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(d)) {
    if (!/^[0-9a-f]{8}\.\d+$/.test(name)) continue;
    const st = lstatSync(join(d, name));
    out.set(name, st.isSymbolicLink() ? readlinkSync(join(d, name)) : name);
  }
  return out;
}

test('a hashed directory: links match openssl rehash, collisions renumber, and clients follow add and remove', async () => {
  const d = p('capath');
  execFileSync('mkdir', ['-p', d]);
  assert.equal((await cli(['truststore', 'add', d, p('old-root.pem'), '--alias', 'old-root'])).code, 0);
  const add = await cli(['truststore', 'add', d, p('new-root.pem'), '--alias', 'new-root']);
  assert.equal(add.code, 0, add.stderr);
  const hash = subjectHash(
    new Uint8Array(
      Buffer.from(readFileSync(p('new-root.pem'), 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64'),
    ),
  );
  assert.deepEqual(
    linkMap(d),
    new Map([
      [`${hash}.0`, 'old-root.pem'],
      [`${hash}.1`, 'new-root.pem'],
    ]),
  );
  // openssl rehash on a copy makes the same link names for the same files.
  const copy = p('capath-rehashed');
  cpSync(d, copy, { recursive: true, verbatimSymlinks: true });
  execFileSync('openssl', ['rehash', copy]);
  assert.deepEqual([...linkMap(copy).keys()].sort(), [...linkMap(d).keys()].sort());
  assert.deepEqual([...linkMap(copy).values()].sort(), [...linkMap(d).values()].sort());
  assert.equal((await cli(['truststore', 'check', d])).code, 0);
  assert.deepEqual(await clientsAccept({ capath: d }), [true, true, true]);

  // Removing the .0 entry must move new-root to .0, or OpenSSL would never look at .1.
  const rmOld = await cli([
    'truststore',
    'remove',
    d,
    '--subject',
    'o=Rollover Tests, cn=example root',
    '--alias',
    'x',
  ]);
  assert.equal(rmOld.code, 2, 'two selectors at once are a usage error');
  const rm = await cli(['truststore', 'remove', d, '--fingerprint', oldSha]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.deepEqual(linkMap(d), new Map([[`${hash}.0`, 'new-root.pem']]));
  assert.ok(
    readdirSync(d).some((n) => /^old-root\.pem\.bak-\d{8}T\d{6}Z$/.test(n)),
    'the removed file is kept as a backup',
  );
  assert.deepEqual(await clientsAccept({ capath: d }), [true, true, true]);

  assert.equal((await cli(['truststore', 'remove', d, '--alias', 'NEW-ROOT'])).code, 0);
  assert.deepEqual(linkMap(d), new Map());
  assert.deepEqual(await clientsAccept({ capath: d }), [false, false, false]);
});

test('check finds a gap in a directory made by hand, and a directory made by c_rehash reads back', async () => {
  const d = p('by-hand');
  execFileSync('mkdir', ['-p', d]);
  cpSync(p('old-root.pem'), join(d, 'a.pem'));
  cpSync(p('new-root.pem'), join(d, 'b.pem'));
  execFileSync('c_rehash', [d], { stdio: 'ignore' });
  const list = (await cli(['truststore', 'list', d, '--json'])).json();
  assert.deepEqual(list.entries.map((e: { alias: string }) => e.alias).sort(), ['a', 'b']);
  assert.equal((await cli(['truststore', 'check', d])).code, 0);
  const links = [...linkMap(d).keys()].sort();
  execFileSync('rm', [join(d, links[0]!)]);
  const check = await cli(['truststore', 'check', d]);
  assert.equal(check.code, 1);
  assert.match(check.stderr, /HASH_LINK_BROKEN/);
});

test('add --dry-run shows the change and writes nothing', async () => {
  const bundle = p('dry.pem');
  writeFileSync(bundle, readFileSync(p('old-root.pem')));
  const before = readFileSync(bundle);
  const r = await cli(['truststore', 'add', bundle, p('new-root.pem'), '--dry-run', '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.json().changed, false);
  assert.match(r.json().message, /^would add "example-root-[0-9a-f]{8}"/);
  assert.deepEqual(readFileSync(bundle), before);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('dry.pem')),
    ['dry.pem'],
    'no backup or temporary file either',
  );
});
