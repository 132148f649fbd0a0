/** Maps database constraint failures on either dialect to typed errors. */
import { fail, isRolloverError } from '../shared/errors.js';

/**
 * Re-throws a unique violation as NAME_TAKEN saying `what` already exists, a foreign-key violation as
 * STILL_IN_USE saying `kind` is still referenced (or references a missing object); others unchanged.
 */
export function mapDbError(e: unknown, what: string, kind = 'this object'): never {
  if (isRolloverError(e)) throw e;
  const err = e as { code?: string; message?: string };
  const code = String(err.code ?? '');
  const message = String(err.message ?? '');
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    fail('NAME_TAKEN', `${what} already exists: choose another name`);
  }
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || /FOREIGN KEY/i.test(message)) {
    fail(
      'STILL_IN_USE',
      `${kind} is still referenced by other objects (or refers to one that is gone): remove or change those first`,
    );
  }
  throw e;
}
