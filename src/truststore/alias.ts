import { type CertFacts, commonName } from './anchor.js';

/** Keystore aliases compare without case: keytool lower-cases JKS aliases, and people do not see case. */
export function sameAlias(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** A file-name- and keystore-safe slug of the certificate's CN (or of its whole subject). */
export function aliasSlug(cert: CertFacts): string {
  const base = (commonName(cert) ?? cert.subject)
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  return base || 'ca';
}

/**
 * A sensible alias for a new entry: the CN slug, or — when that is taken, typically by the old root
 * with the same name — the slug plus the first 8 hex digits of the fingerprint.
 */
export function suggestAlias(cert: CertFacts, taken: readonly string[]): string {
  const slug = aliasSlug(cert);
  const free = (a: string) => !taken.some((t) => sameAlias(t, a));
  if (free(slug)) return slug;
  const withPrint = `${slug}-${cert.sha256.slice(0, 8)}`;
  if (free(withPrint)) return withPrint;
  for (let i = 2; ; i++) if (free(`${withPrint}-${i}`)) return `${withPrint}-${i}`;
}
