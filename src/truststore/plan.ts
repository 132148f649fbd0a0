/**
 * The pure decisions of `truststore add` and `remove`: what would change, or why not. No I/O; the
 * format adapters carry out a plan.
 */
import { fail } from '../shared/errors.js';
import { sameAlias, suggestAlias } from './alias.js';
import type { CertFacts, TrustEntry } from './anchor.js';

/** How `remove` picks entries. Exactly one field is set. */
export interface EntrySelector {
  fingerprint?: string;
  alias?: string;
  subject?: string;
}

/** The outcome of planning an `add`: nothing to do (already trusted) or one entry to add. */
export type AddPlan = { action: 'none'; existing: TrustEntry } | { action: 'add'; entry: TrustEntry };

/** Normalises a SHA-256 fingerprint given as hex with or without colons, in any case. */
export function normalizeSha256(text: string): string {
  const hex = text.replace(/[:\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    fail('BAD_ARGUMENT', `"${text}" is not a SHA-256 fingerprint (64 hex digits, colons allowed)`);
  }
  return hex;
}

/** A DN as a sorted set of `type=value` parts, so `CN=a, O=b` matches `O=b,CN=a` in any case. */
export function dnKey(dn: string): string {
  return dn
    .split(/(?<!\\)[,\n+]/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      return `${p.slice(0, eq).trim().toUpperCase()}=${p
        .slice(eq + 1)
        .trim()
        .replace(/\s+/g, ' ')
        .toLowerCase()}`;
    })
    .sort()
    .join(',');
}

/** Plans adding `cert`: idempotent by fingerprint; refuses a leaf unless allowed and a taken alias. */
export function planAdd(
  entries: readonly TrustEntry[],
  cert: CertFacts,
  opts: { alias?: string; allowLeaf?: boolean },
): AddPlan {
  const existing = entries.find((e) => e.cert.sha256 === cert.sha256);
  if (existing) return { action: 'none', existing };
  if (!cert.isCa && !opts.allowLeaf) {
    fail(
      'NOT_A_CA_CERT',
      `${cert.subject} is not a CA certificate (no basicConstraints cA=TRUE): a truststore needs the root; allow a leaf explicitly to pin this certificate anyway`,
      { sha256: cert.sha256, field: 'allowLeaf' },
    );
  }
  if (opts.alias !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._ -]{0,99}$/.test(opts.alias) || opts.alias.includes('..')) {
      fail(
        'BAD_ARGUMENT',
        `the alias "${opts.alias}" may hold letters, digits, dot, dash, underscore, space`,
      );
    }
    const clash = entries.find((e) => sameAlias(e.alias, opts.alias!));
    if (clash) {
      fail(
        'ALIAS_EXISTS',
        `the alias "${opts.alias}" already names ${clash.cert.subject} (sha256 ${clash.cert.sha256}): choose another alias or leave it out`,
        { alias: opts.alias, sha256: clash.cert.sha256, field: 'alias' },
      );
    }
  }
  const alias =
    opts.alias ??
    suggestAlias(
      cert,
      entries.map((e) => e.alias),
    );
  return { action: 'add', entry: { alias, cert } };
}

/** The entries a selector picks; ENTRY_NOT_FOUND (listing what is there) when none. */
export function selectEntries(entries: readonly TrustEntry[], sel: EntrySelector): TrustEntry[] {
  const given = [sel.fingerprint, sel.alias, sel.subject].filter((v) => v !== undefined);
  if (given.length !== 1)
    fail('BAD_ARGUMENT', 'name the entries by exactly one of fingerprint, alias or subject', {
      field: 'selector',
    });
  let picked: TrustEntry[];
  let what: string;
  if (sel.fingerprint !== undefined) {
    const fp = normalizeSha256(sel.fingerprint);
    picked = entries.filter((e) => e.cert.sha256 === fp);
    what = `fingerprint ${fp}`;
  } else if (sel.alias !== undefined) {
    picked = entries.filter((e) => sameAlias(e.alias, sel.alias!));
    what = `alias "${sel.alias}"`;
  } else {
    const key = dnKey(sel.subject!);
    picked = entries.filter((e) => dnKey(e.cert.subject) === key);
    what = `subject "${sel.subject}"`;
  }
  if (picked.length === 0) {
    fail(
      'ENTRY_NOT_FOUND',
      `no entry matches ${what}; the store holds: ${entries.map((e) => `${e.alias} (${e.cert.sha256.slice(0, 16)}…)`).join(', ') || 'nothing'}`,
    );
  }
  return picked;
}
