/** The one schema for an instant in a request or a file the product reads: RFC 3339, refused unless real. */
import { z } from 'zod';
import { isRolloverError } from '../../shared/errors.js';
import { parseInstant } from '../../shared/time.js';

/** An RFC 3339 instant with a zone that exists on the calendar; a refusal carries `params.code: BAD_TIME`. */
export const instantText = z.string().superRefine((text, ctx) => {
  try {
    parseInstant(text);
  } catch (e) {
    if (!isRolloverError(e, 'BAD_TIME')) throw e;
    ctx.addIssue({ code: 'custom', message: e.message, params: { code: 'BAD_TIME' } });
  }
});
