import type { KeyEntry, TrustEntry } from '../anchor.js';

/** The truststore kinds rollover reads and writes. */
export const TRUSTSTORE_TYPES = ['pem', 'pkcs12', 'jks', 'dir', 'system'] as const;

/** A truststore kind. */
export type TruststoreType = (typeof TRUSTSTORE_TYPES)[number];

/** How to open a store. */
export interface OpenOptions {
  password?: string;
  /** For the system store: the root of the file system to work on (default `/`). */
  rootDir?: string;
  /** Open a store that does not exist yet as empty (for `add`). */
  create?: boolean;
}

/** A change to apply: entries to add, entries (as read) to remove. */
export interface Change {
  add: TrustEntry[];
  remove: TrustEntry[];
}

/** What applying a change did on disk. */
export interface ApplyResult {
  /** Files created or replaced. */
  written: string[];
  /** Backups made of replaced or removed files (`FILE.bak-<UTC timestamp>`). */
  backups: string[];
  /** Outside commands run (the system store's update-ca-certificates). */
  ran: string[];
}

/** A health finding of `truststore check`. */
export interface Problem {
  severity: 'error' | 'warning';
  code: string;
  message: string;
}

/** A store as read: its entries, any private keys (kept opaque), and how to write a change back. */
export interface Truststore {
  type: TruststoreType;
  /** The path as given (the local certificate directory for the system store). */
  path: string;
  /** True when the store did not exist and was opened empty for `add`. */
  created: boolean;
  entries: TrustEntry[];
  privateKeys: KeyEntry[];
  /** Every file a change may write (checked for writability before anything is touched). */
  writablePaths(): string[];
  /** Applies a change atomically per file, keeping backups; private keys survive untouched. */
  apply(change: Change, now: Date): Promise<ApplyResult>;
  /** Format-specific findings (hash links, a stale system bundle, …). */
  problems(): Promise<Problem[]>;
  /** The anchors a TLS client using this store trusts, as DER (the system store's bundle, say). */
  anchorsForClients(): Promise<Uint8Array[]>;
}

/** Opens one kind of store. */
export interface TruststoreFormat {
  type: TruststoreType;
  open(path: string, opts: OpenOptions): Promise<Truststore>;
}
