/**
 * What a sender admin uploads as evidence: either an evidence record as the contract defines it
 * (src/api/contract/evidence.ts), or the report `rollover sender verify --json` prints, which is
 * mapped to the readiness record exactly as the CLI's own `--report` does (src/sender/verify.ts
 * `readinessRecord`; test/web/evidence.test.ts keeps the two equal). The coordinator judges it.
 */

/** The parts of a `sender verify --json` report the record is made from. */
interface VerifyReportLike {
  url: string;
  servername?: string;
  truststore: { type: string; trusted: string[] };
  chain: Array<{ sha256: string }>;
  anchor?: { sha256: string };
  ok: boolean;
  failure?: { code: string; reason: string };
  checkedAt: string;
}

function isReport(x: unknown): x is VerifyReportLike {
  const r = x as VerifyReportLike;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.url === 'string' &&
    typeof r.ok === 'boolean' &&
    Array.isArray(r.chain) &&
    Array.isArray(r.truststore?.trusted)
  );
}

/** The evidence record to post for `uploaded` on behalf of `sender`; throws with a readable reason. */
export function toEvidence(sender: string, uploaded: unknown): Record<string, unknown> {
  const kind = (uploaded as { kind?: unknown } | null)?.kind;
  if (kind === 'readiness' || kind === 'root-removal') return uploaded as Record<string, unknown>;
  if (!isReport(uploaded)) {
    throw new Error(
      'this file is neither an evidence record nor the output of rollover sender verify --json',
    );
  }
  const r = uploaded;
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
