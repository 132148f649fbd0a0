/**
 * TLS profiles of a virtual server, after Mozilla's server-side TLS recommendations (guidelines 5.7,
 * https://wiki.mozilla.org/Security/Server_Side_TLS): which protocol versions, cipher suites, key
 * exchange groups and signature algorithms a listener offers, and which certificate keys it may serve.
 * Pure: the table and the functions that turn a profile into secure-context options, nginx and HAProxy
 * directives, and a verdict on a key. Every context a virtual server builds (active, staged, previous,
 * preview, per-address choices) takes the same options, so an exchange changes only the certificate.
 */

import { fail } from '../shared/errors.js';
import type { CheckResult } from './checks.js';

/** The profile names, as in the configuration (`tlsProfile`). */
export const TLS_PROFILES = ['modern', 'intermediate', 'old'] as const;
export type TlsProfileName = (typeof TLS_PROFILES)[number];

/** The default profile of a virtual server. */
export const DEFAULT_TLS_PROFILE: TlsProfileName = 'intermediate';

/** Protocol versions as Node and OpenSSL name them. */
export const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/** What an operator may set beside the profile. */
export interface TlsOverrides {
  /** OpenSSL cipher list for TLS 1.2 and below (replaces the profile's; TLS 1.3 suites stay). */
  ciphers?: string | undefined;
  /** The lowest protocol version offered. */
  minVersion?: TlsVersion | undefined;
}

/** A resolved TLS policy: the profile with any overrides applied. */
export interface TlsPolicy {
  profile: TlsProfileName;
  /** The overrides the operator set (reported in status; empty when none). */
  overrides: TlsOverrides;
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  /** OpenSSL cipher list for TLS 1.2 and below (empty for a TLS 1.3-only policy). */
  ciphers: string;
  /** TLS 1.3 cipher suites. */
  ciphersuites: string;
  /** Key exchange groups, most preferred first. */
  ecdhCurve: string;
  /** Signature algorithms offered for the handshake signature (TLS 1.2 and 1.3). */
  sigalgs: string;
  /** Whether the server's cipher order wins over the client's. */
  honorCipherOrder: boolean;
  /** Certificate keys this policy serves. */
  keys: { ec: readonly string[]; rsaMinBits: number | null };
}

const TLS13_SUITES = 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256';
const GROUPS = 'X25519:prime256v1:secp384r1';
/** AEAD suites only (Mozilla intermediate). */
const INTERMEDIATE_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'DHE-RSA-AES128-GCM-SHA256',
  'DHE-RSA-AES256-GCM-SHA384',
  'DHE-RSA-CHACHA20-POLY1305',
];
/**
 * Mozilla old, without DES-CBC3-SHA (3DES: SWEET32, rated VULNERABLE by scanners). `@SECLEVEL=0` lets
 * OpenSSL 3 negotiate TLS 1.0/1.1 at all (their handshake signatures use SHA-1/MD5).
 */
const OLD_CIPHERS = [
  ...INTERMEDIATE_CIPHERS,
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-RSA-AES128-SHA256',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-RSA-AES256-SHA384',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-RSA-AES256-SHA',
  'DHE-RSA-AES128-SHA256',
  'DHE-RSA-AES256-SHA256',
  'AES128-GCM-SHA256',
  'AES256-GCM-SHA384',
  'AES128-SHA256',
  'AES256-SHA256',
  'AES128-SHA',
  'AES256-SHA',
];
const SIGALGS = [
  'ecdsa_secp256r1_sha256',
  'ecdsa_secp384r1_sha384',
  'ecdsa_secp521r1_sha512',
  'rsa_pss_rsae_sha256',
  'rsa_pss_rsae_sha384',
  'rsa_pss_rsae_sha512',
  'rsa_pss_pss_sha256',
  'rsa_pss_pss_sha384',
  'rsa_pss_pss_sha512',
  'rsa_pkcs1_sha256',
  'rsa_pkcs1_sha384',
  'rsa_pkcs1_sha512',
];
const SECLEVEL0 = '@SECLEVEL=0';

const TABLE: Record<TlsProfileName, Omit<TlsPolicy, 'profile' | 'overrides'>> = {
  modern: {
    minVersion: 'TLSv1.3',
    maxVersion: 'TLSv1.3',
    ciphers: '',
    ciphersuites: TLS13_SUITES,
    ecdhCurve: GROUPS,
    sigalgs: SIGALGS.join(':'),
    honorCipherOrder: false,
    keys: { ec: ['P-256', 'P-384'], rsaMinBits: null },
  },
  intermediate: {
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: INTERMEDIATE_CIPHERS.join(':'),
    ciphersuites: TLS13_SUITES,
    ecdhCurve: GROUPS,
    sigalgs: SIGALGS.join(':'),
    honorCipherOrder: false,
    keys: { ec: ['P-256', 'P-384'], rsaMinBits: 2048 },
  },
  old: {
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.3',
    ciphers: `${OLD_CIPHERS.join(':')}:${SECLEVEL0}`,
    ciphersuites: TLS13_SUITES,
    ecdhCurve: GROUPS,
    sigalgs: [...SIGALGS, 'ECDSA+SHA1', 'RSA+SHA1'].join(':'),
    honorCipherOrder: true,
    keys: { ec: [], rsaMinBits: 2048 },
  },
};

/** True when `v` names a profile. */
export function isTlsProfile(v: unknown): v is TlsProfileName {
  return typeof v === 'string' && (TLS_PROFILES as readonly string[]).includes(v);
}

/** The policy of a profile with the operator's overrides; refuses unknown names and versions. */
export function resolveTlsPolicy(profile: string = DEFAULT_TLS_PROFILE, o: TlsOverrides = {}): TlsPolicy {
  if (!isTlsProfile(profile)) {
    fail('BAD_ARGUMENT', `TLS profile "${profile}" is not one of ${TLS_PROFILES.join(', ')}`);
  }
  if (o.minVersion !== undefined && !(TLS_VERSIONS as readonly string[]).includes(o.minVersion)) {
    fail('BAD_ARGUMENT', `minVersion "${o.minVersion}" is not one of ${TLS_VERSIONS.join(', ')}`);
  }
  if (o.ciphers !== undefined && !/^[A-Za-z0-9@=+!:,._-]+$/.test(o.ciphers)) {
    fail('BAD_ARGUMENT', `ciphers "${o.ciphers}" is not an OpenSSL cipher list`);
  }
  const base = TABLE[profile];
  const minVersion = o.minVersion ?? base.minVersion;
  let ciphers = o.ciphers ?? base.ciphers;
  // OpenSSL 3 negotiates TLS 1.0/1.1 only at security level 0.
  if (rank(minVersion) < rank('TLSv1.2') && ciphers && !ciphers.includes('@SECLEVEL')) {
    ciphers = `${ciphers}:${SECLEVEL0}`;
  }
  const overrides: TlsOverrides = {
    ...(o.ciphers !== undefined ? { ciphers: o.ciphers } : {}),
    ...(o.minVersion !== undefined ? { minVersion: o.minVersion } : {}),
  };
  return { profile, overrides, ...base, minVersion, ciphers };
}

function rank(v: TlsVersion): number {
  return TLS_VERSIONS.indexOf(v);
}

/** Options for `tls.createSecureContext` (key and certificate added by the caller). */
export interface SecureContextPolicyOptions {
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
  ciphers: string;
  ecdhCurve: string;
  sigalgs: string;
  honorCipherOrder: boolean;
  dhparam: 'auto';
  secureOptions: number;
}

/**
 * The secure-context options of a policy. `noRenegotiation` is `crypto.constants.SSL_OP_NO_RENEGOTIATION`
 * (passed in so this module stays free of Node's crypto): OpenSSL answers a client's renegotiation
 * request with a `no_renegotiation` alert and never starts a handshake for it.
 */
export function secureContextOptions(p: TlsPolicy, noRenegotiation: number): SecureContextPolicyOptions {
  return {
    minVersion: p.minVersion,
    maxVersion: p.maxVersion,
    // Node takes the TLS 1.3 suites (names starting with TLS_) in the same list.
    ciphers: [p.ciphersuites, p.ciphers].filter(Boolean).join(':'),
    ecdhCurve: p.ecdhCurve,
    sigalgs: p.sigalgs,
    honorCipherOrder: p.honorCipherOrder,
    dhparam: 'auto',
    secureOptions: noRenegotiation,
  };
}

/** A certificate key as the profile judges it. */
export interface KeyFacts {
  /** `ec`, `rsa`, `rsa-pss`, … */
  algorithm: string;
  /** Bits for RSA. */
  size: number;
  curve?: string | undefined;
}

/** Why the policy does not serve this key, or undefined when it does. */
export function keyRefusal(p: TlsPolicy, k: KeyFacts): string | undefined {
  const name = `the ${p.profile} TLS profile`;
  if (k.algorithm === 'ec') {
    if (p.keys.ec.length === 0)
      return `${name} serves RSA certificates only (its oldest clients know no ECDSA)`;
    return p.keys.ec.includes(k.curve ?? '')
      ? undefined
      : `${name} serves EC keys on ${p.keys.ec.join(' or ')} only, not ${k.curve ?? 'this curve'}`;
  }
  if (k.algorithm === 'rsa' || k.algorithm === 'rsa-pss') {
    if (p.keys.rsaMinBits === null) return `${name} serves ECDSA certificates only (P-256 or P-384), not RSA`;
    return k.size >= p.keys.rsaMinBits
      ? undefined
      : `${name} needs RSA keys of at least ${p.keys.rsaMinBits} bits, not ${k.size}`;
  }
  return `${name} does not serve ${k.algorithm} keys`;
}

/**
 * The `tls-profile` check of a credential to be staged: refused (code KEY_NOT_IN_TLS_PROFILE) when the
 * policy does not serve its key. Throws with every check when it fails, as the credential checks do.
 */
export function assertProfileAllows(p: TlsPolicy, k: KeyFacts, checks: readonly CheckResult[]): CheckResult {
  const why = keyRefusal(p, k);
  const check: CheckResult = {
    name: 'tls-profile',
    code: 'KEY_NOT_IN_TLS_PROFILE',
    ok: why === undefined,
    reason: why ?? `the ${p.profile} TLS profile serves this ${k.algorithm.toUpperCase()} key`,
  };
  if (why) fail(check.code, `credential check "tls-profile" failed: ${why}`, { checks: [...checks, check] });
  return check;
}

/** What status reports about a policy. */
export interface TlsProfileStatus {
  name: TlsProfileName;
  protocols: TlsVersion[];
  /** The operator's overrides, when any. */
  overrides?: TlsOverrides;
}

/** The status form of a policy. */
export function tlsProfileStatus(p: TlsPolicy): TlsProfileStatus {
  return {
    name: p.profile,
    protocols: TLS_VERSIONS.filter((v) => rank(v) >= rank(p.minVersion) && rank(v) <= rank(p.maxVersion)),
    ...(Object.keys(p.overrides).length ? { overrides: p.overrides } : {}),
  };
}

/** nginx spelling of the protocol versions. */
function nginxProtocols(p: TlsPolicy): string {
  return tlsProfileStatus(p)
    .protocols.map((v) => (v === 'TLSv1' ? 'TLSv1' : v))
    .join(' ');
}

/**
 * nginx directives for a server block (nginx 1.22 with OpenSSL 3). Client-initiated renegotiation is
 * refused by nginx itself; `ssl_conf_command` sets the TLS 1.3 suites and signature algorithms.
 */
export function nginxDirectives(p: TlsPolicy): string[] {
  return [
    `ssl_protocols ${nginxProtocols(p)};`,
    ...(p.ciphers ? [`ssl_ciphers ${p.ciphers};`] : []),
    `ssl_conf_command Ciphersuites ${p.ciphersuites};`,
    `ssl_conf_command SignatureAlgorithms ${p.sigalgs};`,
    `ssl_ecdh_curve ${p.ecdhCurve};`,
    `ssl_prefer_server_ciphers ${p.honorCipherOrder ? 'on' : 'off'};`,
  ];
}

/**
 * HAProxy `global` directives (2.6 with OpenSSL 3; 2.6 has no sigalgs setting, OpenSSL's defaults
 * apply); HAProxy refuses client-initiated renegotiation itself.
 */
export function haproxyGlobalDirectives(p: TlsPolicy): string[] {
  const opts = [`ssl-min-ver ${haproxyVersion(p.minVersion)}`, `ssl-max-ver ${haproxyVersion(p.maxVersion)}`];
  if (!p.honorCipherOrder) opts.push('prefer-client-ciphers');
  return [
    ...(p.ciphers ? [`ssl-default-bind-ciphers ${p.ciphers}`] : []),
    `ssl-default-bind-ciphersuites ${p.ciphersuites}`,
    `ssl-default-bind-curves ${p.ecdhCurve}`,
    `ssl-default-bind-options ${opts.join(' ')}`,
  ];
}

function haproxyVersion(v: TlsVersion): string {
  return v === 'TLSv1' ? 'TLSv1.0' : v;
}

/** What a running proxy's configuration offers, as read from its TLS directives. */
export interface OfferedTls {
  /** Protocol versions named by ssl_protocols / ssl-min-ver…ssl-max-ver (undefined: not set). */
  protocols?: TlsVersion[];
  /** OpenSSL cipher names the configured list names explicitly (undefined: not set). */
  ciphers?: string[];
}

/**
 * What the offered configuration allows beyond the policy: protocol versions the policy does not
 * offer, and cipher names it does not list. Unset directives mean the proxy's defaults, which this
 * cannot judge; they are reported as such.
 */
export function tlsPolicyViolations(p: TlsPolicy, offered: OfferedTls, what: string): string[] {
  const out: string[] = [];
  const allowed = new Set(tlsProfileStatus(p).protocols);
  if (offered.protocols === undefined) {
    out.push(
      `${what}: no protocol list set; the proxy's defaults may offer more than the ${p.profile} profile`,
    );
  } else {
    const extra = offered.protocols.filter((v) => !allowed.has(v));
    if (extra.length) out.push(`${what}: offers ${extra.join(', ')}, which the ${p.profile} profile forbids`);
  }
  const policyCiphers = new Set(p.ciphers.split(':').filter((c) => c && !c.startsWith('@')));
  if (offered.ciphers === undefined) {
    if (policyCiphers.size) {
      out.push(
        `${what}: no cipher list set; the proxy's defaults may offer more than the ${p.profile} profile`,
      );
    }
  } else {
    const extra = offered.ciphers.filter((c) => !policyCiphers.has(c));
    if (extra.length)
      out.push(`${what}: offers ciphers the ${p.profile} profile forbids: ${extra.join(', ')}`);
  }
  return out;
}
