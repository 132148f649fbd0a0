/** Where relying parties find a certificate's revocation status: CRL distribution point and OCSP (AIA). */
import { fail } from '../shared/errors.js';
import { x509 } from './provider.js';

/** A CRL distribution point and an OCSP responder URL to put into a certificate. */
export interface RevocationUrls {
  crlUrl?: string | undefined;
  ocspUrl?: string | undefined;
}

/** The CRL distribution points and authority information access extensions for `urls` (none when empty). */
export function revocationExtensions(urls: RevocationUrls = {}): x509.Extension[] {
  const check = (u: string, what: string) => {
    let ok = false;
    try {
      const p = new URL(u).protocol;
      ok = p === 'http:' || p === 'https:';
    } catch {}
    if (!ok) fail('BAD_ARGUMENT', `the ${what} "${u}" is not an http:// or https:// URL`);
    return u;
  };
  return [
    ...(urls.crlUrl ? [new x509.CRLDistributionPointsExtension([check(urls.crlUrl, 'CRL URL')], false)] : []),
    ...(urls.ocspUrl
      ? [
          new x509.AuthorityInfoAccessExtension(
            { ocsp: [new x509.GeneralName('url', check(urls.ocspUrl, 'OCSP URL'))] },
            false,
          ),
        ]
      : []),
  ];
}

/** The OCSP responder URLs a certificate names (authority information access), none when absent. */
export function ocspUrlsOf(cert: { x: x509.X509Certificate }): string[] {
  const aia = cert.x.getExtension(x509.AuthorityInfoAccessExtension);
  return (aia?.ocsp ?? []).filter((g) => g.type === 'url').map((g) => String(g.value));
}
