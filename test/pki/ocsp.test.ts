/**
 * The OCSP request and response check used for stapling, against responses `openssl ocsp` makes from
 * our requests: a good answer is read with its dates, a revoked one as revoked, and a response signed
 * by another CA, for another certificate, or past its nextUpdate is refused (OCSP_RESPONSE_INVALID).
 * For a leaf of an intermediate, the intermediate's own signature and a delegated responder it issued
 * with the OCSP-signing extended key usage are accepted; a delegated responder without that usage,
 * issued by another CA, or not included in the response is refused with that reason.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Cert, readCertificates } from '../../src/pki/certificate.js';
import { checkOcspResponse, ocspRequestFor } from '../../src/pki/ocsp.js';
import { isRolloverError } from '../../src/shared/errors.js';
import { cli } from '../kit/cli.js';
import { caSigner, responderCert, type SignerFiles, serialOf, writeIndex } from '../kit/ocsp.js';
import { openssl } from '../kit/openssl.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const one = (file: string): Cert => readCertificates(readFileSync(file))[0]!;

async function ca(name: string): Promise<string> {
  const out = join(dir, name);
  const r = await cli([
    'ca',
    'create',
    '--subject',
    `CN=${name}`,
    '--days',
    '100',
    '--out',
    out,
    '--no-encrypt',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}
async function intermediate(name: string, root: string): Promise<string> {
  const out = join(dir, name);
  const r = await cli([
    'ca',
    'create',
    '--subject',
    `CN=${name}`,
    '--days',
    '90',
    '--out',
    out,
    '--issuer',
    root,
    '--no-encrypt',
  ]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}
async function leaf(name: string, root: string): Promise<string> {
  const out = join(dir, name);
  const r = await cli(['cert', 'issue', '--ca', root, '--host', 'lb.test', '--days', '30', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  return join(out, 'tls.crt');
}

/** openssl ocsp answers `req` from an index (as a responder signing with `signer`'s CA key). */
function respond(req: Uint8Array, signer: string, index: string): Uint8Array {
  return respondAs(req, caSigner(signer), signer, index);
}

/** openssl ocsp answers `req` for certificates of the CA directory `ca`, signing as `signer`. */
function respondAs(
  req: Uint8Array,
  signer: SignerFiles,
  ca: string,
  index: string,
  extra: string[] = [],
): Uint8Array {
  const reqFile = join(dir, `req-${Math.random()}.der`);
  const respFile = `${reqFile}.resp`;
  writeFileSync(reqFile, req);
  openssl([
    'ocsp',
    '-index',
    index,
    '-rsigner',
    signer.crt,
    '-rkey',
    signer.key,
    '-CA',
    join(ca, 'ca.crt'),
    '-reqin',
    reqFile,
    '-respout',
    respFile,
    '-nmin',
    '10',
    ...extra,
  ]);
  return readFileSync(respFile);
}

test('good and revoked answers are read; a wrong signer, another certificate or an expired answer is refused', async () => {
  const root = await ca('Ocsp Root');
  const other = await ca('Other Root');
  const a = await leaf('a', root);
  const b = await leaf('b', root);
  const issuer = one(join(root, 'ca.crt'));
  const index = join(dir, 'index.txt');
  writeFileSync(
    index,
    `V\t361231235959Z\t\t${serialOf(a)}\tunknown\t/CN=lb.test\n` +
      `R\t361231235959Z\t250101000000Z\t${serialOf(b)}\tunknown\t/CN=lb.test\n`,
  );
  const now = Date.now();
  const reqA = await ocspRequestFor(one(a), issuer);
  const goodA = respond(reqA, root, index);
  const answer = await checkOcspResponse(goodA, one(a), issuer, now);
  assert.equal(answer.status, 'good');
  assert.ok(Math.abs(answer.thisUpdate - now) < 5 * 60_000);
  assert.ok(answer.nextUpdate! > now && answer.nextUpdate! <= now + 11 * 60_000);
  // openssl reads our request as one for a's serial.
  const reqFile = join(dir, 'reqA.der');
  writeFileSync(reqFile, reqA);
  assert.match(
    openssl(['ocsp', '-reqin', reqFile, '-req_text']),
    new RegExp(`Serial Number: ${serialOf(a)}`, 'i'),
  );

  const revoked = await checkOcspResponse(
    respond(await ocspRequestFor(one(b), issuer), root, index),
    one(b),
    issuer,
    now,
  );
  assert.equal(revoked.status, 'revoked');

  const refused = async (p: Promise<unknown>, why: RegExp) =>
    assert.rejects(p, (e) => isRolloverError(e, 'OCSP_RESPONSE_INVALID') && why.test((e as Error).message));
  await refused(checkOcspResponse(respond(reqA, other, index), one(a), issuer, now), /issuer did not issue/);
  await refused(checkOcspResponse(goodA, one(b), issuer, now), /another certificate/);
  await refused(checkOcspResponse(goodA, one(a), issuer, now + 60 * 60_000), /expired/);
  await refused(
    checkOcspResponse(new Uint8Array([1, 2, 3]), one(a), issuer, now),
    /could not be read|not DER/,
  );
});

test('for a leaf of an intermediate: its own signature and an EKU-carrying delegated responder pass; a responder without the EKU, from another CA or left out is refused with its reason', async () => {
  const root = await ca('Chain Root');
  const inter = await intermediate('Chain Inter', root);
  const l = await leaf('c', inter);
  const issuer = one(join(inter, 'ca.crt'));
  const index = writeIndex(join(dir, 'index-inter.txt'), [serialOf(l)]);
  const req = await ocspRequestFor(one(l), issuer);
  const now = Date.now();
  const check = (resp: Uint8Array) => checkOcspResponse(resp, one(l), issuer, now);

  // The intermediate signs its own responses (named by name, by key, with or without its certificate).
  assert.equal((await check(respondAs(req, caSigner(inter), inter, index))).status, 'good');
  assert.equal((await check(respondAs(req, caSigner(inter), inter, index, ['-resp_key_id']))).status, 'good');
  assert.equal(
    (await check(respondAs(req, caSigner(inter), inter, index, ['-resp_no_certs']))).status,
    'good',
  );

  // A delegated responder the intermediate issued with id-kp-OCSPSigning.
  const delegated = responderCert(inter, dir, 'OCSP Delegated', true);
  assert.equal((await check(respondAs(req, delegated, inter, index))).status, 'good');
  assert.equal((await check(respondAs(req, delegated, inter, index, ['-resp_key_id']))).status, 'good');

  const refused = async (resp: Uint8Array, why: RegExp) =>
    assert.rejects(
      check(resp),
      (e) => isRolloverError(e, 'OCSP_RESPONSE_INVALID') && why.test((e as Error).message),
    );
  // Without the EKU: refused, and the message says why.
  const noEku = responderCert(inter, dir, 'OCSP No EKU', false);
  await refused(
    respondAs(req, noEku, inter, index),
    /delegated responder certificate \(CN=OCSP No EKU\) without the OCSP-signing extended key usage/,
  );
  // With the EKU but issued by the root, not by the leaf's issuer.
  const fromRoot = responderCert(root, dir, 'OCSP From Root', true);
  await refused(respondAs(req, fromRoot, inter, index), /issuer did not issue/);
  // The delegated responder's certificate left out of the response: nothing to check it against.
  await refused(
    respondAs(req, delegated, inter, index, ['-resp_no_certs']),
    /includes no certificate of the responder/,
  );
  // The root signing for the intermediate's leaf (it is not the issuer).
  await refused(respondAs(req, caSigner(root), inter, index), /issuer did not issue/);
});
