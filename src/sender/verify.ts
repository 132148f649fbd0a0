import { createHash } from 'node:crypto';
/** `sender verify`: a handshake with only the truststore's anchors, as a report and an evidence record. */

import type { TruststoreType } from '../truststore/formats/index.js';
import { open, type StoreRef } from '../truststore/operations.js';
import { type HandshakeResult, handshake } from './handshake.js';
import { parseTlsUrl } from './url.js';

/** What `sender verify --json` prints. */
export interface VerifyReport extends HandshakeResult {
  url: string;
  servername?: string;
  truststore: {
    file: string;
    type: TruststoreType;
    /** The store's entries. */
    anchors: Array<{ alias: string; sha256: string; subject: string }>;
    /** SHA-256 of every certificate the handshake trusted (for the system store: its whole bundle). */
    trusted: string[];
  };
  checkedAt: string;
}

/** Verifies that the store's anchors accept the server at `url`. */
export async function verifySender(p: {
  store: StoreRef;
  url: string;
  servername?: string;
  timeoutMs: number;
  now: Date;
}): Promise<VerifyReport> {
  const { host, port } = parseTlsUrl(p.url);
  const store = await open(p.store);
  const anchors = await store.anchorsForClients();
  const result = await handshake({
    host,
    port,
    ...(p.servername ? { servername: p.servername } : {}),
    anchors,
    timeoutMs: p.timeoutMs,
  });
  return {
    url: p.url,
    ...(p.servername ? { servername: p.servername } : {}),
    truststore: {
      file: store.path,
      type: store.type,
      anchors: store.entries.map((e) => ({ alias: e.alias, sha256: e.cert.sha256, subject: e.cert.subject })),
      trusted: [...new Set(anchors.map((d) => createHash('sha256').update(d).digest('hex')))],
    },
    ...result,
    checkedAt: p.now.toISOString(),
  };
}

/** The readiness evidence record (src/api/contract/evidence.ts) for a verify report. */
export function readinessRecord(sender: string, r: VerifyReport): Record<string, unknown> {
  return {
    kind: 'readiness',
    sender,
    url: r.url,
    ...(r.servername ? { servername: r.servername } : {}),
    truststore: { type: r.truststore.type, anchors: r.truststore.trusted },
    ...(r.chain[0] ? { servedSha256: r.chain[0].sha256 } : {}),
    servedChain: r.chain.map((c) => c.sha256),
    ...(r.anchor ? { anchorSha256: r.anchor.sha256 } : {}),
    result: r.ok ? 'trusted' : 'failed',
    ...(r.failure ? { code: r.failure.code, reason: r.failure.reason } : {}),
    checkedAt: r.checkedAt,
  };
}
