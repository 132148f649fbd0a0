import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRolloverError } from '../shared/errors.js';
import { formatMasterKey, generateMasterKey, parseMasterKey, seal, unseal } from './seal.js';

test('a sealed value opens with the same key and context, and with nothing else', () => {
  const key = generateMasterKey();
  const sealed = seal(key, 'secret key material', 'credentials:cred_1');
  assert.match(sealed, /^v1\./);
  assert.ok(!sealed.includes('secret'));
  assert.equal(unseal(key, sealed, 'credentials:cred_1').toString(), 'secret key material');
  assert.throws(
    () => unseal(key, sealed, 'credentials:cred_2'),
    (e) => isRolloverError(e, 'WRONG_MASTER_KEY'),
  );
  assert.throws(
    () => unseal(generateMasterKey(), sealed, 'credentials:cred_1'),
    (e) => isRolloverError(e, 'WRONG_MASTER_KEY'),
  );
});

test('sealing the same value twice gives different texts (a fresh nonce each time)', () => {
  const key = generateMasterKey();
  assert.notEqual(seal(key, 'x', 'c'), seal(key, 'x', 'c'));
});

test('a flipped bit in a sealed value is refused', () => {
  const key = generateMasterKey();
  const sealed = seal(key, 'value', 'c');
  const raw = Buffer.from(sealed.slice(3), 'base64');
  raw[raw.length - 1]! ^= 1;
  assert.throws(
    () => unseal(key, `v1.${raw.toString('base64')}`, 'c'),
    (e) => isRolloverError(e, 'WRONG_MASTER_KEY'),
  );
  assert.throws(
    () => unseal(key, 'v0.abc', 'c'),
    (e) => isRolloverError(e, 'BAD_KEY'),
  );
});

test('a master key reads as base64 or hex and round-trips through its file form', () => {
  const key = generateMasterKey();
  assert.deepEqual(parseMasterKey(formatMasterKey(key), 'f'), key);
  assert.deepEqual(parseMasterKey(key.toString('hex'), 'f'), key);
  for (const bad of ['', 'short', 'z'.repeat(64), Buffer.alloc(16).toString('base64')]) {
    assert.throws(
      () => parseMasterKey(bad, 'ROLLOVER_MASTER_KEY'),
      (e) => isRolloverError(e, 'BAD_ARGUMENT'),
      bad,
    );
  }
});
