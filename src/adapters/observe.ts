import { createHash } from 'node:crypto';
import { connect } from 'node:tls';

/**
 * The SHA-256 of the leaf a TLS server presents to a new handshake, as an outside client sees it
 * (no trust decision: this observes, it does not authenticate).
 */
export async function observeLeaf(p: {
  host: string;
  port: number;
  servername?: string;
  timeoutMs?: number;
}): Promise<string> {
  return (await observeLeafFrom(p)).sha256;
}

/**
 * {@link observeLeaf}, with the local address the handshake came from (what the server sees as the
 * client, barring address translation). The handshake is completed and the connection closed
 * gracefully, so the server counts one completed handshake, never a failed one.
 */
export function observeLeafFrom(p: {
  host: string;
  port: number;
  servername?: string;
  timeoutMs?: number;
}): Promise<{ sha256: string; from: string | null }> {
  return new Promise((resolve, reject) => {
    const sock = connect({
      host: p.host,
      port: p.port,
      ...(p.servername ? { servername: p.servername } : {}),
      rejectUnauthorized: false,
      // A fresh handshake every time: no session resumption, which would hide the certificate.
      session: undefined,
    });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no TLS handshake with ${p.host}:${p.port} within ${p.timeoutMs ?? 2000} ms`));
    }, p.timeoutMs ?? 2000);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      const raw = sock.getPeerCertificate().raw;
      const from = sock.localAddress ?? null;
      // A graceful close: the client's Finished reaches the server before close_notify.
      sock.end();
      sock.resume();
      setTimeout(() => sock.destroy(), 1000).unref();
      if (!raw) reject(new Error('the server presented no certificate'));
      else resolve({ sha256: createHash('sha256').update(raw).digest('hex'), from });
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Where a data plane's listener is, as drivers configure it. */
export interface ObservedListener {
  host: string;
  port: number;
  servername?: string;
}

/** {@link observeLeaf} on a configured listener, with the short timeout drivers poll with. */
export function observeListener(l: ObservedListener): Promise<string> {
  return observeLeaf({
    host: l.host,
    port: l.port,
    ...(l.servername ? { servername: l.servername } : {}),
    timeoutMs: 1000,
  });
}
