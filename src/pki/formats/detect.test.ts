import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mintRoot } from '../../../test/kit/ca.js';
import { detectFormat } from './detect.js';
import { encodeJksTruststore } from './jks.js';
import { encodeCertificatesPem } from './pem.js';
import { encodePkcs7, encodePkcs7Pem } from './pkcs7.js';
import { encodePkcs12Truststore } from './pkcs12.js';

const root = await mintRoot('Detect Root');
const der = root.root.der;

test('each format is told apart by its content', async () => {
  const cases: Array<[string, Uint8Array]> = [
    ['pem', Buffer.from(encodeCertificatesPem([der]))],
    ['der', der],
    ['pkcs7', encodePkcs7([der])],
    ['pkcs7', Buffer.from(encodePkcs7Pem([der]))],
    ['pkcs12', await encodePkcs12Truststore([{ alias: 'r', cert: der }], 'changeit')],
    ['jks', encodeJksTruststore([{ alias: 'r', cert: der }], 'changeit', new Date())],
    ['unknown', Buffer.from('hello, not a certificate')],
    ['unknown', new Uint8Array()],
  ];
  for (const [want, bytes] of cases) assert.equal(detectFormat(bytes), want, `expected ${want}`);
});
