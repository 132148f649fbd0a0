/**
 * The TLS include the nginx agent writes in time mode beside a virtual server's map: the directives of
 * its TLS profile (src/pki/tls-profile.ts), for the server block (`include DIR/NAME.tls.conf;`), so
 * nginx offers what the built-in data plane offers under the same profile.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '../../files/atomic.js';
import { nginxDirectives, type TlsPolicy } from '../../pki/tls-profile.js';

/** Where the include of virtual server `name` lives. */
export function tlsIncludePath(dir: string, name: string): string {
  return join(dir, `${name}.tls.conf`);
}

/** The include's text. */
export function tlsIncludeText(name: string, policy: TlsPolicy): string {
  return [
    `# Written by rollover lb agent: TLS profile "${policy.profile}" of virtual server ${name}.`,
    '# Include it in the server block; nginx refuses client-initiated renegotiation by itself.',
    ...nginxDirectives(policy),
    '',
  ].join('\n');
}

/** Writes the include (atomically; readable by nginx's master). */
export async function writeTlsInclude(dir: string, name: string, policy: TlsPolicy): Promise<string> {
  const path = tlsIncludePath(dir, name);
  await writeFileAtomic(path, tlsIncludeText(name, policy), { mode: 0o644 });
  return path;
}
