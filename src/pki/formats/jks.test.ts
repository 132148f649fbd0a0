import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mintCredential, mintRoot } from '../../../test/kit/ca.js';
import { isRolloverError } from '../../shared/errors.js';
import { decodeJks, encodeJks, encodeJksTruststore, type JksEntry } from './jks.js';

const now = new Date('2026-11-27T10:00:00Z');
const root = await mintRoot('JKS Root');
const other = await mintRoot('JKS Other Root');
const cred = await mintCredential(root);

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isRolloverError(e) ? e.code : `untyped: ${(e as Error).message}`;
  }
  return undefined;
}

/** A private-key entry as keytool lays it out, with a made-up protected key (opaque to rollover). */
function keyEntry(alias: string, chain: Uint8Array[]): Uint8Array {
  const parts: Buffer[] = [];
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const utf = (s: string) => Buffer.concat([Buffer.from([0, s.length]), Buffer.from(s)]);
  const date = Buffer.alloc(8);
  date.writeBigUInt64BE(BigInt(now.getTime()));
  const protectedKey = Buffer.from('not a real protected key, only bytes to carry');
  parts.push(u32(1), utf(alias), date, u32(protectedKey.length), protectedKey, u32(chain.length));
  for (const c of chain) parts.push(utf('X.509'), u32(c.length), Buffer.from(c));
  return new Uint8Array(Buffer.concat(parts));
}

test('a JKS truststore round-trips its certificates, lower-cased aliases and dates', () => {
  const bytes = encodeJksTruststore(
    [
      { alias: 'New-Root', cert: root.root.der },
      { alias: 'old-root', cert: other.root.der },
    ],
    'changeit',
    now,
  );
  const store = decodeJks(bytes, 'changeit');
  assert.equal(store.verified, true);
  assert.deepEqual(
    store.entries.map((e) => [e.kind, e.alias, e.date?.toISOString()]),
    [
      ['trusted-cert', 'new-root', now.toISOString()],
      ['trusted-cert', 'old-root', now.toISOString()],
    ],
  );
  const first = store.entries[0]!;
  assert.ok(first.kind === 'trusted-cert' && Buffer.from(first.cert).equals(Buffer.from(root.root.der)));
});

test('a wrong password is WRONG_PASSWORD, and no password reads the entries unverified', () => {
  const bytes = encodeJksTruststore([{ alias: 'a', cert: root.root.der }], 'changeit', now);
  assert.equal(
    code(() => decodeJks(bytes, 'changeme')),
    'WRONG_PASSWORD',
  );
  const unverified = decodeJks(bytes, undefined);
  assert.equal(unverified.verified, false);
  assert.equal(unverified.entries.length, 1);
});

test('one altered byte in a certificate breaks the integrity check', () => {
  const bytes = encodeJksTruststore([{ alias: 'a', cert: root.root.der }], 'changeit', now);
  const tampered = bytes.slice();
  tampered[bytes.length - 40]! ^= 0x01;
  assert.equal(
    code(() => decodeJks(tampered, 'changeit')),
    'WRONG_PASSWORD',
  );
});

test('a truncated file, a non-JKS file and a JCEKS file are BAD_KEYSTORE', () => {
  const bytes = encodeJksTruststore([{ alias: 'a', cert: root.root.der }], 'changeit', now);
  for (const cut of [3, 12, 30, bytes.length - 21, bytes.length - 1]) {
    assert.equal(
      code(() => decodeJks(bytes.subarray(0, cut), 'changeit')),
      'BAD_KEYSTORE',
      `cut at ${cut}`,
    );
  }
  assert.equal(
    code(() => decodeJks(new Uint8Array([0x30, 0x82, 0, 0]), 'changeit')),
    'BAD_KEYSTORE',
  );
  const jceks = bytes.slice();
  jceks.set([0xce, 0xce, 0xce, 0xce], 0);
  assert.match(String(code(() => decodeJks(jceks, 'changeit'))), /BAD_KEYSTORE/);
});

test('a private-key entry survives a decode and re-encode byte for byte beside a new trusted entry', () => {
  const raw = keyEntry(
    'server',
    cred.chain.map((c) => c.der),
  );
  const withKey = encodeJks(
    { entries: [{ kind: 'private-key', alias: 'server', date: now, chain: [], raw }] },
    'changeit',
  );
  const store = decodeJks(withKey, 'changeit');
  const key = store.entries[0]!;
  assert.equal(key.kind, 'private-key');
  assert.ok(key.kind === 'private-key' && Buffer.from(key.raw).equals(Buffer.from(raw)));
  assert.equal(key.kind === 'private-key' && key.chain.length, cred.chain.length);
  const added: JksEntry[] = [
    ...store.entries,
    { kind: 'trusted-cert', alias: 'new-root', cert: root.root.der },
  ];
  const again = decodeJks(encodeJks({ entries: added }, 'changeit', now), 'changeit');
  assert.deepEqual(
    again.entries.map((e) => e.alias),
    ['server', 'new-root'],
  );
  const keyAgain = again.entries[0]!;
  assert.ok(keyAgain.kind === 'private-key' && Buffer.from(keyAgain.raw).equals(Buffer.from(raw)));
});

test('two entries whose aliases differ only in case are refused', () => {
  assert.equal(
    code(() =>
      encodeJksTruststore(
        [
          { alias: 'Root', cert: root.root.der },
          { alias: 'root', cert: other.root.der },
        ],
        'changeit',
        now,
      ),
    ),
    'ALIAS_EXISTS',
  );
});

test('aliases outside ASCII survive as Java modified UTF-8', () => {
  const bytes = encodeJksTruststore([{ alias: 'wurzel-ä€', cert: root.root.der }], 'changeit', now);
  assert.equal(decodeJks(bytes, 'changeit').entries[0]!.alias, 'wurzel-ä€');
});
