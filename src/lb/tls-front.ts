/**
 * The TLS front of a listener (TECH-NOTES "Hot certificate swap in Node"): a plain TCP server reads
 * the first bytes of each connection (the ClientHello), notes when they arrived, picks a prebuilt
 * secure context by that instant, and only then starts TLS on the socket. The chosen context is
 * the whole SSL_CTX, so clients with and without SNI, and a change of key type, behave alike.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { type SecureContext, TLSSocket } from 'node:tls';
import type { Clock } from '../shared/time.js';
import { classifyTlsError, type HandshakeFailureReason } from './telemetry.js';

/** The context chosen for one handshake, and which side of an exchange it is (for metrics). */
export interface FrontChoice {
  context: SecureContext;
  sha256: string;
  credentialIs: 'old' | 'new';
  entry?: { serve: 'old' | 'new' } | undefined;
}

/** What the front needs from its owner. */
export interface TlsFrontHooks {
  clock: Clock;
  /** The context for a ClientHello from `client` that arrived at `arrivedAt` (ms); `hello` is its first bytes. */
  choose(arrivedAt: number, client: string, hello: Buffer): FrontChoice;
  /** A handshake completed with `choice`: the socket is ready for HTTP. */
  secured(socket: TLSSocket, choice: FrontChoice, arrivedAt: number): void;
  /** A handshake failed (or timed out) for a client address; `choice` once a credential was chosen. */
  failed(client: string, reason: HandshakeFailureReason, err: Error | undefined, choice?: FrontChoice): void;
  /** How long a client may take from connect to a finished handshake. */
  handshakeTimeoutMs: number;
  /** ALPN protocols offered (tcp mode); none when absent. */
  alpn?: string[];
  /** Keep each half of a connection open after the other ended (tcp mode passes half-closes on). */
  allowHalfOpen?: boolean;
  /** The OCSP response to staple for `choice` (from a cache; never fetched here), if any. */
  staple?(choice: FrontChoice): Buffer | undefined;
}

/** A TLS socket with the client address recorded before TLS wrapping. */
export type FrontSocket = TLSSocket & { clientAddress?: string };

/** Creates the TCP server; listen on it as on any net.Server. */
export function createTlsFront(hooks: TlsFrontHooks): Server {
  return createServer({ noDelay: true, allowHalfOpen: hooks.allowHalfOpen ?? false }, (socket) =>
    accept(socket, hooks),
  );
}

function accept(socket: Socket, hooks: TlsFrontHooks): void {
  const client = socket.remoteAddress ?? 'unknown';
  let done = false;
  const timer = setTimeout(() => {
    if (done) return;
    done = true;
    hooks.failed(client, 'timeout', undefined);
    socket.destroy();
  }, hooks.handshakeTimeoutMs);
  const early = (err?: Error) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    hooks.failed(client, err ? classifyTlsError(err) : 'closed', err);
  };
  const earlyClose = () => early();
  socket.on('error', early);
  socket.once('close', earlyClose);
  socket.once('data', (chunk: Buffer) => {
    const arrivedAt = hooks.clock.now();
    socket.pause();
    socket.removeListener('error', early);
    socket.removeListener('close', earlyClose);
    socket.unshift(chunk);
    const choice = hooks.choose(arrivedAt, client, chunk);
    const staple = hooks.staple?.(choice);
    const tls = new TLSSocket(socket, {
      isServer: true,
      secureContext: choice.context,
      ...(staple ? { server: stapler(choice.context, staple) as unknown as Server } : {}),
      requestCert: false,
      rejectUnauthorized: false,
      ...(hooks.alpn ? { ALPNProtocols: hooks.alpn } : {}),
    }) as FrontSocket;
    tls.clientAddress = client;
    const failed = (err?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      hooks.failed(client, err ? classifyTlsError(err) : 'closed', err, choice);
      tls.destroy();
    };
    const closed = () => failed();
    tls.on('error', failed);
    tls.once('close', closed);
    tls.once('secure', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      tls.removeListener('error', failed);
      tls.removeListener('close', closed);
      // Errors after the handshake belong to the HTTP layer; keep one listener so none is unhandled.
      tls.on('error', () => tls.destroy());
      hooks.secured(tls, choice, arrivedAt);
    });
  });
}

/**
 * Node answers a client's status_request only through a TLS server's 'OCSPRequest' event, read from
 * the socket's `server` (its `_sharedCreds` standing for the context). The front is a plain TCP
 * server, so a socket with a staple gets a small emitter of its own that answers from memory.
 */
function stapler(context: SecureContext, der: Buffer): EventEmitter {
  const e = new EventEmitter() as EventEmitter & { _sharedCreds: SecureContext };
  e._sharedCreds = context;
  e.on(
    'OCSPRequest',
    (_cert: Buffer, _issuer: Buffer, cb: (err: Error | null, resp: Buffer | null) => void) => cb(null, der),
  );
  return e;
}
