/**
 * Records a sender admin's CLI reports to the coordinator, at
 * `POST /api/v1/renewals/{id}/evidence` with a bearer token scoped to that one sender:
 * step 4's readiness evidence (`rollover sender verify --report`) and step 6's root removal
 * (`rollover truststore remove --report`). The `kind` field tells them apart.
 */
import { z } from 'zod';
import type { SenderEvidence as CoordinatorEvidence } from '../../coordinator/renewal/readiness.js';
import { instantText } from './instant.js';
import { normaliseText, textProblem } from './text.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 fingerprint');
const instant = instantText;
const truststoreType = z.enum(['pem', 'pkcs12', 'jks', 'dir', 'system']);

/** Text a sender reports, keeping the one rule for free text (src/api/contract/text.ts), 1–`max` characters. */
function text(max: number, multiline = false) {
  return z
    .string()
    .min(1)
    .max(max)
    .superRefine((s, ctx) => {
      const why = textProblem(s, multiline);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    });
}

/** How long each reported text may be, and whether it may span lines. */
const TEXT = {
  reason: { max: 2000, multiline: true },
  code: { max: 64, multiline: false },
  servername: { max: 253, multiline: false },
  subject: { max: 1024, multiline: true },
  alias: { max: 256, multiline: false },
} as const;

/** Step 4: a real handshake against the preview listener (or the live one) with the sender's truststore. */
export const ReadinessEvidenceSchema = z
  .object({
    kind: z.literal('readiness'),
    /** The sender's identifier at the coordinator (the token must be scoped to it). */
    sender: z.string().min(1),
    /** The URL handshaken with, and the SNI name used. */
    url: z.string().url(),
    servername: text(TEXT.servername.max).optional(),
    truststore: z.object({
      type: truststoreType,
      /** Fingerprints of every anchor the truststore holds. */
      anchors: z.array(sha256),
    }),
    /** The leaf the server presented, then the rest of the chain as seen. */
    servedSha256: sha256.optional(),
    servedChain: z.array(sha256),
    /** The anchor that validated the chain (absent on failure). */
    anchorSha256: sha256.optional(),
    result: z.enum(['trusted', 'failed']),
    /** On failure: the stable code (UNKNOWN_CA, HOST_NOT_COVERED, EXPIRED, NOT_TLS, CONNECT_FAILED…) and why. */
    code: text(TEXT.code.max).optional(),
    reason: text(TEXT.reason.max, true).optional(),
    checkedAt: instant,
  })
  .strict();

/** Step 6: an anchor taken out of a sender's truststore. */
export const RootRemovalSchema = z
  .object({
    kind: z.literal('root-removal'),
    sender: z.string().min(1),
    truststore: z.object({
      type: truststoreType,
      /** The anchors left after the removal. */
      anchors: z.array(sha256),
    }),
    removed: z
      .array(z.object({ sha256, subject: text(TEXT.subject.max, true), alias: text(TEXT.alias.max) }))
      .min(1),
    /** True when the safe-removal check was overridden with --force; `reason` says why. */
    forced: z.boolean(),
    reason: text(TEXT.reason.max, true).optional(),
    /** The renewal state and safe-removal instant the CLI checked against, when it had them. */
    renewal: z.object({ state: z.string(), safeRemovalAt: instant }).optional(),
    removedAt: instant,
  })
  .strict();

/** Either record; the coordinator's evidence route accepts this union. */
export const SenderEvidenceSchema = z.discriminatedUnion('kind', [
  ReadinessEvidenceSchema,
  RootRemovalSchema,
]);

/** Step 4 readiness evidence. */
export type ReadinessEvidence = z.infer<typeof ReadinessEvidenceSchema>;
/** Step 6 removal record. */
export type RootRemoval = z.infer<typeof RootRemovalSchema>;
/** Either record. */
export type SenderEvidence = z.infer<typeof SenderEvidenceSchema>;

/**
 * Every record this contract accepts is one the coordinator takes (src/coordinator/renewal/readiness.ts
 * declares what it reads): compiling fails when they part.
 */
export type SenderEvidenceConforms = SenderEvidence extends CoordinatorEvidence ? true : never;
const _senderEvidenceConforms: SenderEvidenceConforms = true;
void _senderEvidenceConforms;

/**
 * A record made to keep the free-text rule before it is sent: the CLI reports text it did not write
 * (a server's error, a certificate's subject), which may hold control characters or bidi overrides.
 * Each text field is normalised (src/api/contract/text.ts); an empty one is dropped, an empty subject
 * or alias becomes "-".
 */
export function normaliseEvidence<T extends Record<string, unknown>>(record: T): T {
  const out: Record<string, unknown> = { ...record };
  for (const key of ['servername', 'code', 'reason'] as const) {
    const v = out[key];
    if (typeof v !== 'string') continue;
    const n = normaliseText(v, TEXT[key].multiline, TEXT[key].max);
    if (n) out[key] = n;
    else delete out[key];
  }
  if (Array.isArray(out.removed)) {
    out.removed = out.removed.map((r: Record<string, unknown>) => ({
      ...r,
      ...(typeof r.subject === 'string'
        ? { subject: normaliseText(r.subject, true, TEXT.subject.max) || '-' }
        : {}),
      ...(typeof r.alias === 'string' ? { alias: normaliseText(r.alias, false, TEXT.alias.max) || '-' } : {}),
    }));
  }
  return out as T;
}
