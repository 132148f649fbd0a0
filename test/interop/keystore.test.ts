/**
 * Keystores across tools: what `rollover cert export` writes opens in openssl and keytool, and what
 * keytool and `openssl pkcs12 -export` write opens in rollover with the right entries. A key entry
 * that rollover re-encodes (as `truststore add` does) still signs in keytool afterwards.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { decodeJks, encodeJks } from '../../src/pki/formats/jks.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { decodePkcs12, encodePkcs12 } from '../../src/pki/formats/pkcs12.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { mintCredential, mintIntermediate, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';

const exec = promisify(execFile);
const dir = tempDir('rollover-keystore-');
const p = (...parts: string[]) => join(dir, ...parts);

const root = await mintRoot('Keystore Root');
const inter = await mintIntermediate(root, 'Keystore Intermediate');
const cred = await mintCredential(inter, ['app.test']);
await saveCredential(p('cred'), cred);
writeFileSync(p('root.pem'), encodeCertificatesPem([root.root.der]));
const spki = (pem: string | Buffer) =>
  createPublicKey(createPrivateKey(pem)).export({ format: 'der', type: 'spki' });
const credSpki = createPublicKey(cred.key.keyObject).export({ format: 'der', type: 'spki' });

async function keytool(...args: string[]): Promise<string> {
  const r = await exec('keytool', args);
  return r.stdout;
}

async function openssl(...args: string[]): Promise<string> {
  const r = await exec('openssl', args);
  return r.stdout + r.stderr;
}

test('an exported PKCS#12 opens in openssl with the full chain and the matching key', async () => {
  const r = await cli([
    'cert',
    'export',
    '--credential',
    p('cred'),
    '--format',
    'pkcs12',
    '--out',
    p('app.p12'),
    '--password',
    's3cret-pw',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(p('app.p12')).mode & 0o777, 0o600);
  const info = await openssl('pkcs12', '-info', '-nokeys', '-in', p('app.p12'), '-passin', 'pass:s3cret-pw');
  for (const cn of ['app.test', 'Keystore Intermediate', 'Keystore Root'])
    assert.match(info, new RegExp(`subject=.*CN = ${cn}`));
  assert.match(info, /friendlyName: app\.test/);
  const key = await openssl('pkcs12', '-in', p('app.p12'), '-nocerts', '-nodes', '-passin', 'pass:s3cret-pw');
  assert.ok(spki(key.slice(key.indexOf('-----BEGIN'))).equals(credSpki));
});

test('keytool lists the exported keystore as a PrivateKeyEntry with a chain of three', async () => {
  const out = await keytool('-list', '-v', '-keystore', p('app.p12'), '-storepass', 's3cret-pw');
  assert.match(out, /Entry type: PrivateKeyEntry/);
  assert.match(out, /Certificate chain length: 3/);
  assert.match(out, /Alias name: app\.test/);
  // Java opens the key rollover encrypted (PBES2 AES-256) and signs with it.
  const csr = await keytool(
    '-certreq',
    '-alias',
    'app.test',
    '-keystore',
    p('app.p12'),
    '-storepass',
    's3cret-pw',
  );
  assert.match(csr, /BEGIN NEW CERTIFICATE REQUEST/);
});

test('an exported PEM holds the chain and the key, mode 0600, encrypted when a password is given', async () => {
  const r = await cli([
    'cert',
    'export',
    '--credential',
    p('cred'),
    '--format',
    'pem',
    '--out',
    p('app.pem'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(p('app.pem')).mode & 0o777, 0o600);
  const pem = readFileSync(p('app.pem'), 'utf8');
  assert.equal((pem.match(/BEGIN CERTIFICATE/g) ?? []).length, 2);
  assert.ok(spki(pem).equals(credSpki));
  const enc = await cli([
    'cert',
    'export',
    '--credential',
    p('cred'),
    '--format',
    'pem',
    '--out',
    p('enc.pem'),
    '--password',
    'pem-pw-1',
  ]);
  assert.equal(enc.code, 0, enc.stderr);
  const encPem = readFileSync(p('enc.pem'), 'utf8');
  assert.match(encPem, /BEGIN ENCRYPTED PRIVATE KEY/);
  const opened = await openssl('pkey', '-in', p('enc.pem'), '-passin', 'pass:pem-pw-1');
  assert.ok(spki(opened).equals(credSpki));
});

test('an existing export is refused without --force, replaced with it, and stays 0600', async () => {
  writeFileSync(p('taken.p12'), 'keep me', { mode: 0o644 });
  const args = [
    'cert',
    'export',
    '--credential',
    p('cred'),
    '--format',
    'pkcs12',
    '--out',
    p('taken.p12'),
    '--password',
    'pw-12345',
  ];
  const refused = await cli(args);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /error\[FILE_EXISTS\]/);
  assert.equal(readFileSync(p('taken.p12'), 'utf8'), 'keep me');
  const forced = await cli([...args, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(statSync(p('taken.p12')).mode & 0o777, 0o600);
  assert.equal(
    (await decodePkcs12(new Uint8Array(readFileSync(p('taken.p12'))), 'pw-12345')).entries.length,
    1,
  );
});

test('a PKCS#12 export without a password is refused as a usage error', async () => {
  const r = await cli([
    'cert',
    'export',
    '--credential',
    p('cred'),
    '--format',
    'pkcs12',
    '--out',
    p('nopw.p12'),
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[BAD_ARGUMENT\]/);
  assert.throws(() => statSync(p('nopw.p12')));
});

test('stores keytool writes with -importcert open in rollover with their alias and certificate', async () => {
  for (const type of ['JKS', 'PKCS12']) {
    const file = p(`keytool-trust.${type.toLowerCase()}`);
    await keytool(
      '-importcert',
      '-noprompt',
      '-storetype',
      type,
      '-keystore',
      file,
      '-storepass',
      'changeit',
      '-alias',
      'corp-root',
      '-file',
      p('root.pem'),
    );
    const r = await cli(['cert', 'inspect', file, '--password', 'changeit', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = r.json();
    assert.equal(report.format, type === 'JKS' ? 'jks' : 'pkcs12');
    assert.deepEqual(
      report.certificates.map((c: { alias: string; sha256: string }) => [c.alias, c.sha256]),
      [['corp-root', root.root.sha256]],
    );
    const wrong = await cli(['cert', 'inspect', file, '--password', 'not-it']);
    assert.match(wrong.stderr, /error\[WRONG_PASSWORD\]/);
  }
});

test('openssl pkcs12 -export files, modern and -legacy, open in rollover with key type and chain', async () => {
  writeFileSync(p('key.pem'), privateKeyToPem(cred.key.keyObject));
  writeFileSync(p('leaf.pem'), encodeCertificatesPem([cred.chain[0]!.der]));
  writeFileSync(p('cas.pem'), encodeCertificatesPem([inter.cert.der, root.root.der]));
  for (const legacy of [[], ['-legacy']]) {
    const file = p(`openssl${legacy.join('')}.p12`);
    await openssl(
      'pkcs12',
      '-export',
      ...legacy,
      '-inkey',
      p('key.pem'),
      '-in',
      p('leaf.pem'),
      '-certfile',
      p('cas.pem'),
      '-name',
      'web',
      '-passout',
      'pass:ossl-pw',
      '-out',
      file,
    );
    const r = await cli(['cert', 'inspect', file, '--password', 'ossl-pw', '--json']);
    assert.equal(r.code, 0, `${legacy}: ${r.stderr}`);
    const report = r.json();
    assert.deepEqual(report.keys, [{ alias: 'web', algorithm: 'ec', size: 256, curve: 'P-256' }]);
    assert.deepEqual(
      report.certificates.map((c: { sha256: string }) => c.sha256),
      [cred.chain[0]!.sha256, inter.cert.sha256, root.root.sha256],
    );
    const wrong = await cli(['cert', 'inspect', file, '--password', 'wrong']);
    assert.match(wrong.stderr, /error\[WRONG_PASSWORD\]/, `${legacy}`);
  }
});

test('a keytool key entry survives a rollover re-encode with an added root and still signs in keytool', async () => {
  for (const type of ['JKS', 'PKCS12']) {
    const file = p(`keytool-key.${type.toLowerCase()}`);
    await keytool(
      '-genkeypair',
      '-keyalg',
      'EC',
      '-groupname',
      'secp256r1',
      '-alias',
      'server',
      '-dname',
      'CN=server.test',
      '-validity',
      '30',
      '-storetype',
      type,
      '-keystore',
      file,
      '-storepass',
      'changeit',
      '-keypass',
      'changeit',
    );
    const bytes = new Uint8Array(readFileSync(file));
    const out = p(`rewritten.${type.toLowerCase()}`);
    if (type === 'JKS') {
      const store = decodeJks(bytes, 'changeit');
      assert.deepEqual(
        store.entries.map((e) => [e.kind, e.alias]),
        [['private-key', 'server']],
      );
      writeFileSync(
        out,
        encodeJks(
          { entries: [...store.entries, { kind: 'trusted-cert', alias: 'new-root', cert: root.root.der }] },
          'changeit',
        ),
      );
    } else {
      const store = await decodePkcs12(bytes, 'changeit');
      assert.deepEqual(
        store.entries.map((e) => [e.kind, e.alias]),
        [['private-key', 'server']],
      );
      // As truststore add does it: the key bag written back as read, without re-encrypting the key.
      const asRead = store.entries.map((e) => {
        if (e.kind !== 'private-key') return e;
        const { pkcs8: _dropped, ...rest } = e;
        return rest;
      });
      writeFileSync(
        out,
        await encodePkcs12(
          { entries: [...asRead, { kind: 'trusted-cert', alias: 'new-root', cert: root.root.der }] },
          'changeit',
        ),
      );
    }
    const list = await keytool('-list', '-keystore', out, '-storepass', 'changeit', '-storetype', type);
    assert.match(list, /server, .*PrivateKeyEntry/);
    assert.match(list, /new-root, .*trustedCertEntry/);
    // -certreq signs with the private key: it only works when the key came through intact.
    const csr = await keytool(
      '-certreq',
      '-alias',
      'server',
      '-keystore',
      out,
      '-storepass',
      'changeit',
      '-keypass',
      'changeit',
      '-storetype',
      type,
    );
    assert.match(csr, /BEGIN NEW CERTIFICATE REQUEST/);
  }
});
