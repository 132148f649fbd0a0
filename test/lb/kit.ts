/**
 * Helpers for the data-plane tests: a plain HTTP backend, a node started in-process with a silent
 * logger, and an HTTPS client that reports the fingerprint each handshake got.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import pino from 'pino';
import { type LbConfig, resolveConfig } from '../../src/lb/config.js';
import { type LbNode, startLbNode } from '../../src/lb/node.js';
import type { Credential } from '../../src/pki/credential.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { type Clock, systemClock } from '../../src/shared/time.js';

/** A backend that answers JSON describing the request it got; `requests` counts all but health checks. */
export async function startBackend(
  handler?: (req: IncomingMessage, body: Buffer) => { status?: number; body?: string } | undefined,
): Promise<{ url: string; port: number; server: Server; requests: number; close: () => void }> {
  const state = { requests: 0 };
  const server = createServer(async (req, res) => {
    if (req.headers['user-agent'] !== 'rollover-lb-health') state.requests++;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const custom = handler?.(req, body);
    const text =
      custom?.body ??
      JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString('utf8') });
    res.writeHead(custom?.status ?? 200, { 'content-type': 'application/json', 'keep-alive': 'timeout=77' });
    res.end(text);
  });
  server.keepAliveTimeout = 10_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  after(close);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    get requests() {
      return state.requests;
    },
    close,
  };
}

/** A one-virtual-server configuration on ephemeral ports. */
export function oneServerConfig(p: {
  stateDir: string;
  credential: string;
  backends: string[];
  hosts?: string[];
  preview?: boolean;
  healthInterval?: string;
  drainTimeout?: string;
  responseTimeout?: string;
  headerTimeout?: string;
  /** TLS profile and overrides of the virtual server (`tlsProfile`, `ciphers`, `minVersion`). */
  tls?: Record<string, unknown>;
}): LbConfig {
  return resolveConfig(
    {
      stateDir: p.stateDir,
      control: '127.0.0.1:0',
      drainTimeout: p.drainTimeout ?? '5s',
      virtualServers: [
        {
          name: 'web',
          listen: '127.0.0.1:0',
          hosts: p.hosts ?? ['lb.test', '127.0.0.1'],
          credential: p.credential,
          ...(p.preview ? { preview: '127.0.0.1:0' } : {}),
          backends: p.backends,
          healthCheck: { interval: p.healthInterval ?? '200ms', timeout: '500ms' },
          timeouts: {
            response: p.responseTimeout ?? '2s',
            connect: '1s',
            ...(p.headerTimeout ? { header: p.headerTimeout } : {}),
          },
          ...p.tls,
        },
      ],
    },
    { workers: 1 },
  );
}

/** Starts a node with a silent logger; stopped when the test file ends. */
export async function startNode(config: LbConfig, clock: Clock = systemClock): Promise<LbNode> {
  const node = await startLbNode(config, { clock, log: pino({ level: 'silent' }) });
  after(() => node.stop());
  return node;
}

/** The listen port of the node's only virtual server. */
export function portOf(node: LbNode, which: 'listen' | 'preview' = 'listen'): number {
  const rt = node.runtimes.get('web')!;
  return (which === 'listen' ? rt.listenAddress : rt.previewAddress)!.port;
}

/** A client context trusting the given roots. */
export function trusting(...creds: Credential[]): SecureContext {
  return createSecureContext({ ca: encodeCertificatesPem(creds.map((c) => c.root.der)) });
}

/** The result of one HTTPS request. */
export interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** SHA-256 of the served leaf (lowercase hex); empty for a reused connection. */
  fingerprint: string;
}

/** Leaf SHA-256 of a TLS socket's peer, lowercase hex. */
export function peerSha256(s: TLSSocket): string {
  return (s.getPeerCertificate().fingerprint256 ?? '').replace(/:/g, '').toLowerCase();
}

/** One HTTPS request on a new connection (no agent reuse). */
export function get(
  port: number,
  o: {
    ctx: SecureContext;
    servername?: string;
    path?: string;
    method?: string;
    body?: string;
    headers?: Record<string, string>;
    agent?: https.Agent;
    /** The client's source address (another loopback address, 127.0.0.2…). */
    localAddress?: string;
  },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let fingerprint = '';
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: o.path ?? '/',
        method: o.method ?? 'GET',
        headers: { host: o.servername ?? '127.0.0.1', ...o.headers },
        agent: o.agent ?? false,
        secureContext: o.ctx,
        ...(o.servername ? { servername: o.servername } : {}),
        ...(o.localAddress ? { localAddress: o.localAddress } : {}),
      } as https.RequestOptions,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
            fingerprint,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('socket', (s) => {
      s.once('secureConnect', () => {
        fingerprint = peerSha256(s as TLSSocket);
      });
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
