/**
 * A truststore entry's certificate, read with Node's own X509Certificate: enough for listing,
 * matching and chain checks, and far cheaper to load than a full X.509 library (CLI start time).
 */
import { createHash, X509Certificate } from 'node:crypto';
import { fail } from '../shared/errors.js';
import { readNode } from './cert-names.js';

/** The facts about one certificate that truststore commands need. */
export interface CertFacts {
  der: Uint8Array;
  /** Lowercase hex SHA-256 of the DER. */
  sha256: string;
  /** The subject as RFC 4514 text, most specific part first (`CN=…, O=…`). */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** basicConstraints cA=TRUE. */
  isCa: boolean;
  selfSigned: boolean;
  node: X509Certificate;
}

/** A trusted certificate in a store, under its alias (file name, keystore alias or bundle label). */
export interface TrustEntry {
  alias: string;
  cert: CertFacts;
}

/** A private-key entry found in a truststore: kept opaque and untouched. */
export interface KeyEntry {
  alias: string;
}

/** Node prints names one attribute per line, most significant first; RFC 4514 reverses that. */
function nameText(multiline: string): string {
  return multiline.split('\n').filter(Boolean).reverse().join(', ');
}

/**
 * Certificate facts computed on first use: the fingerprint is eager (cheap), the X.509 parse and the
 * self-signature check are lazy, so a 150-anchor store opens without parsing entries nobody looks at.
 */
class LazyCertFacts implements CertFacts {
  readonly sha256: string;
  #node?: X509Certificate;
  #selfSigned?: boolean;
  constructor(readonly der: Uint8Array) {
    this.sha256 = createHash('sha256').update(der).digest('hex');
  }
  get node(): X509Certificate {
    if (!this.#node) {
      try {
        this.#node = new X509Certificate(Buffer.from(this.der));
      } catch (e) {
        return fail('BAD_CERTIFICATE', `a certificate could not be parsed: ${(e as Error).message}`, {
          sha256: this.sha256,
        });
      }
    }
    return this.#node;
  }
  get subject(): string {
    return nameText(this.node.subject);
  }
  get issuer(): string {
    return nameText(this.node.issuer);
  }
  get notBefore(): Date {
    return new Date(Date.parse(this.node.validFrom));
  }
  get notAfter(): Date {
    return new Date(Date.parse(this.node.validTo));
  }
  get isCa(): boolean {
    return this.node.ca;
  }
  get selfSigned(): boolean {
    if (this.#selfSigned === undefined) {
      try {
        this.#selfSigned = this.node.checkIssued(this.node) && this.node.verify(this.node.publicKey);
      } catch {
        this.#selfSigned = false;
      }
    }
    return this.#selfSigned;
  }
}

/**
 * Reads a certificate's facts from DER (trailing bytes, as in OpenSSL's TRUSTED CERTIFICATE, are
 * ignored). The outer structure is checked now; the full parse happens on first use of a field.
 */
export function certFacts(der: Uint8Array): CertFacts {
  let exact: Uint8Array;
  try {
    exact = der.subarray(0, readNode(der, 0).end);
  } catch (e) {
    return fail('BAD_CERTIFICATE', `a certificate could not be parsed: ${(e as Error).message}`);
  }
  return new LazyCertFacts(exact);
}

/** Parses now (BAD_CERTIFICATE when the DER is not a certificate) and returns the facts. */
export function parsedCertFacts(der: Uint8Array): CertFacts {
  const facts = certFacts(der);
  void facts.node;
  return facts;
}

/** True when `child` names `issuer` as its issuer and carries its valid signature. */
export function signedBy(child: CertFacts, issuer: CertFacts): boolean {
  try {
    return child.node.checkIssued(issuer.node) && child.node.verify(issuer.node.publicKey);
  } catch {
    return false;
  }
}

/** The CN of a subject, or undefined. */
export function commonName(cert: CertFacts): string | undefined {
  const cn = cert.node.subject.split('\n').find((l) => l.startsWith('CN='));
  return cn?.slice(3);
}

/** What `list --json` prints per entry. */
export interface EntryView {
  alias: string;
  subject: string;
  issuer: string;
  sha256: string;
  notBefore: string;
  notAfter: string;
  isCA: boolean;
  selfSigned: boolean;
}

/** The JSON view of an entry. */
export function entryView(e: TrustEntry): EntryView {
  return {
    alias: e.alias,
    subject: e.cert.subject,
    issuer: e.cert.issuer,
    sha256: e.cert.sha256,
    notBefore: e.cert.notBefore.toISOString(),
    notAfter: e.cert.notAfter.toISOString(),
    isCA: e.cert.isCa,
    selfSigned: e.cert.selfSigned,
  };
}
