/**
 * The HTTP/1.1 reverse proxy of a virtual server: requests parsed by Node's llhttp, forwarded with
 * undici `Pool.dispatch` (no hand-written HTTP parsing anywhere), bodies streamed both ways with
 * back-pressure, hop-by-hop headers stripped, X-Forwarded-For/-Proto/-Host added, backend failures
 * answered 502 and backend timeouts 504.
 */
import type { IncomingMessage, ServerOptions, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Backend, BackendSet } from './backends.js';
import type { FrontSocket } from './tls-front.js';

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus `expect` (answered here). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'expect',
  'http2-settings',
]);

/**
 * Headers this proxy sets itself, or drops because a client could forge them: `Forwarded` and
 * `X-Real-IP` name the client only when a proxy wrote them, so a client's own never reach the backend
 * (as HAProxy and nginx operators configure it); the client address travels in X-Forwarded-For.
 */
const REPLACED = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'forwarded',
  'x-real-ip',
]);

/** What the proxy reports. */
export interface ProxyEvents {
  response(status: number): void;
  backendError(backend: string, kind: 'connect' | 'timeout' | 'reset' | 'other', err: Error): void;
}

/** Undici error codes of a connection that never carried the request (safe to try another backend). */
const CONNECT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function errorKind(err: Error & { code?: string }): 'connect' | 'timeout' | 'reset' | 'other' {
  const code = err.code ?? '';
  if (CONNECT_CODES.has(code)) return 'connect';
  if (TIMEOUT_CODES.has(code) || err.name === 'TimeoutError') return 'timeout';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'reset';
  return 'other';
}

/** Connection header tokens name further hop-by-hop headers. */
function connectionTokens(raw: string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection') {
      for (const t of raw[i + 1]!.split(',')) {
        const name = t.trim().toLowerCase();
        if (!name) continue;
        tokens ??= new Set();
        tokens.add(name);
      }
    }
  }
  return tokens;
}

/**
 * The options of a virtual server's HTTP server that bound how long a client may take: its request
 * headers within `headerMs` from the first byte (then 408 and the connection closes; checked at least
 * every second, not Node's default 30 s), an idle keep-alive connection `idleMs`.
 */
export function httpServerOptions(t: { idleMs: number; headerMs: number }): ServerOptions {
  return {
    keepAliveTimeout: t.idleMs,
    headersTimeout: t.headerMs,
    // Node's default for the whole request (5 min); it may not be shorter than the header timeout.
    requestTimeout: Math.max(300_000, t.headerMs),
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(t.headerMs / 4))),
  };
}

/** Where a request goes: the origin-form path and the Host to send, or why it is refused (400). */
export type Target = { path: string; host: string | undefined; absolute: boolean } | { refuse: string };

const AUTHORITY = /^(?:[A-Za-z0-9._~!$&'()*+,;=-]+|\[[0-9A-Fa-f:.]+\])(?::\d{0,5})?$/;

/**
 * Reads the request target and Host as RFC 9112 §3.2 says: one Host header at most (two are refused,
 * never resolved one way here and another way behind); an absolute-form target
 * (`http://host/path`) has its authority replace the Host header and is sent on as origin-form; an
 * authority-form target (CONNECT) or anything else is refused.
 */
export function requestTarget(url: string, raw: string[]): Target {
  let host: string | undefined;
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') {
      hosts++;
      host = raw[i + 1];
    }
  }
  if (hosts > 1) return { refuse: 'more than one Host header' };
  if (url.startsWith('/') || url === '*') return { path: url, host, absolute: false };
  const m = /^https?:\/\/([^/?#]*)([^#]*)/i.exec(url);
  if (!m) return { refuse: 'the request target is neither a path nor an http(s) URL' };
  const authority = m[1]!;
  if (!AUTHORITY.test(authority)) return { refuse: 'the request target has no valid host' };
  const rest = m[2]!;
  return { path: rest.startsWith('/') ? rest : `/${rest}`, host: authority, absolute: true };
}

/**
 * Builds the request headers for the backend from the client's raw headers. With `host`, the Host
 * header is that (an absolute-form target's authority) instead of the client's.
 */
export function forwardHeaders(raw: string[], client: string, host?: string): string[] {
  const extra = connectionTokens(raw);
  const out: string[] = [];
  let xff: string | undefined;
  let sentHost = host;
  if (host !== undefined) out.push('host', host);
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || extra?.has(lower)) continue;
    if (REPLACED.has(lower)) {
      if (lower === 'x-forwarded-for') xff = xff ? `${xff}, ${raw[i + 1]}` : raw[i + 1];
      continue;
    }
    if (lower === 'host') {
      if (host !== undefined) continue;
      sentHost = raw[i + 1];
    }
    out.push(name, raw[i + 1]!);
  }
  out.push('x-forwarded-for', xff ? `${xff}, ${client}` : client, 'x-forwarded-proto', 'https');
  if (sentHost !== undefined) out.push('x-forwarded-host', sentHost);
  return out;
}

/** Builds the response headers for the client from the backend's raw headers. */
export function responseHeaders(raw: Buffer[]): string[] {
  const out: string[] = [];
  let extra: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    if (name.length === 10 && name.toLowerCase() === 'connection') {
      extra ??= new Set();
      for (const t of raw[i + 1]!.toString('latin1').split(',')) extra.add(t.trim().toLowerCase());
    }
    out.push(name, raw[i + 1]!.toString('latin1'));
  }
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    const lower = out[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower) || extra?.has(lower)) continue;
    kept.push(out[i]!, out[i + 1]!);
  }
  return kept;
}

/** Response headers with `Strict-Transport-Security` set to `value` (a backend's own one dropped). */
function withHsts(h: string[], value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < h.length; i += 2) {
    if (h[i]!.toLowerCase() !== 'strict-transport-security') out.push(h[i]!, h[i + 1]!);
  }
  out.push('strict-transport-security', value);
  return out;
}

function sendError(res: ServerResponse, status: 400 | 502 | 503 | 504, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // A refused request's body is never read: the connection must not be reused after it.
  if (status === 400) res.shouldKeepAlive = false;
  res.writeHead(status, [
    'content-type',
    'text/plain; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(text)),
  ]);
  res.end(text);
}

/** Marks a connection whose request was refused: nothing more is read from it. */
const REFUSED = Symbol('refused');

/** Creates the request listener of a virtual server's HTTP server. */
export function createProxyHandler(
  backends: BackendSet,
  events: ProxyEvents,
  /** `hsts`: the Strict-Transport-Security value set on every proxied response (replacing a backend's). */
  opts: { hsts?: string } = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  const hsts = opts.hsts;
  return (req, res) => {
    const client = (req.socket as FrontSocket).clientAddress ?? req.socket.remoteAddress ?? 'unknown';
    res.sendDate = false;
    const socket = req.socket as FrontSocket & { [REFUSED]?: true };
    // Requests pipelined behind a refused one are dropped: the refusal closes the connection.
    if (socket[REFUSED]) {
      res.destroy();
      return;
    }
    const target = requestTarget(req.url ?? '/', req.rawHeaders);
    if ('refuse' in target) {
      socket[REFUSED] = true;
      events.response(400);
      sendError(res, 400, `bad request: ${target.refuse}\n`);
      return;
    }
    const headers = forwardHeaders(req.rawHeaders, client, target.absolute ? target.host : undefined);
    const hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    const attempt = (tries: number) => {
      const backend = backends.pick();
      if (!backend) {
        events.response(502);
        sendError(res, 502, 'no backend is up\n');
        return;
      }
      dispatch(backend, tries);
    };
    const dispatch = (backend: Backend, tries: number) => {
      let abort: ((err?: Error) => void) | undefined;
      let resume: (() => void) | undefined;
      let finished = false;
      const onClose = () => {
        if (!finished) abort?.(new Error('client closed the connection'));
      };
      res.once('close', onClose);
      const handler: Dispatcher.DispatchHandler = {
        onConnect(a) {
          abort = a;
        },
        onHeaders(status, raw, r, statusText) {
          if (status < 200) return true;
          resume = r;
          events.response(status);
          const h = responseHeaders(raw as Buffer[]);
          res.writeHead(status, statusText, hsts ? withHsts(h, hsts) : h);
          return true;
        },
        onData(chunk) {
          const ok = res.write(chunk);
          if (!ok && resume) res.once('drain', resume);
          return ok;
        },
        onComplete() {
          finished = true;
          res.removeListener('close', onClose);
          res.end();
        },
        onError(err) {
          finished = true;
          res.removeListener('close', onClose);
          if (res.destroyed) return;
          const kind = errorKind(err);
          events.backendError(backend.url, kind, err);
          if (kind === 'connect') {
            backends.mark(backend, false, err.message);
            if (!hasBody && !res.headersSent && tries < backends.backends.length) {
              attempt(tries + 1);
              return;
            }
          }
          events.response(kind === 'timeout' ? 504 : 502);
          sendError(
            res,
            kind === 'timeout' ? 504 : 502,
            kind === 'timeout' ? 'backend timed out\n' : 'backend failed\n',
          );
        },
      };
      backend.pool.dispatch(
        {
          origin: backend.url,
          method: req.method as Dispatcher.HttpMethod,
          path: target.path,
          headers,
          body: hasBody ? req : null,
          ...(backend.servername ? { servername: backend.servername } : {}),
        } as Dispatcher.DispatchOptions,
        handler,
      );
    };
    attempt(1);
  };
}
