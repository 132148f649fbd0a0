import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../../test/kit/tmp.js';
import { readCertificateDers } from '../pki/formats/pem.js';
import { subjectHash } from './subject-hash.js';

const dir = tempDir('rollover-hash-');

/** Makes a self-signed certificate with openssl; `mask` picks the string types openssl encodes. */
function opensslCert(name: string, subj: string, opts: { mask?: string; multi?: boolean } = {}): string {
  const cnf = join(dir, `${name}.cnf`);
  writeFileSync(
    cnf,
    `[req]\ndistinguished_name=dn\nstring_mask=${opts.mask ?? 'utf8only'}\nutf8=yes\n[dn]\n`,
  );
  const out = join(dir, `${name}.pem`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      out,
      '-days',
      '1',
      '-config',
      cnf,
      '-utf8',
      '-subj',
      subj,
      ...(opts.multi ? ['-multivalue-rdn'] : []),
    ],
    { stdio: 'ignore' },
  );
  return out;
}

function check(file: string): void {
  const theirs = execFileSync('openssl', ['x509', '-hash', '-noout', '-in', file], {
    encoding: 'utf8',
  }).trim();
  assert.equal(subjectHash(readCertificateDers(readFileSync(file))[0]!), theirs, file);
}

test('the subject hash matches openssl for mixed case and runs of spaces (canonical form)', () => {
  check(opensslCert('spaces', '/CN=  Mixed   CASE\tName  /O=Example  Corp/C=DE'));
});

test('the subject hash matches openssl for non-ASCII UTF-8 and for BMPString and PrintableString values', () => {
  check(opensslCert('utf8', '/CN=Ünïcødé Wurzel-CA/O=Grüße GmbH'));
  check(opensslCert('bmp', '/CN=BMP Root/O=Bmp Org', { mask: 'MASK:0x800' }));
  check(opensslCert('printable', '/CN=Printable Root/O=Org', { mask: 'default' }));
});

test('the subject hash matches openssl for a multi-valued RDN, whose parts are sorted', () => {
  check(opensslCert('multi', '/O=Multi Org/OU=zeta+CN=Alpha Root', { multi: true }));
});

test('a different subject gives a different hash', () => {
  const a = readCertificateDers(readFileSync(opensslCert('a', '/CN=Root A')))[0]!;
  const b = readCertificateDers(readFileSync(opensslCert('b', '/CN=Root B')))[0]!;
  assert.notEqual(subjectHash(a), subjectHash(b));
});
