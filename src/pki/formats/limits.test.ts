/**
 * Crafted keystores and PEM text that ask for unbounded work are refused fast, with a typed code:
 * iteration counts in PKCS#12 (MAC, encrypted safes, shrouded keys), entry and chain counts in JKS,
 * BEGIN lines without END in PEM. Each case would run for minutes to hours without its bound.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mintCredential, mintRoot } from '../../../test/kit/ca.js';
import { isRolloverError } from '../../shared/errors.js';
import { readPrivateKey } from '../keys.js';
import { children, encodeTlv, readTlv } from './der.js';
import { decodeJks } from './jks.js';
import { PBE_MAX_ITERATIONS, PBE_MAX_WORK, PbeBudget } from './pbe.js';
import { decodePem, encodePem } from './pem.js';
import { decodePkcs12, encodePkcs12Truststore } from './pkcs12.js';

const root = await mintRoot('Limits Root');
const cred = await mintCredential(root, ['limits.test']);

/** The code and the time a decode took. */
async function attempt(fn: () => unknown): Promise<{ code?: string; message?: string; ms: number }> {
  const t0 = performance.now();
  try {
    await fn();
  } catch (e) {
    const ms = performance.now() - t0;
    return isRolloverError(e)
      ? { code: e.code, message: e.message, ms }
      : { code: `untyped: ${(e as Error).message}`, ms };
  }
  return { ms: performance.now() - t0 };
}

/** An openssl pkcs12 -export file with its key and certificate, legacy or modern. */
function opensslP12(args: string[]): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'limits-'));
  try {
    writeFileSync(join(dir, 'key.pem'), encodePem('PRIVATE KEY', cred.key.pkcs8));
    writeFileSync(join(dir, 'cert.pem'), encodePem('CERTIFICATE', cred.chain[0]!.der));
    execFileSync('openssl', [
      'pkcs12',
      '-export',
      '-inkey',
      join(dir, 'key.pem'),
      '-in',
      join(dir, 'cert.pem'),
      '-passout',
      'pass:changeit',
      '-out',
      join(dir, 'x.p12'),
      ...args,
    ]);
    return new Uint8Array(readFileSync(join(dir, 'x.p12')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** DER of an INTEGER holding `value` (content bytes given, so that over-long ones can be made). */
function integer(content: number[]): Uint8Array {
  return encodeTlv(0x02, new Uint8Array(content));
}

/**
 * Rewrites a DER tree: every INTEGER whose value is `from` becomes `to` (the `nth` only, counting in
 * file order, when given), descending into constructed elements and into OCTET STRINGs that hold DER.
 * Lengths are re-encoded on the way out.
 */
function rewriteInteger(der: Uint8Array, from: number, to: Uint8Array, nth?: number): Uint8Array {
  let seen = 0;
  const walk = (bytes: Uint8Array): Uint8Array => {
    const out: Uint8Array[] = [];
    let off = 0;
    while (off < bytes.length) {
      const t = readTlv(bytes, off);
      if (!t) return bytes;
      const content = bytes.subarray(t.contentStart, t.end);
      if (t.tag === 0x02 && Buffer.from(content).readUIntBE(0, Math.min(content.length, 6)) === from) {
        out.push(nth === undefined || seen++ === nth ? to : bytes.subarray(t.start, t.end));
      } else if (t.tag & 0x20) {
        out.push(encodeTlv(t.tag, walk(content)));
      } else if (t.tag === 0x04 && content[0] === 0x30 && readTlv(content)?.end === content.length) {
        out.push(encodeTlv(t.tag, walk(content)));
      } else {
        out.push(bytes.subarray(t.start, t.end));
      }
      off = t.end;
    }
    return new Uint8Array(Buffer.concat(out));
  };
  return walk(der);
}

/** The PFX without its MacData: SEQUENCE { version, authSafe }. */
function withoutMac(pfx: Uint8Array): Uint8Array {
  const top = readTlv(pfx)!;
  const [version, authSafe] = children(pfx, top)!;
  return encodeTlv(
    0x30,
    pfx.subarray(version!.start, version!.end),
    pfx.subarray(authSafe!.start, authSafe!.end),
  );
}

const HUGE = integer([0x7f, 0xff, 0xff, 0xff]); // 2 147 483 647 iterations
const ENORMOUS = integer([0x01, 0, 0, 0, 0, 0, 0, 0, 0]); // 2^64

test('a PKCS#12 MAC with 2^31 iterations (or a 9-byte count) is KEYSTORE_LIMIT at once', async () => {
  for (const args of [
    ['-iter', '2048'],
    ['-legacy', '-iter', '2048'],
  ]) {
    const p12 = opensslP12(args);
    assert.equal((await decodePkcs12(p12, 'changeit')).entries.length, 1, 'the untouched file opens');
    for (const count of [HUGE, ENORMOUS]) {
      // The MAC is the last INTEGER 2048 in the file.
      const crafted = rewriteInteger(p12, 2048, count, 2);
      const r = await attempt(() => decodePkcs12(crafted, 'changeit'));
      assert.equal(r.code, 'KEYSTORE_LIMIT', `${args}: ${r.code} ${r.message}`);
      assert.match(r.message!, /for the MAC; rollover reads at most 1,000,000/);
      assert.ok(r.ms < 2000, `refused in ${r.ms} ms`);
    }
  }
});

test('an encrypted safe or a shrouded key with 2^31 iterations is KEYSTORE_LIMIT before any derivation', async () => {
  for (const args of [[], ['-legacy']]) {
    // Without its MAC (openssl 3.0 ignores -nomac), so that nothing stops before the safes.
    const p12 = withoutMac(opensslP12([...args, '-iter', '2048']));
    assert.equal((await decodePkcs12(p12, 'changeit')).entries.length, 1, 'the untouched file opens');
    // In file order: the encrypted certificate safe, then the key bag.
    for (const [nth, what] of [
      [0, 'encrypted safe 1'],
      [1, 'key 1'],
    ] as const) {
      const crafted = rewriteInteger(p12, 2048, HUGE, nth);
      assert.notDeepEqual(crafted, p12);
      const r = await attempt(() => decodePkcs12(crafted, 'changeit'));
      assert.equal(r.code, 'KEYSTORE_LIMIT', `${args} ${what}: ${r.code} ${r.message}`);
      assert.ok(r.message!.includes(`2,147,483,647 key-derivation iterations for ${what}`), r.message);
      assert.ok(r.ms < 2000, `refused in ${r.ms} ms`);
    }
  }
});

test('a zero or negative iteration count is BAD_KEYSTORE, never a loop that does not run', async () => {
  const p12 = opensslP12(['-iter', '2048']);
  for (const count of [integer([0]), integer([0xff])]) {
    const r = await attempt(() => decodePkcs12(rewriteInteger(p12, 2048, count, 2), 'changeit'));
    assert.equal(r.code, 'BAD_KEYSTORE', `${r.code} ${r.message}`);
  }
});

test('a PKCS#12 file with 100 000 iterations (as JDK 12–17 wrote the MAC), legacy PBE, still opens', async () => {
  const p12 = opensslP12(['-legacy', '-iter', '100000']);
  assert.equal((await decodePkcs12(p12, 'changeit')).entries.length, 1);
});

test('the budget counts every derivation of a file: each under the limit, together refused', () => {
  const b = new PbeBudget('the test file');
  b.spend(PBE_MAX_ITERATIONS, 2, 'the first safe');
  b.spend(PBE_MAX_ITERATIONS, 1, 'the MAC');
  assert.equal(b.spent, 3 * PBE_MAX_ITERATIONS);
  assert.ok(3 * PBE_MAX_ITERATIONS < PBE_MAX_WORK && 4 * PBE_MAX_ITERATIONS <= PBE_MAX_WORK);
  b.spend(PBE_MAX_ITERATIONS, 1, 'key 1');
  assert.throws(
    () => b.spend(1, 1, 'key 2'),
    (e) => isRolloverError(e) && e.code === 'KEYSTORE_LIMIT' && /in all \(at key 2\)/.test(e.message),
  );
  assert.throws(
    () => new PbeBudget('x').spend(PBE_MAX_ITERATIONS + 1, 1, 'the MAC'),
    (e) => isRolloverError(e) && e.code === 'KEYSTORE_LIMIT',
  );
});

/** A JKS header and body with a correct integrity trailer for "changeit". */
function jks(body: Buffer): Uint8Array {
  const pw = Buffer.from('changeit', 'utf16le').swap16();
  const digest = createHash('sha1').update(pw).update('Mighty Aphrodite').update(body).digest();
  return new Uint8Array(Buffer.concat([body, digest]));
}

test('a JKS claiming 4 294 967 295 entries, or a chain that long, is BAD_KEYSTORE at once', async () => {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const header = (count: number) => Buffer.concat([u32(0xfeedfeed), u32(2), u32(count)]);
  const many = jks(Buffer.concat([header(0xffffffff), Buffer.alloc(64)]));
  let r = await attempt(() => decodeJks(many, 'changeit'));
  assert.equal(r.code, 'BAD_KEYSTORE');
  assert.match(r.message!, /claims 4294967295 entries/);
  const alias = Buffer.concat([Buffer.from([0, 1]), Buffer.from('a')]);
  const keyEntry = Buffer.concat([u32(1), alias, Buffer.alloc(8), u32(0), u32(0xffffffff)]);
  const longChain = jks(Buffer.concat([header(1), keyEntry, Buffer.alloc(64)]));
  r = await attempt(() => decodeJks(longChain, 'changeit'));
  assert.equal(r.code, 'BAD_KEYSTORE');
  assert.match(r.message!, /claims a chain of 4294967295 certificates/);
});

test('PEM text of BEGIN lines without END, or near-miss END lines, is BAD_PEM in linear time', async () => {
  // 1 MB each: the former regular expression took 23 s and 80 s on these (quadratic backtracking).
  const cert = encodePem('CERTIFICATE', cred.chain[0]!.der);
  const cases = [
    '-----BEGIN CERTIFICATE-----\n'.repeat(40_000),
    '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE----\n'.repeat(20_000),
    `${cert}${'-----BEGIN X-----\n'.repeat(60_000)}`,
  ];
  for (const text of cases) {
    const r = await attempt(() => decodePem(text));
    assert.equal(r.code, 'BAD_PEM', r.message);
    assert.ok(r.ms < 1000, `refused in ${r.ms} ms`);
  }
  // Many well-formed blocks still read, each with its place in the text.
  const bundle = cert.repeat(2000);
  const t0 = performance.now();
  const blocks = decodePem(bundle);
  assert.ok(performance.now() - t0 < 2000);
  assert.equal(blocks.length, 2000);
  assert.equal(bundle.slice(blocks[1]!.start, blocks[1]!.end + 1), cert);
});

test('a BEGIN line before a good block with no END of its own is BAD_PEM (a damaged file never reads short)', async () => {
  const cert = encodePem('CERTIFICATE', cred.chain[0]!.der);
  for (const text of [`-----BEGIN CERTIFICATE-----\nAAAA\n${cert}`, `-----BEGIN lower-----\n${cert}`]) {
    const r = await attempt(() => decodePem(text));
    assert.equal(r.code, 'BAD_PEM', text.slice(0, 40));
  }
});

test('an encrypted PKCS#8 key with 2^31 PBKDF2 iterations is KEYSTORE_LIMIT before OpenSSL runs them', async () => {
  const der = new Uint8Array(
    cred.key.keyObject.export({ format: 'der', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'pw-1234' }),
  );
  assert.equal(
    readPrivateKey(encodePem('ENCRYPTED PRIVATE KEY', der), 'pw-1234').info.type,
    cred.key.info.type,
  );
  const crafted = encodePem('ENCRYPTED PRIVATE KEY', rewriteInteger(der, 2048, HUGE));
  const r = await attempt(() => readPrivateKey(crafted, 'pw-1234'));
  assert.equal(r.code, 'KEYSTORE_LIMIT', r.message);
  assert.match(r.message!, /^the encrypted private key asks for 2,147,483,647 key-derivation iterations/);
  assert.ok(r.ms < 2000, `refused in ${r.ms} ms`);
});

test('a data safe that holds no OCTET STRING is BAD_KEYSTORE, not a TypeError (found by fuzzing)', async () => {
  const p12 = withoutMac(await encodePkcs12Truststore([{ alias: 'root', cert: root.root.der }], 'changeit'));
  // The encrypted safe's content type rewritten to "data": its content is then an EncryptedData SEQUENCE.
  const encryptedData = Buffer.from('06092a864886f70d010706', 'hex');
  const at = Buffer.from(p12).indexOf(encryptedData);
  assert.ok(at > 0);
  const crafted = Buffer.from(p12);
  crafted[at + encryptedData.length - 1] = 0x01;
  const r = await attempt(() => decodePkcs12(new Uint8Array(crafted), 'changeit'));
  assert.equal(r.code, 'BAD_KEYSTORE', r.code);
  assert.match(r.message!, /safe 1 holds no OCTET STRING/);
});
