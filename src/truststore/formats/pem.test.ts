import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { mintRoot } from '../../../test/kit/ca.js';
import { encodePem } from '../../pki/formats/pem.js';
import { certFacts, type TrustEntry } from '../anchor.js';
import { editBundle, parseBundle } from './pem.js';

let a: TrustEntry;
let b: TrustEntry;

before(async () => {
  a = { alias: 'a', cert: certFacts((await mintRoot('Bundle A')).cert.der) };
  b = { alias: 'b', cert: certFacts((await mintRoot('Bundle B')).cert.der) };
});

test('an edit keeps every byte it does not add or remove: comments, CRLF blocks, a CRL', () => {
  const crl = '-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n';
  const text = `# my bundle, hand-kept\r\n${encodePem('CERTIFICATE', a.cert.der).replace(/\n/g, '\r\n')}\n# note\n${crl}`;
  const { spans } = parseBundle(text, 'x.pem');
  const added = editBundle(text, spans, { add: [b], remove: [] });
  assert.ok(added.startsWith(text), 'the old content is a prefix');
  assert.match(added.slice(text.length), /^# alias: b\n-----BEGIN CERTIFICATE-----/);
  const removed = editBundle(added, parseBundle(added, 'x.pem').spans, { add: [], remove: [a] });
  assert.equal(
    removed,
    `# my bundle, hand-kept\r\n\n# note\n${crl}# alias: b\n${encodePem('CERTIFICATE', b.cert.der)}`,
  );
});

test('the alias comment rollover writes is read back as the alias', () => {
  const text = editBundle('', [], { add: [{ ...a, alias: 'my-anchor' }], remove: [] });
  const { spans } = parseBundle(text, 'x.pem');
  assert.equal(spans[0]!.entry!.alias, 'my-anchor');
  const gone = editBundle(text, spans, { add: [], remove: [a] });
  assert.equal(gone, '', 'the alias line goes with its block');
});
