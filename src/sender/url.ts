import { fail } from '../shared/errors.js';

/** Reads `https://HOST[:PORT]` into host and port (443 by default); BAD_ARGUMENT for anything else. */
export function parseTlsUrl(text: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return fail('BAD_ARGUMENT', `"${text}" is not a URL such as https://lb.example:443`);
  }
  if (u.protocol !== 'https:')
    fail('BAD_ARGUMENT', `"${text}" is not an https:// URL: a sender verify needs TLS`);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  return { host, port: u.port ? Number(u.port) : 443 };
}
