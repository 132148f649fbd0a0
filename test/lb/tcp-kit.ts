/**
 * A backend for tcp-mode tests that speaks what a tenant endpoint behind HAProxy `send-proxy-v2`
 * would: it reads the PROXY v2 header (and refuses a connection without one), records it, then serves
 * by the ALPN the header names: HTTP/2 (h2c) for `h2`, an echo after the client's half-close for
 * `x-halfclose`, else HTTP/1.1 with a WebSocket upgrade done by hand.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createH2Server } from 'node:http2';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { after } from 'node:test';
import { type ParsedProxyV2, PP2, parseProxyV2, V2_SIGNATURE } from '../../src/lb/proxy-protocol.js';

/** One connection's PROXY header as the backend read it. */
export interface SeenHeader {
  header: ParsedProxyV2;
  alpn: string | undefined;
}

/** Answers one WebSocket frame (text, < 126 bytes, masked by the client) with `echo:` + payload. */
function wsEcho(socket: Socket): void {
  let buf = Buffer.alloc(0);
  socket.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    if (buf.length < 2) return;
    const len = buf[1]! & 0x7f;
    if (buf.length < 6 + len) return;
    const mask = buf.subarray(2, 6);
    const payload = Buffer.from(buf.subarray(6, 6 + len).map((b, i) => b ^ mask[i % 4]!));
    buf = buf.subarray(6 + len);
    const reply = Buffer.concat([Buffer.from('echo:'), payload]);
    socket.write(Buffer.concat([Buffer.from([0x81, reply.length]), reply]));
  });
}

/** The WebSocket accept value for a key (RFC 6455 §4.2.2). */
export function wsAccept(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/** Starts the backend; `headers` lists every PROXY header it read, `refused` the connections without one. */
export async function startProxyBackend(): Promise<{
  port: number;
  headers: SeenHeader[];
  refused: number;
  close: () => void;
}> {
  const state = { headers: [] as SeenHeader[], refused: 0 };
  const http1 = createHttpServer((req, res) => {
    const peer = (req.socket as Socket & { proxied?: SeenHeader }).proxied;
    const text = JSON.stringify({ url: req.url, client: peer?.header.source?.address, alpn: peer?.alpn });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  http1.on('upgrade', (req, socket: Socket, head: Buffer) => {
    const key = String(req.headers['sec-websocket-key'] ?? '');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${wsAccept(key)}\r\n\r\n`,
    );
    if (head.length) socket.unshift(head);
    wsEcho(socket);
  });
  // An h2c server of its own: Http2Session reads the socket's handle directly, so bytes already read
  // past the PROXY header could not be handed back; the connection is spliced to it instead.
  const h2 = createH2Server();
  h2.on('stream', (stream, headers) => {
    stream.respond({ ':status': 200, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ path: headers[':path'], protocol: 'h2' }));
  });
  h2.listen(0, '127.0.0.1');
  await once(h2, 'listening');
  const h2Port = (h2.address() as AddressInfo).port;
  // Every socket the backend holds (its own and the spliced h2 ones), destroyed at close so that no
  // tunnel left open by a test keeps the process alive.
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    track(socket);
    let buf = Buffer.alloc(0);
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 12 && !buf.subarray(0, 12).equals(V2_SIGNATURE)) {
        state.refused++;
        socket.destroy();
        return;
      }
      const header = parseProxyV2(buf);
      if (!header) return;
      socket.removeListener('data', onData);
      socket.pause();
      const alpn = header.tlvs.get(PP2.ALPN)?.toString('latin1');
      const seen = { header, alpn };
      state.headers.push(seen);
      (socket as Socket & { proxied?: SeenHeader }).proxied = seen;
      const rest = buf.subarray(header.length);
      if (header.command === 'LOCAL') {
        socket.end();
        return;
      }
      if (alpn === 'x-halfclose') {
        const got: Buffer[] = [rest];
        socket.on('data', (d: Buffer) => got.push(d));
        socket.once('end', () => {
          // The client's half-close arrived; answer after it, then close our half.
          setTimeout(() => socket.end(`got ${Buffer.concat(got).length} bytes`), 50);
        });
        socket.resume();
        return;
      }
      if (alpn === 'h2') {
        const inner = connect(h2Port, '127.0.0.1');
        track(inner);
        inner.write(rest);
        socket.pipe(inner).pipe(socket);
        inner.on('error', () => socket.destroy());
        return;
      }
      if (rest.length) socket.unshift(rest);
      http1.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
    socket.on('error', () => socket.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const close = () => {
    server.close();
    h2.close();
    http1.closeAllConnections();
    for (const s of sockets) s.destroy();
  };
  after(close);
  return {
    port: (server.address() as AddressInfo).port,
    get headers() {
      return state.headers;
    },
    get refused() {
      return state.refused;
    },
    close,
  };
}
