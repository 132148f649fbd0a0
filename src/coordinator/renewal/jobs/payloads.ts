/** Every job's payload, validated when the job runs (they are stored as JSON and outlive releases). */
import { z } from 'zod';

const renewal = z.object({ renewalId: z.string().min(1) });
const ofSequence = renewal.extend({ sequence: z.number().int().min(0) });

/** The payload schema per job kind. */
export const JOB_PAYLOADS = {
  stage: ofSequence,
  gate: ofSequence,
  /** `now`: an override after T switches the nodes at once. */
  exchange: ofSequence.extend({ now: z.boolean().optional() }),
  verify: renewal,
  failures: renewal,
  /** From the announcement until the exchange: preview observations and clients seen (../observe.ts). */
  observe: renewal,
  reminder: ofSequence.extend({ index: z.number().int().min(0) }),
  retire: renewal,
  /** After a cancel: unstage the renewal's credential on every node. */
  unstage: renewal,
  /** Webhooks for senders whose derived status changed. */
  'status-watch': renewal,
  /** Per-sender grace: the desired source-exception tables to every node. */
  exceptions: renewal,
} as const;

/** A job kind that runs (others, such as `hold`, are bookkeeping and complete at once). */
export type RunnableJob = keyof typeof JOB_PAYLOADS;

/** The payload of one kind of job. */
export type PayloadOf<K extends RunnableJob> = z.infer<(typeof JOB_PAYLOADS)[K]>;
