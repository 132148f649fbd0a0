/**
 * Who may sign an OCSP response (RFC 6960 §4.2.2.2), checked against the leaf's issuer directly, not
 * by building a chain to a trust anchor (the issuer is often an intermediate): the issuer itself, or a
 * responder certificate included in the response that the issuer signed, that carries the OCSP-signing
 * extended key usage and is valid now. The response's signature is verified with that key. Pure.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { x509 } from './provider.js';

/** id-kp-OCSPSigning. */
export const OCSP_SIGNING_EKU = '1.3.6.1.5.5.7.3.9';

/** Clocks may differ this much (ms) when a responder certificate's validity begins. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Who signed, or why the signer is refused (`why` continues "the OCSP response …"). */
export type SignerVerdict = { ok: true; by: 'issuer' | 'delegated responder' } | { ok: false; why: string };

const sha1 = (b: Uint8Array) => new Uint8Array(createHash('sha1').update(b).digest());
const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Whether the response's ResponderID (byName or byKey) names `cert`. */
async function names(id: unknown, cert: pkijs.Certificate): Promise<boolean> {
  if (id instanceof pkijs.RelativeDistinguishedNames) return cert.subject.isEqual(id);
  if (id instanceof asn1js.OctetString) {
    const key = cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
    return same(sha1(key), id.valueBlock.valueHexView);
  }
  return false;
}

async function signedWith(basic: pkijs.BasicOCSPResponse, spki: pkijs.PublicKeyInfo): Promise<boolean> {
  try {
    return await pkijs
      .getCrypto(true)
      .verifyWithPublicKey(
        basic.tbsResponseData.tbsView as Uint8Array<ArrayBuffer>,
        basic.signature,
        spki,
        basic.signatureAlgorithm,
      );
  } catch {
    return false;
  }
}

/** The refusal of a delegated responder certificate at `now` (ms), or undefined when it may sign. */
async function delegationProblem(
  responder: pkijs.Certificate,
  issuer: pkijs.Certificate,
  now: number,
): Promise<string | undefined> {
  let issuedByIssuer = false;
  try {
    issuedByIssuer = responder.issuer.isEqual(issuer.subject) && (await responder.verify(issuer));
  } catch {
    issuedByIssuer = false;
  }
  if (!issuedByIssuer) {
    return 'is signed by a responder certificate that the certificate’s issuer did not issue';
  }
  const x = new x509.X509Certificate(responder.toSchema(true).toBER(false));
  const eku = x.getExtension(x509.ExtendedKeyUsageExtension);
  if (!eku?.usages.map(String).includes(OCSP_SIGNING_EKU)) {
    return `is signed by a delegated responder certificate (${x.subject}) without the OCSP-signing extended key usage (id-kp-OCSPSigning)`;
  }
  const ku = x.getExtension(x509.KeyUsagesExtension);
  if (ku && (ku.usages & x509.KeyUsageFlags.digitalSignature) === 0) {
    return `is signed by a delegated responder certificate (${x.subject}) whose key usage excludes digitalSignature`;
  }
  if (now + CLOCK_SKEW_MS < x.notBefore.getTime() || now > x.notAfter.getTime()) {
    return `is signed by a delegated responder certificate (${x.subject}) outside its validity`;
  }
  return undefined;
}

/**
 * Judges who signed `basic` for a certificate issued by `issuer`: the issuer's own key, else a
 * delegated responder certificate included in the response (named by the ResponderID).
 */
export async function judgeOcspSigner(
  basic: pkijs.BasicOCSPResponse,
  issuer: pkijs.Certificate,
  now: number,
): Promise<SignerVerdict> {
  const id = basic.tbsResponseData.responderID;
  if (await names(id, issuer)) {
    return (await signedWith(basic, issuer.subjectPublicKeyInfo))
      ? { ok: true, by: 'issuer' }
      : {
          ok: false,
          why: 'names the issuer as responder but its signature does not verify with the issuer’s key',
        };
  }
  // A responder may name itself differently (byKey vs byName); the issuer's key still decides.
  if (await signedWith(basic, issuer.subjectPublicKeyInfo)) return { ok: true, by: 'issuer' };
  const candidates: pkijs.Certificate[] = [];
  for (const c of basic.certs ?? []) if (await names(id, c)) candidates.push(c);
  if (candidates.length === 0) {
    return {
      ok: false,
      why: 'is not signed by the issuer and includes no certificate of the responder it names',
    };
  }
  let why = '';
  for (const c of candidates) {
    const problem = await delegationProblem(c, issuer, now);
    if (problem) {
      why = problem;
      continue;
    }
    if (await signedWith(basic, c.subjectPublicKeyInfo)) return { ok: true, by: 'delegated responder' };
    why = 'signature does not verify with the delegated responder’s key';
  }
  return { ok: false, why };
}
