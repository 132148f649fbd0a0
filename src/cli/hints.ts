/**
 * Advice in the CLI's own terms (flags, environment variables, commands) for codes whose remedy
 * depends on the edge: the cores say what is wrong, this edge says which flag fixes it.
 */
import type { ErrorCode, RolloverError } from '../shared/errors.js';

const HINTS: Partial<Record<ErrorCode, string>> = {
  PASSPHRASE_REQUIRED: 'give the passphrase with --passphrase-file FILE or ROLLOVER_PASSPHRASE',
};

/** The hint to print with an error: its own `details.hint`, else the CLI's for its code. */
export function cliHint(e: RolloverError): string | undefined {
  return typeof e.details.hint === 'string' ? e.details.hint : HINTS[e.code];
}
