/**
 * tcp mode: after the handshake, the decrypted stream is piped to a backend connection, preceded by
 * the PROXY protocol header (the client's address, the agreed ALPN). No HTTP parsing: WebSocket,
 * HTTP/2 and any other protocol pass through. `pipe` carries back-pressure both ways; each side's
 * end (FIN or close_notify) is passed on as an end of the other side (half-close); an idle tunnel
 * (no byte either way for the idle timeout) is cut.
 */
import type { Socket } from 'node:net';
import type { ProxyProtocol } from './config.js';
import { type ProxiedConnection, proxyV1Header, proxyV2Header } from './proxy-protocol.js';
import type { TcpBackend, TcpBackendSet } from './tcp-backends.js';
import type { FrontSocket } from './tls-front.js';

/** What a tunnel reports. */
export interface TunnelEvents {
  /** A tunnel to a backend carries bytes. */
  opened(backend: string): void;
  /** A tunnel closed after carrying these many bytes each way (the PROXY header not counted). */
  closed(clientToBackend: number, backendToClient: number): void;
  /** A backend could not be reached (or failed), or none was up. */
  backendError(backend: string, kind: 'connect' | 'timeout' | 'reset' | 'other', err: Error): void;
}

/** Options of the tunnel handler. */
export interface TunnelOptions {
  proxyProtocol: ProxyProtocol;
  idleMs: number;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The PROXY header for a client socket, or an empty buffer when the protocol is off. */
export function proxyHeaderFor(client: FrontSocket, pp: ProxyProtocol): Buffer {
  if (pp === 'off') return Buffer.alloc(0);
  const c: ProxiedConnection = {
    source: { address: client.clientAddress ?? client.remoteAddress ?? '', port: client.remotePort ?? 0 },
    destination: { address: client.localAddress ?? '', port: client.localPort ?? 0 },
    alpn: typeof client.alpnProtocol === 'string' ? client.alpnProtocol : undefined,
    servername: typeof client.servername === 'string' ? client.servername : undefined,
    tlsVersion: client.getProtocol() ?? undefined,
  };
  return pp === 'v2' ? proxyV2Header(c) : proxyV1Header(c);
}

/** Creates the handler a tcp-mode virtual server gives each secured client socket. */
export function createTunnelHandler(
  backends: TcpBackendSet,
  opts: TunnelOptions,
  events: TunnelEvents,
): (client: FrontSocket) => void {
  return (client) => {
    const header = proxyHeaderFor(client, opts.proxyProtocol);
    const alpn = typeof client.alpnProtocol === 'string' ? client.alpnProtocol : undefined;
    // Until a backend is connected the client's bytes wait in the TLS socket (paused, no reader).
    client.setTimeout(opts.idleMs, () => client.destroy());
    let gone = false;
    client.once('close', () => {
      gone = true;
    });
    const attempt = (tries: number) => {
      if (gone) return;
      const b = backends.pick();
      if (!b) {
        events.backendError('none', 'connect', new Error('no backend is up'));
        client.destroy();
        return;
      }
      open(b, tries);
    };
    const open = (b: TcpBackend, tries: number) => {
      const up = backends.connect(b, alpn);
      const failedEarly = (err: Error & { code?: string }) => {
        up.destroy();
        const connectFailure = CONNECT_CODES.has(err.code ?? '') || err.message === 'connect timeout';
        events.backendError(b.url, connectFailure ? (err.code ? 'connect' : 'timeout') : 'other', err);
        backends.mark(b, false, err.message);
        if (tries < backends.backends.length) attempt(tries + 1);
        else client.destroy();
      };
      up.once('error', failedEarly);
      up.once('timeout', () => failedEarly(new Error('connect timeout')));
      const onGone = () => up.destroy();
      client.once('close', onGone);
      up.once(b.tls ? 'secureConnect' : 'connect', () => {
        client.removeListener('close', onGone);
        up.removeListener('error', failedEarly);
        up.removeAllListeners('timeout');
        up.setTimeout(0);
        if (gone) {
          up.destroy();
          return;
        }
        splice(client, up, header, b.url, events);
      });
    };
    attempt(1);
  };
}

function splice(client: FrontSocket, up: Socket, header: Buffer, url: string, events: TunnelEvents): void {
  events.opened(url);
  let toBackend = 0;
  let toClient = 0;
  const kill = () => {
    client.destroy();
    up.destroy();
  };
  client.on('error', kill);
  up.on('error', (err: Error & { code?: string }) => {
    events.backendError(url, err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'reset' : 'other', err);
    kill();
  });
  // One side closing without having ended its half (a reset, a timeout) takes the other down;
  // a side that ended cleanly lets the other finish writing what it holds (half-close).
  client.once('close', () => {
    if (!up.writableEnded) up.destroy();
  });
  up.once('close', () => {
    if (!client.writableEnded) client.destroy();
    events.closed(toBackend, toClient);
  });
  if (header.length > 0) up.write(header);
  client.pipe(up);
  up.pipe(client);
  client.on('data', (c: Buffer) => {
    toBackend += c.length;
  });
  up.on('data', (c: Buffer) => {
    toClient += c.length;
  });
}
