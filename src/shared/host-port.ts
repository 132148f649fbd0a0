/** Reading and writing HOST:PORT, the one parser for listen and dial addresses. */
import { fail } from './errors.js';

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
  const bad = () =>
    fail('BAD_ARGUMENT', `"${text}" is not a listen address: write HOST:PORT, [::1]:PORT or :PORT`);
  let host: string;
  let portText: string;
  if (/^\d{1,5}$/.test(s)) {
    host = defaultHost;
    portText = s;
  } else {
    const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
    if (!m) return bad();
    host = m[1] ?? (m[2] || defaultHost);
    portText = m[3]!;
  }
  const port = Number(portText);
  if (port > 65535) fail('BAD_ARGUMENT', `"${text}": port ${port} is above 65535`);
  return { host, port };
}

/** Formats an address for URLs and logs (`[::1]:443`). */
export function formatHostPort(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
