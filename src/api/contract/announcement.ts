import { z } from 'zod';
import { instantText } from './instant.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 fingerprint');

/**
 * The root announcement (seed step 2) as the coordinator signs and publishes it: the exchange time T,
 * the virtual servers moving, and the new and old roots. A sender admin checks its signature with
 * `rollover notice verify` to tell a real announcement from a phishing mail.
 */
export const AnnouncementSchema = z
  .object({
    type: z.literal('rollover.root-announcement'),
    version: z.literal(1),
    renewalId: z.string().min(1),
    /** The exchange time T (ISO 8601, UTC). */
    exchangeAt: instantText,
    /** From when the old root may be removed (T plus the rollback window), once the exchange is verified. */
    safeRemovalAt: instantText,
    virtualServers: z
      .array(z.object({ id: z.string(), hosts: z.array(z.string()), previewUrl: z.string().optional() }))
      .min(1),
    newRootSha256: sha256,
    oldRootSha256: sha256.optional(),
    /** The new root itself, PEM. */
    newRootPem: z.string().includes('-----BEGIN CERTIFICATE-----'),
    /** Where this announcement is published (its stable URL). */
    url: z.string().url().optional(),
    issuedAt: instantText,
    /** Set when this announcement replaces an earlier one (a postpone). */
    supersedes: z.string().optional(),
  })
  .strict();

/** A root announcement. */
export type Announcement = z.infer<typeof AnnouncementSchema>;
