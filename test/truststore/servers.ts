/** Small servers the verify and bad-input tests point at: plain HTTP, silent TCP, a refused port, a recorder. */
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { onFileEnd } from '../kit/cleanup.js';

/** A plain-HTTP server (a TLS client gets an HTTP answer to its ClientHello). */
export async function startPlainHttp(): Promise<number> {
  const s = http.createServer((_q, r) => r.end('plain'));
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  onFileEnd(() => {
    s.closeAllConnections();
    s.close();
  });
  return (s.address() as net.AddressInfo).port;
}

/** A TCP server that accepts and never answers. */
export async function startSilent(): Promise<number> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((c) => {
    sockets.add(c);
    c.on('error', () => {});
  });
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  onFileEnd(() => {
    for (const c of sockets) c.destroy();
    s.close();
  });
  return (s.address() as net.AddressInfo).port;
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  s.close();
  await once(s, 'close');
  return port;
}

/** One request as the recorder saw it. */
export interface Recorded {
  method: string;
  url: string;
  authorization?: string;
  body: unknown;
}

/**
 * An HTTP server standing in for the coordinator: records every request; answers 201 to the token
 * `good-token`, 403 to any other; serves `status` JSON on GET.
 */
export async function startRecorder(
  status?: () => unknown,
  tls?: { key: string; cert: string },
): Promise<{ url: string; seen: Recorded[] }> {
  const seen: Recorded[] = [];
  const handler = (q: http.IncomingMessage, r: http.ServerResponse) => {
    let text = '';
    q.on('data', (c) => {
      text += c;
    });
    q.on('end', () => {
      seen.push({
        method: q.method ?? '',
        url: q.url ?? '',
        ...(q.headers.authorization ? { authorization: q.headers.authorization } : {}),
        body: text ? JSON.parse(text) : undefined,
      });
      if (q.method === 'GET') {
        r.setHeader('content-type', 'application/json');
        r.end(JSON.stringify(status?.() ?? {}));
        return;
      }
      r.statusCode = q.headers.authorization === 'Bearer good-token' ? 201 : 403;
      r.end(r.statusCode === 201 ? '{"ok":true}' : '{"error":"token not scoped to this sender"}');
    });
  };
  const s = tls ? https.createServer(tls, handler) : http.createServer(handler);
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  onFileEnd(() => {
    s.closeAllConnections();
    s.close();
  });
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${(s.address() as net.AddressInfo).port}`, seen };
}
