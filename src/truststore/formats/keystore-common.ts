import { fail } from '../../shared/errors.js';

/** The password of a PKCS#12 or JKS store; PASSWORD_REQUIRED when none was given. */
export function requireStorePassword(password: string | undefined, path: string, what: string): string {
  if (password === undefined) {
    fail('PASSWORD_REQUIRED', `${path} is a ${what} store: give its password`, {
      field: 'password',
      path,
    });
  }
  return password;
}
