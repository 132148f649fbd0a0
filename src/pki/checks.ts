import type { ErrorCode } from '../shared/errors.js';
import { fail } from '../shared/errors.js';
import { ipVersion } from '../shared/ip.js';
import {
  type Cert,
  certKeyInfo,
  extendedKeyUsages,
  isCa,
  isSelfSigned,
  issuedBy,
  SERVER_AUTH,
  signedWithSha1,
} from './certificate.js';
import { issuerPath } from './chain.js';
import { keyMatchesCert, keyWeakness, type PrivateKeyHandle } from './keys.js';
import { x509 } from './provider.js';

/** What a credential is checked against (ARCHITECTURE §5). */
export interface CredentialCheckInput {
  /** The private key; omitted when only the certificate side is checked. */
  key?: PrivateKeyHandle;
  /** tls.crt as given: the leaf first, then intermediates (any order is tolerated for building). */
  chain: Cert[];
  /** The root the chain must build to (the announced new root). */
  root: Cert;
  /** Host names and IP addresses the virtual server answers to. */
  hosts: string[];
  /** The exchange instant T. */
  validAt: Date;
  /** How long after T the certificate must stay valid (for example the rollback window). */
  validForMs?: number;
  /**
   * How messages name the inputs, as the caller got them (the files a user passed, or a credential
   * directory's tls.key and tls.crt); by default neutral words, so no message names a file nobody gave.
   */
  names?: { key?: string; chain?: string };
}

const keyName = (c: CredentialCheckInput) => c.names?.key ?? 'the private key';
const chainName = (c: CredentialCheckInput) => c.names?.chain ?? 'the certificate chain';

/** One named check with its outcome. */
export interface CheckResult {
  /** Stable check name, for example `key-matches`. */
  name: string;
  ok: boolean;
  /** The error code reported when the check fails. */
  code: ErrorCode;
  /** Why it passed or failed, for a person. */
  reason: string;
}

type Check = (c: CredentialCheckInput) => Omit<CheckResult, 'name' | 'code'>;

const leaf = (c: CredentialCheckInput): Cert => c.chain[0]!;
const pass = (reason: string) => ({ ok: true, reason });
const no = (reason: string) => ({ ok: false, reason });

/** Builds the path from the leaf through the given intermediates to the root; returns it or why not. */
export function buildPath(chain: Cert[], root: Cert): { path: Cert[] } | { error: string } {
  const subject = (c: Cert) => c.node.subject.replace(/\n/g, ', ');
  // The root is tried first, so a chain that reaches it never wanders through a second copy.
  const { path, end } = issuerPath(
    chain[0]!,
    [root, ...chain.slice(1)],
    issuedBy,
    (c) => c.sha256 === root.sha256,
    10,
  );
  const notCa = path.slice(1).find((c) => c !== root && !isCa(c));
  if (notCa) return { error: `${subject(notCa)} signs the chain but is not a CA` };
  if (end === 'no-issuer') {
    return {
      error: `${subject(path[path.length - 1]!)} is not signed by the root "${subject(root)}" or by any certificate in the chain`,
    };
  }
  if (end === 'too-long') return { error: 'the chain is longer than 10 certificates' };
  return { path };
}

/** The checks, in the order they are reported; the first failure decides the error code. */
export const CREDENTIAL_CHECKS: ReadonlyArray<{ name: string; code: ErrorCode; run: Check }> = [
  {
    name: 'key-matches',
    code: 'KEY_MISMATCH',
    run: (c) =>
      !c.key
        ? pass('no private key given; not checked')
        : keyMatchesCert(c.key, leaf(c))
          ? pass('the private key belongs to the certificate')
          : no(
              `the private key does not belong to the certificate (was ${keyName(c)} swapped or regenerated?)`,
            ),
  },
  {
    name: 'chain-builds',
    code: 'CHAIN_INCOMPLETE',
    run: (c) => {
      if (!isCa(c.root) || !isSelfSigned(c.root))
        return no('the given root is not a self-signed CA certificate');
      const r = buildPath(c.chain, c.root);
      return 'error' in r
        ? no(`${r.error}; add the missing intermediate to ${chainName(c)} or give the right root`)
        : pass(`builds to the root in ${r.path.length} step(s)`);
    },
  },
  {
    name: 'hosts-covered',
    code: 'HOST_NOT_COVERED',
    run: (c) => {
      const missing = c.hosts.filter((h) =>
        ipVersion(h)
          ? leaf(c).node.checkIP(h) === undefined
          : leaf(c).node.checkHost(h, { subject: 'never' }) === undefined,
      );
      return missing.length
        ? no(`not in the subject alternative names: ${missing.join(', ')}`)
        : pass(c.hosts.length ? `covers ${c.hosts.join(', ')}` : 'no host names to check');
    },
  },
  {
    name: 'valid-at',
    code: 'NOT_YET_VALID',
    run: (c) => {
      const nb = leaf(c).notBefore;
      return nb > c.validAt
        ? no(`not valid before ${nb.toISOString()}, which is after ${c.validAt.toISOString()}`)
        : pass(`valid from ${nb.toISOString()}`);
    },
  },
  {
    name: 'not-expired',
    code: 'EXPIRED',
    run: (c) => {
      const expired = c.chain.find((x) => x.notAfter <= c.validAt);
      return expired
        ? no(
            `${expired === leaf(c) ? 'the certificate' : 'an intermediate'} expired ${expired.notAfter.toISOString()}, before ${c.validAt.toISOString()}`,
          )
        : pass(`still valid at ${c.validAt.toISOString()}`);
    },
  },
  {
    name: 'valid-for',
    code: 'VALIDITY_TOO_SHORT',
    run: (c) => {
      const until = new Date(c.validAt.getTime() + (c.validForMs ?? 0));
      const ends = new Date(Math.min(...c.chain.map((x) => x.notAfter.getTime())));
      return ends < until
        ? no(`ends ${ends.toISOString()}, before ${until.toISOString()} (T plus the required duration)`)
        : pass(`valid until ${ends.toISOString()}`);
    },
  },
  {
    name: 'server-auth',
    code: 'NO_SERVER_AUTH',
    run: (c) => {
      const ekus = extendedKeyUsages(leaf(c));
      return ekus.includes(SERVER_AUTH)
        ? pass('has the serverAuth extended key usage')
        : no(
            ekus.length
              ? `extended key usage ${ekus.join(', ')} lacks serverAuth`
              : 'no extended key usage: serverAuth is required',
          );
    },
  },
  {
    name: 'not-ca',
    code: 'LEAF_IS_CA',
    run: (c) =>
      isCa(leaf(c))
        ? no('the certificate is a CA certificate; a server needs a leaf (cA=FALSE)')
        : pass('is a leaf certificate'),
  },
  {
    name: 'key-usage',
    code: 'BAD_KEY_USAGE',
    run: (c) => {
      const ku = leaf(c).x.getExtension(x509.KeyUsagesExtension);
      if (!ku) return pass('no key usage extension (any usage allowed)');
      const ds = (ku.usages & x509.KeyUsageFlags.digitalSignature) !== 0;
      const ke = (ku.usages & x509.KeyUsageFlags.keyEncipherment) !== 0;
      const rsa = certKeyInfo(leaf(c)).algorithm.startsWith('rsa');
      if (rsa ? ds || ke : ds) return pass('key usage suits a TLS server');
      return no(
        rsa
          ? 'key usage lacks digitalSignature and keyEncipherment'
          : 'key usage lacks digitalSignature (ECDSA)',
      );
    },
  },
  {
    name: 'key-strength',
    code: 'WEAK_KEY',
    run: (c) => {
      for (const x of c.chain) {
        const weak = keyWeakness(certKeyInfo(x));
        if (weak)
          return no(`${x === leaf(c) ? 'the certificate' : 'an intermediate'} has a weak key: ${weak}`);
      }
      const info = certKeyInfo(leaf(c));
      return pass(`${info.algorithm.toUpperCase()} ${info.curve ?? info.size}`);
    },
  },
  {
    name: 'no-sha1',
    code: 'SHA1_SIGNATURE',
    run: (c) => {
      const bad = c.chain.find(signedWithSha1);
      return bad
        ? no(`${bad.node.subject.replace(/\n/g, ', ')} is signed with SHA-1`)
        : pass('no SHA-1 signatures');
    },
  },
  {
    name: 'root-outlives',
    code: 'ROOT_EXPIRES_FIRST',
    run: (c) =>
      c.root.notAfter < leaf(c).notAfter
        ? no(
            `the root expires ${c.root.notAfter.toISOString()}, before the certificate (${leaf(c).notAfter.toISOString()})`,
          )
        : pass(`the root is valid until ${c.root.notAfter.toISOString()}`),
  },
];

/** Runs every check and reports each. Never throws for a failing check. */
export function checkCredential(input: CredentialCheckInput): { ok: boolean; checks: CheckResult[] } {
  if (input.chain.length === 0) fail('BAD_CERTIFICATE', `${chainName(input)} holds no certificate`);
  const checks = CREDENTIAL_CHECKS.map(({ name, code, run }) => {
    try {
      return { name, code, ...run(input) };
    } catch (e) {
      return { name, code, ok: false, reason: `could not be checked: ${(e as Error).message}` };
    }
  });
  return { ok: checks.every((c) => c.ok), checks };
}

/** Runs every check and throws the first failure as a typed error carrying all results. */
export function assertCredential(input: CredentialCheckInput): CheckResult[] {
  const { checks } = checkCredential(input);
  const first = checks.find((c) => !c.ok);
  if (first) fail(first.code, `credential check "${first.name}" failed: ${first.reason}`, { checks });
  return checks;
}
