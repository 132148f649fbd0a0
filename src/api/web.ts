/**
 * Serves the web UI (built by `npm run build:web` into dist/web/) from the coordinator itself: the
 * files under /assets/ and the like, and index.html for every other path the app routes on the
 * client (`/`, `/s/{token}`, `/lb`, …). It never answers for `/api/*`, `/healthz`, `/.well-known/*`
 * or `/metrics`: those fall through to the API's own routes and its problem+json 404.
 *
 * Every page goes out with a strict Content-Security-Policy (scripts and styles from this origin
 * only, no inline code, no framing) and `Referrer-Policy: no-referrer`, because the personal sender
 * link carries its token in the path and must not leak it to anything the page links to.
 */
import { promises as fs } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MiddlewareHandler } from 'hono';
import { problem, problemResponse } from './problem.js';

/** Where the built UI is: dist/web beside dist/src (this file runs as dist/src/api/web.js). */
export const DEFAULT_WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../web');

/** The Content-Security-Policy of every UI response. */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': WEB_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Paths that belong to the API and the operators' endpoints, never to the UI. */
export function isReservedPath(path: string): boolean {
  return (
    path === '/api' ||
    path.startsWith('/api/') ||
    path === '/healthz' ||
    path.startsWith('/.well-known/') ||
    path === '/metrics'
  );
}

async function readIfFile(file: string): Promise<Uint8Array | undefined> {
  try {
    const st = await fs.stat(file);
    return st.isFile() ? await fs.readFile(file) : undefined;
  } catch {
    return undefined;
  }
}

function reply(method: string, bytes: Uint8Array, headers: Record<string, string>): Response {
  return new Response(method === 'HEAD' ? null : (bytes as Uint8Array<ArrayBuffer>), {
    status: 200,
    headers: { ...SECURITY_HEADERS, 'content-length': String(bytes.byteLength), ...headers },
  });
}

/**
 * The middleware: GET and HEAD of a non-reserved path answer a file of `root` if there is one,
 * else index.html (the app routes on the client). A path with a static file's extension (.js, .css…)
 * that names no file is a plain 404, so a missing script is not answered with HTML.
 */
export function webUi(root: string = DEFAULT_WEB_ROOT): MiddlewareHandler {
  const base = resolve(root);
  return async (c, next) => {
    const method = c.req.method;
    const path = c.req.path;
    if ((method !== 'GET' && method !== 'HEAD') || isReservedPath(path)) return next();
    let rel: string;
    try {
      rel = decodeURIComponent(path);
    } catch {
      return next();
    }
    const file = resolve(base, `.${rel}`);
    const inside = file === base || file.startsWith(base + sep);
    const bytes = inside && rel !== '/' ? await readIfFile(file) : undefined;
    if (bytes) {
      const immutable = rel.startsWith('/assets/');
      return reply(method, bytes, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
    // A missing script or stylesheet is a 404, never the app's HTML. Other dots are data: the
    // personal link's token (`/s/rlk_ID.MAC`) has one.
    if (!rel.startsWith('/s/') && TYPES[extname(rel)] !== undefined) return next();
    const index = await readIfFile(join(base, 'index.html'));
    if (!index) {
      return problemResponse(
        problem('NOT_YET', 'the web UI is not built: run `npm run build:web` (npm run build does it too)'),
        SECURITY_HEADERS,
      );
    }
    return reply(method, index, {
      'content-type': TYPES['.html']!,
      // The shell is tiny and names the hashed assets: always revalidate it.
      'cache-control': 'no-store',
    });
  };
}
