import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import { mintCredential, mintIntermediate, mintRoot } from '../../../test/kit/ca.js';
import { isRolloverError } from '../../shared/errors.js';
import { children, readTlv } from './der.js';
import {
  decodePkcs12,
  encodePkcs12,
  encodePkcs12Keystore,
  encodePkcs12Truststore,
  type Pkcs12Entry,
} from './pkcs12.js';

const root = await mintRoot('P12 Root');
const oldRoot = await mintRoot('P12 Old Root');
const inter = await mintIntermediate(root, 'P12 Intermediate');
const cred = await mintCredential(inter, ['p12.test']);
const chain = cred.chain.map((c) => c.der);

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return isRolloverError(e) ? e.code : `untyped: ${(e as Error).message}`;
  }
  return undefined;
}

/** Offset just past the MAC digest: PFX → macData → DigestInfo → digest. */
function macDigestEnd(pfx: Uint8Array): number {
  const top = readTlv(pfx)!;
  const macData = children(pfx, top)![2]!;
  const digestInfo = children(pfx, macData)![0]!;
  return children(pfx, digestInfo)![1]!.end;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

test('a truststore round-trips its certificates with Java trust attributes', async () => {
  const bytes = await encodePkcs12Truststore(
    [
      { alias: 'new-root', cert: root.root.der },
      { alias: 'old-root', cert: oldRoot.root.der },
    ],
    'changeit',
  );
  const store = await decodePkcs12(bytes, 'changeit');
  assert.deepEqual(
    store.entries.map((e) => [e.kind, e.alias, e.kind === 'trusted-cert' && e.javaTrusted]),
    [
      ['trusted-cert', 'new-root', true],
      ['trusted-cert', 'old-root', true],
    ],
  );
  const [a] = store.entries;
  assert.ok(a?.kind === 'trusted-cert' && same(a.cert, root.root.der));
});

test('the file uses an HMAC-SHA256 MAC and PBES2 AES-256-CBC with 10000 iterations', async () => {
  const bytes = await encodePkcs12Keystore(cred.key.pkcs8, chain, 'pw-1234', 'p12.test');
  // openssl prints the algorithm summary on stderr
  const summary = execFileSync('sh', ['-c', 'openssl pkcs12 -info -noout -passin pass:pw-1234 2>&1'], {
    input: bytes,
  }).toString();
  assert.match(summary, /MAC: sha256, Iteration 10000/);
  assert.match(summary, /Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256/);
  assert.match(summary, /Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000/);
});

test('a keystore round-trips the key and the ordered chain', async () => {
  const bytes = await encodePkcs12Keystore(cred.key.pkcs8, chain, 'pw-1234', 'P12.Test');
  const store = await decodePkcs12(bytes, 'pw-1234');
  assert.equal(store.entries.length, 1);
  const e = store.entries[0]!;
  assert.equal(e.kind, 'private-key');
  if (e.kind !== 'private-key') return;
  assert.equal(e.alias, 'P12.Test');
  assert.deepEqual(
    e.chain.map((c) => Buffer.from(c).toString('hex')),
    chain.map((c) => Buffer.from(c).toString('hex')),
  );
  const back = createPrivateKey({ key: Buffer.from(e.pkcs8!), format: 'der', type: 'pkcs8' });
  assert.ok(back.equals(cred.key.keyObject));
});

test('a wrong password and a tampered MAC are WRONG_PASSWORD', async () => {
  const bytes = await encodePkcs12Truststore([{ alias: 'r', cert: root.root.der }], 'changeit');
  assert.equal(await code(decodePkcs12(bytes, 'changeme')), 'WRONG_PASSWORD');
  const tampered = bytes.slice();
  tampered[macDigestEnd(bytes) - 1]! ^= 0x01; // the last byte of the MAC itself
  assert.equal(await code(decodePkcs12(tampered, 'changeit')), 'WRONG_PASSWORD');
  const content = bytes.slice();
  content[200]! ^= 0x01; // inside the authenticated content
  assert.match(String(await code(decodePkcs12(content, 'changeit'))), /WRONG_PASSWORD|BAD_KEYSTORE/);
});

test('a truncated or foreign file is BAD_KEYSTORE', async () => {
  const bytes = await encodePkcs12Truststore([{ alias: 'r', cert: root.root.der }], 'changeit');
  for (const cut of [1, 10, bytes.length / 2, bytes.length - 1]) {
    assert.equal(await code(decodePkcs12(bytes.subarray(0, cut), 'changeit')), 'BAD_KEYSTORE', `cut ${cut}`);
  }
  assert.equal(await code(decodePkcs12(root.root.der, 'changeit')), 'BAD_KEYSTORE');
});

test('a key entry survives a decode and re-encode beside a new trusted root, also under a new password', async () => {
  const bytes = await encodePkcs12Keystore(cred.key.pkcs8, chain, 'pw-1234', 'server');
  const store = await decodePkcs12(bytes, 'pw-1234');
  const entries: Pkcs12Entry[] = [
    ...store.entries,
    { kind: 'trusted-cert', alias: 'new-root', cert: root.root.der },
  ];
  for (const pw of ['pw-1234', 'another-pw']) {
    const again = await decodePkcs12(await encodePkcs12({ entries }, pw), pw);
    assert.deepEqual(
      again.entries.map((e) => [e.kind, e.alias]),
      [
        ['private-key', 'server'],
        ['trusted-cert', 'new-root'],
      ],
    );
    const k = again.entries[0]!;
    assert.ok(
      k.kind === 'private-key' &&
        same(
          k.pkcs8!,
          store.entries[0]!.kind === 'private-key' ? store.entries[0]!.pkcs8! : new Uint8Array(),
        ),
    );
  }
});

test('a key bag kept opaque (no PKCS#8) is written back and still opens with its password', async () => {
  const bytes = await encodePkcs12Keystore(cred.key.pkcs8, chain, 'pw-1234', 'server');
  const [k] = (await decodePkcs12(bytes, 'pw-1234')).entries;
  assert.ok(k?.kind === 'private-key' && k.keyBag);
  const opaque: Pkcs12Entry = { kind: 'private-key', alias: k.alias, chain: k.chain, keyBag: k.keyBag };
  const back = await decodePkcs12(await encodePkcs12({ entries: [opaque] }, 'pw-1234'), 'pw-1234');
  const b = back.entries[0]!;
  assert.ok(b.kind === 'private-key' && same(b.pkcs8!, k.pkcs8!));
  assert.equal(b.kind === 'private-key' && b.chain.length, chain.length);
});
