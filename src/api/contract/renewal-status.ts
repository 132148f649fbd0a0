/**
 * What the coordinator serves per renewal for senders (`GET /api/v1/renewals/{id}/status`, or a file
 * an admin saved): enough for `truststore remove --renewal-status` to tell whether a root may go.
 */
import { z } from 'zod';
import { RENEWAL_STATES } from '../../renewal/states.js';
import { instantText } from './instant.js';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256 fingerprint');

/** A renewal's status for senders. Unknown extra fields are allowed (the coordinator may add more). */
export const RenewalStatusSchema = z.looseObject({
  id: z.string().optional(),
  state: z.enum(RENEWAL_STATES),
  /** The exchange time T. */
  exchangeAt: instantText,
  /** T plus the rollback window: the old root may go from then on, once the exchange is verified. */
  safeRemovalAt: instantText,
  oldRootSha256: sha256,
  newRootSha256: sha256,
  /** The real exchange instant (T, or when an override / "exchange now" switched); null before it. */
  exchangedAt: z.string().datetime().nullable().optional(),
  /** True when the coordinator decides removal per sender: then only a `sender` block allows it. */
  removalDecidedPerSender: z.boolean().optional(),
  /** The asking sender's verdict (status.json?sender=ID, or the personal link's status.json). */
  sender: z
    .looseObject({
      id: z.string(),
      state: z.string(),
      headline: z.string().optional(),
      removal: z.object({ allowed: z.boolean(), from: z.string().nullable(), reason: z.string() }),
      /** Until when some of this sender's addresses are served the old credential (grace); null: none. */
      oldCredentialServedUntil: z.string().datetime().nullable().optional(),
      /** The renewal's grace deadline; null: grace off. */
      graceUntil: z.string().datetime().nullable().optional(),
    })
    .optional(),
});

/** A renewal's status for senders. */
export type RenewalStatus = z.infer<typeof RenewalStatusSchema>;
