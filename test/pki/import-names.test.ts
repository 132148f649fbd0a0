/**
 * `cert import` errors name the files the user passed (--key, --cert, --chain, --root), never a
 * credential directory's tls.key or tls.crt that nobody gave and that does not exist yet.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { mintCredential, mintIntermediate, mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir('rollover-import-names-');
const p = (name: string) => join(dir, name);

before(async () => {
  const root = await mintRoot('Names Root');
  const inter = await mintIntermediate(root, 'Names Issuing CA');
  const cred = await mintCredential(inter, ['names.test']);
  const other = await mintCredential(root, ['other.test']);
  writeFileSync(p('server.key'), privateKeyToPem(cred.key.keyObject));
  writeFileSync(p('stranger.key'), privateKeyToPem(other.key.keyObject));
  writeFileSync(p('leaf-from-ca.pem'), encodeCertificatesPem([cred.chain[0]!.der]));
  writeFileSync(p('intermediates.pem'), encodeCertificatesPem([inter.cert.der]));
  writeFileSync(p('corp-root.pem'), encodeCertificatesPem([root.cert.der]));
  writeFileSync(p('broken-chain.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n');
});

/** Runs an import and returns its error line; asserts no file name the user did not pass is in it. */
async function importError(args: string[]): Promise<string> {
  const r = await cli(['cert', 'import', ...args, '--out', p('out')]);
  assert.equal(r.code, 1, r.stderr);
  const line = r.stderr.split('\n').find((l) => l.startsWith('error['))!;
  assert.ok(line, r.stderr);
  assert.doesNotMatch(line, /tls\.(key|crt)|ca\.crt/, 'names a file the user did not pass');
  return line;
}

test('a key that does not match names the --key file', async () => {
  const line = await importError([
    '--key',
    p('stranger.key'),
    '--cert',
    p('leaf-from-ca.pem'),
    '--chain',
    p('intermediates.pem'),
    '--root',
    p('corp-root.pem'),
  ]);
  assert.match(line, /^error\[KEY_MISMATCH\]/);
  assert.ok(line.includes(p('stranger.key')), line);
});

test('a missing intermediate names the --cert and --chain files given', async () => {
  const line = await importError([
    '--key',
    p('server.key'),
    '--cert',
    p('leaf-from-ca.pem'),
    '--root',
    p('corp-root.pem'),
  ]);
  assert.match(line, /^error\[CHAIN_INCOMPLETE\]/);
  assert.ok(line.includes(p('leaf-from-ca.pem')), line);
});

test('a truncated --chain file is named in its parse error', async () => {
  const line = await importError([
    '--key',
    p('server.key'),
    '--cert',
    p('leaf-from-ca.pem'),
    '--chain',
    p('broken-chain.pem'),
    '--root',
    p('corp-root.pem'),
  ]);
  assert.match(line, /^error\[BAD_PEM\]/);
  assert.ok(line.includes(p('broken-chain.pem')), line);
});

test('a private key given as --root is named as the root file', async () => {
  const line = await importError([
    '--key',
    p('server.key'),
    '--cert',
    p('leaf-from-ca.pem'),
    '--root',
    p('server.key'),
  ]);
  assert.ok(line.includes(p('server.key')), line);
});
