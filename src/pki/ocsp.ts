/**
 * OCSP (RFC 6960) for stapling: the request for a leaf (CertID with SHA-1 of the issuer's name and
 * key), and the check of a responder's answer (successful, for this certificate, signed by the issuer
 * or a responder it delegated — see ocsp-signer.ts —, inside thisUpdate..nextUpdate). Pure: the
 * fetch is the caller's; whether to staple a status other than good is the caller's choice.
 */
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { fail } from '../shared/errors.js';
import type { Cert } from './certificate.js';
import { judgeOcspSigner } from './ocsp-signer.js';

/** What a checked OCSP response says. */
export interface OcspAnswer {
  status: 'good' | 'revoked' | 'unknown';
  /** ms since the epoch. */
  thisUpdate: number;
  /** ms since the epoch; absent when the responder gives none. */
  nextUpdate?: number | undefined;
}

const buf = (u: Uint8Array): ArrayBuffer =>
  u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;

function pkiCert(c: Cert): pkijs.Certificate {
  return pkijs.Certificate.fromBER(buf(c.der));
}

/** The DER of an OCSP request for `leaf` issued by `issuer`. */
export async function ocspRequestFor(leaf: Cert, issuer: Cert): Promise<Uint8Array<ArrayBuffer>> {
  const req = new pkijs.OCSPRequest();
  await req.createForCertificate(pkiCert(leaf), {
    hashAlgorithm: 'SHA-1',
    issuerCertificate: pkiCert(issuer),
  });
  return new Uint8Array(req.toSchema(true).toBER(false));
}

/**
 * Checks `der` as the OCSP response for `leaf` (issued by `issuer`) at `now` (ms); fails with
 * OCSP_RESPONSE_INVALID when it is not one a client should be given.
 */
export async function checkOcspResponse(
  der: Uint8Array,
  leaf: Cert,
  issuer: Cert,
  now: number,
): Promise<OcspAnswer> {
  const bad = (why: string): never => fail('OCSP_RESPONSE_INVALID', `the OCSP response ${why}`);
  let resp: pkijs.OCSPResponse;
  try {
    const asn = asn1js.fromBER(buf(der));
    if (asn.offset === -1) bad('is not DER');
    resp = new pkijs.OCSPResponse({ schema: asn.result });
  } catch (e) {
    return bad(`could not be read: ${(e as Error).message}`);
  }
  const status = resp.responseStatus.valueBlock.valueDec;
  if (status !== 0) bad(`has status ${status}, not successful`);
  if (!resp.responseBytes) return bad('carries no response bytes');
  let basic: pkijs.BasicOCSPResponse;
  try {
    basic = pkijs.BasicOCSPResponse.fromBER(buf(resp.responseBytes.response.valueBlock.valueHexView));
  } catch (e) {
    return bad(`basic response could not be read: ${(e as Error).message}`);
  }
  const issuerPki = pkiCert(issuer);
  const signer = await judgeOcspSigner(basic, issuerPki, now);
  if (!signer.ok) bad(signer.why);
  const leafPki = pkiCert(leaf);
  let single: pkijs.SingleResponse | undefined;
  for (const r of basic.tbsResponseData.responses) {
    if (await matches(r.certID, leafPki, issuerPki)) single = r;
  }
  if (!single) return bad('is for another certificate');
  const thisUpdate = single.thisUpdate.getTime();
  const nextUpdate = single.nextUpdate?.getTime();
  const skew = 5 * 60_000;
  if (thisUpdate > now + skew) bad('is dated in the future (thisUpdate)');
  if (nextUpdate !== undefined && nextUpdate < thisUpdate)
    bad('ends before it begins (nextUpdate < thisUpdate)');
  if (nextUpdate !== undefined && nextUpdate <= now) bad('has expired (nextUpdate passed)');
  const tag = single.certStatus.idBlock.tagNumber;
  const answer: OcspAnswer['status'] = tag === 0 ? 'good' : tag === 1 ? 'revoked' : 'unknown';
  return { status: answer, thisUpdate, ...(nextUpdate !== undefined ? { nextUpdate } : {}) };
}

/** Whether a response's CertID names `leaf` (same hash algorithm as the responder used). */
async function matches(
  id: pkijs.CertID,
  leaf: pkijs.Certificate,
  issuer: pkijs.Certificate,
): Promise<boolean> {
  const ours = new pkijs.CertID();
  const hashName = pkijs
    .getCrypto(true)
    .getAlgorithmByOID(id.hashAlgorithm.algorithmId, true, 'hashAlgorithm');
  await ours.createForCertificate(leaf, {
    hashAlgorithm: (hashName as { name: string }).name,
    issuerCertificate: issuer,
  });
  return ours.isEqual(id);
}
