/**
 * Records a sender admin's CLI reports to the coordinator, at
 * `POST /api/v1/renewals/{id}/evidence` with a bearer token scoped to that one sender:
 * step 4's readiness evidence (`rollover sender verify --report`) and step 6's root removal
 * (`rollover truststore remove --report`). The `kind` field tells them apart.
 */
import { z } from 'zod';
import { instantText } from './instant.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 fingerprint');
const instant = instantText;
const truststoreType = z.enum(['pem', 'pkcs12', 'jks', 'dir', 'system']);

/** Step 4: a real handshake against the preview listener (or the live one) with the sender's truststore. */
export const ReadinessEvidenceSchema = z
  .object({
    kind: z.literal('readiness'),
    /** The sender's identifier at the coordinator (the token must be scoped to it). */
    sender: z.string().min(1),
    /** The URL handshaken with, and the SNI name used. */
    url: z.string().url(),
    servername: z.string().optional(),
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
    code: z.string().optional(),
    reason: z.string().optional(),
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
    removed: z.array(z.object({ sha256, subject: z.string(), alias: z.string() })).min(1),
    /** True when the safe-removal check was overridden with --force; `reason` says why. */
    forced: z.boolean(),
    reason: z.string().optional(),
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
