import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rc2DecryptBlock, rc2ExpandKey } from './rc2.js';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

// RFC 2268 section 5 test vectors: [key, effective bits, plaintext, ciphertext].
const VECTORS: Array<[string, number, string, string]> = [
  ['0000000000000000', 63, '0000000000000000', 'ebb773f993278eff'],
  ['ffffffffffffffff', 64, 'ffffffffffffffff', '278b27e42e2f0d49'],
  ['3000000000000000', 64, '1000000000000001', '30649edf9be7d2c2'],
  ['88', 64, '0000000000000000', '61a8a244adacccf0'],
  ['88bca90e90875a', 64, '0000000000000000', '6ccf4308974c267f'],
  ['88bca90e90875a7f0f79c384627bafb2', 64, '0000000000000000', '1a807d272bbe5db1'],
  ['88bca90e90875a7f0f79c384627bafb2', 128, '0000000000000000', '2269552ab0f85ca6'],
];

test('RC2 decrypts the RFC 2268 test vectors', () => {
  for (const [key, bits, plain, cipher] of VECTORS) {
    const out = rc2DecryptBlock(rc2ExpandKey(hex(key), bits), hex(cipher));
    assert.equal(Buffer.from(out).toString('hex'), plain, `key ${key}/${bits}`);
  }
});
