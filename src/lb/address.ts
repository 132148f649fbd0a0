import { fail } from '../shared/errors.js';

/** A listen address. */
export interface HostPort {
  host: string;
  port: number;
}

/**
 * Reads `HOST:PORT`, `[v6]:PORT`, `:PORT` or a bare `PORT` (the latter two take `defaultHost`).
 * Port 0 asks the system for a free port.
 */
export function parseHostPort(text: string, defaultHost = '127.0.0.1'): HostPort {
  const s = text.trim();
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*))?:?(\d{1,5})$/.exec(s);
  const bare = /^\d{1,5}$/.test(s);
  if (!m || (!bare && !s.includes(':'))) {
    fail('BAD_ARGUMENT', `"${text}" is not a listen address: write HOST:PORT, [::1]:PORT or :PORT`);
  }
  const port = Number(m[3]);
  if (port > 65535) fail('BAD_ARGUMENT', `"${text}": port ${port} is above 65535`);
  const host = m[1] ?? (m[2] || defaultHost);
  return { host, port };
}

/** Formats an address for URLs and logs (`[::1]:443`). */
export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
