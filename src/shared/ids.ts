import { randomBytes } from 'node:crypto';

/** A new opaque id with a readable prefix, for example `ten_3q0f…`. Random, so ids reveal no counts. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
