/**
 * The truststore use cases behind `rollover truststore list|add|remove|check`: open → decide (pure,
 * ./plan.ts) → check writability → one apply → report. Network checks (`--keeps-trusting`, renewal
 * status) come in as guards, so this module stays free of them.
 */
import { type ErrorCode, fail } from '../shared/errors.js';
import { type CertFacts, type EntryView, entryView, type TrustEntry } from './anchor.js';
import { openTruststore, type Problem, type Truststore, type TruststoreType } from './formats/index.js';
import { assertEditable } from './io.js';
import { type EntrySelector, planAdd, selectEntries } from './plan.js';

/** Where a store is and how to open it. */
export interface StoreRef {
  path: string;
  type?: TruststoreType;
  password?: string;
  rootDir?: string;
}

/** What `list --json` prints. */
export interface ListReport {
  file: string;
  type: TruststoreType;
  entries: EntryView[];
  privateKeys: string[];
}

/** What `add` and `remove` report. */
export interface ChangeReport {
  file: string;
  type: TruststoreType;
  action: 'add' | 'remove';
  /** False when there was nothing to do (already present) or for a dry run. */
  changed: boolean;
  dryRun: boolean;
  message: string;
  entries: EntryView[];
  written: string[];
  backups: string[];
  ran: string[];
  /** The anchors left after a removal (sha256), for the removal record. */
  remaining?: string[];
}

/** A check run before a removal is written; it throws to refuse. */
export type RemovalGuard = (removed: TrustEntry[], remaining: Uint8Array[]) => Promise<void>;

/** Opens a store by reference. */
export function open(ref: StoreRef, create = false): Promise<Truststore> {
  return openTruststore(ref.path, {
    ...(ref.type ? { type: ref.type } : {}),
    ...(ref.password !== undefined ? { password: ref.password } : {}),
    ...(ref.rootDir !== undefined ? { rootDir: ref.rootDir } : {}),
    create,
  });
}

function refuseKeys(store: Truststore, allow: boolean | undefined): void {
  if (store.privateKeys.length === 0 || allow) return;
  fail(
    'PRIVATE_KEY_IN_TRUSTSTORE',
    `${store.path} holds ${store.privateKeys.length} private key(s) (${store.privateKeys.map((k) => k.alias).join(', ')}): it looks like a keystore, not a truststore. rollover never changes keys; allow it explicitly to edit its trusted entries and leave the keys as they are`,
    { path: store.path, field: 'allowPrivateKeys' },
  );
}

/** Lists a store. */
export async function listTruststore(ref: StoreRef): Promise<ListReport> {
  const store = await open(ref);
  return {
    file: store.path,
    type: store.type,
    entries: store.entries.map(entryView),
    privateKeys: store.privateKeys.map((k) => k.alias),
  };
}

/** Adds `cert`; idempotent. */
export async function addToTruststore(
  ref: StoreRef,
  cert: CertFacts,
  opts: { alias?: string; allowLeaf?: boolean; allowPrivateKeys?: boolean; dryRun?: boolean; now: Date },
): Promise<ChangeReport> {
  const store = await open(ref, true);
  refuseKeys(store, opts.allowPrivateKeys);
  const plan = planAdd(store.entries, cert, {
    ...(opts.alias !== undefined ? { alias: opts.alias } : {}),
    ...(opts.allowLeaf ? { allowLeaf: true } : {}),
  });
  const base = { file: store.path, type: store.type, action: 'add' as const, dryRun: Boolean(opts.dryRun) };
  if (plan.action === 'none') {
    return {
      ...base,
      changed: false,
      message: `already trusted as "${plan.existing.alias}" (sha256 ${cert.sha256}): nothing to do`,
      entries: [entryView(plan.existing)],
      written: [],
      backups: [],
      ran: [],
    };
  }
  const entry = store.type === 'jks' ? { ...plan.entry, alias: plan.entry.alias.toLowerCase() } : plan.entry;
  const what = `"${entry.alias}" ${cert.subject} (sha256 ${cert.sha256})`;
  // A dry run checks writability too: "it would fail" is part of showing the change.
  await assertEditable(store.writablePaths());
  if (opts.dryRun) {
    return {
      ...base,
      changed: false,
      message: `would add ${what}`,
      entries: [entryView(entry)],
      written: [],
      backups: [],
      ran: [],
    };
  }
  const done = await store.apply({ add: [entry], remove: [] }, opts.now);
  return {
    ...base,
    changed: true,
    message: `${store.created ? 'created the store and added' : 'added'} ${what}`,
    entries: [entryView(entry)],
    ...done,
  };
}

/** Removes the selected entries after every guard agrees. */
export async function removeFromTruststore(
  ref: StoreRef,
  selector: EntrySelector,
  opts: { allowPrivateKeys?: boolean; dryRun?: boolean; now: Date; guards?: RemovalGuard[] },
): Promise<ChangeReport> {
  const store = await open(ref);
  refuseKeys(store, opts.allowPrivateKeys);
  const picked = selectEntries(store.entries, selector);
  const gone = new Set(picked.map((e) => e.cert.sha256));
  const remaining = store.entries.filter((e) => !gone.has(e.cert.sha256));
  for (const guard of opts.guards ?? [])
    await guard(
      picked,
      remaining.map((e) => e.cert.der),
    );
  const what = picked.map((e) => `"${e.alias}" ${e.cert.subject} (sha256 ${e.cert.sha256})`).join('; ');
  const base = {
    file: store.path,
    type: store.type,
    action: 'remove' as const,
    dryRun: Boolean(opts.dryRun),
    entries: picked.map(entryView),
    remaining: [...new Set(remaining.map((e) => e.cert.sha256))],
  };
  await assertEditable(store.writablePaths());
  if (opts.dryRun)
    return { ...base, changed: false, message: `would remove ${what}`, written: [], backups: [], ran: [] };
  const done = await store.apply({ add: [], remove: picked }, opts.now);
  return { ...base, changed: true, message: `removed ${what}`, ...done };
}

/** What `check --json` prints. */
export interface CheckReport {
  file: string;
  type: TruststoreType;
  ok: boolean;
  anchors: number;
  problems: Problem[];
}

/** Checks a store's health, and that it holds each `contains` fingerprint. */
export async function checkTruststore(
  ref: StoreRef,
  opts: { contains?: string[]; now: Date },
): Promise<CheckReport> {
  const store = await open(ref);
  const problems: Problem[] = [];
  if (store.entries.length === 0) {
    problems.push({
      severity: 'error',
      code: 'ENTRY_NOT_FOUND',
      message: 'the store holds no trusted certificate',
    });
  }
  for (const k of store.privateKeys) {
    problems.push({
      severity: 'error',
      code: 'PRIVATE_KEY_IN_TRUSTSTORE',
      message: `"${k.alias}" is a private key: a truststore given to clients should hold certificates only`,
    });
  }
  for (const sha of opts.contains ?? []) {
    if (!store.entries.some((e) => e.cert.sha256 === sha)) {
      problems.push({ severity: 'error', code: 'ENTRY_NOT_FOUND', message: `no entry has sha256 ${sha}` });
    }
  }
  for (const e of store.entries) {
    if (e.cert.notAfter < opts.now) {
      problems.push({
        severity: 'warning',
        code: 'EXPIRED',
        message: `"${e.alias}" expired on ${e.cert.notAfter.toISOString()}`,
      });
    } else if (e.cert.notBefore > opts.now) {
      problems.push({
        severity: 'warning',
        code: 'NOT_YET_VALID',
        message: `"${e.alias}" is valid only from ${e.cert.notBefore.toISOString()}`,
      });
    }
    if (!e.cert.isCa) {
      problems.push({
        severity: 'warning',
        code: 'NOT_A_CA_CERT',
        message: `"${e.alias}" is not a CA certificate (a pinned leaf)`,
      });
    }
  }
  problems.push(...(await store.problems()));
  return {
    file: store.path,
    type: store.type,
    ok: !problems.some((p) => p.severity === 'error'),
    anchors: store.entries.length,
    problems,
  };
}

/** The first error of a failed check as a typed error (for the exit code and `error[CODE]`). */
export function checkFailure(report: CheckReport): never {
  const first = report.problems.find((p) => p.severity === 'error')!;
  return fail(first.code as ErrorCode, `${report.file}: ${first.message}`, { problems: report.problems });
}
