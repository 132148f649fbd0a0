/**
 * The pieces of the seed end-to-end test: a coordinator that can be killed and started again on the
 * same store, a real SMTP sink that can go down and come back on the same port, and a webhook target.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { SMTPServer } from 'smtp-server';
import { buildApi } from '../../src/api/app.js';
import { bootstrapAdmin } from '../../src/coordinator/bootstrap.js';
import type { RenewalEnv } from '../../src/coordinator/renewal/ports.js';
import { buildCoordinatorEnv } from '../../src/main/coordinator-env.js';
import { type RenewalRuntime, startRenewalRuntime } from '../../src/main/renewal-runtime.js';
import { smtpMailSender } from '../../src/notify/mail.js';
import type { TimingPolicy } from '../../src/renewal/timing.js';
import type { StoreConfig } from '../../src/store/open.js';
import type { MasterKey } from '../../src/store/seal.js';
import { Store } from '../../src/store/store.js';

/** A mail as the sink received it. */
export interface Received {
  to: string[];
  raw: string;
  messageId: string;
  /** The raw text with quoted-printable soft line breaks undone. */
  flat: string;
}

/** A real SMTP server on loopback that can be stopped and started again on the same port. */
export class SmtpSink {
  readonly mails: Received[] = [];
  port = 0;
  private server: SMTPServer | undefined;

  async start(): Promise<void> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, cb) => {
        let raw = '';
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => {
          raw += c;
        });
        stream.on('end', () => {
          const messageId = /^Message-ID:\s*(\S+)/im.exec(raw)?.[1] ?? '';
          this.mails.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            raw,
            messageId,
            flat: raw.replace(/=\r?\n/g, ''),
          });
          cb();
        });
      },
    });
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server.server, 'listening');
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Mails to one address. */
  to(addr: string): Received[] {
    return this.mails.filter((m) => m.to.includes(addr));
  }
}

/** A webhook target recording bodies and signature headers. */
export async function startWebhookTarget(): Promise<{
  url: string;
  hits: Array<{ body: string; signature: string; key: string }>;
  close(): void;
}> {
  const hits: Array<{ body: string; signature: string; key: string }> = [];
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    hits.push({
      body,
      signature: String(req.headers['x-rollover-signature'] ?? ''),
      key: String(req.headers['idempotency-key'] ?? ''),
    });
    res.writeHead(204).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hits,
    close: () => server.close(),
  };
}

/** A coordinator on a store that outlives it (kill and start again). */
export class Coordinator {
  url = '';
  adminToken = '';
  env!: RenewalEnv;
  store!: Store;
  runtime!: RenewalRuntime;
  private server: ReturnType<typeof serve> | undefined;
  private port = 0;

  constructor(
    private readonly config: StoreConfig,
    private readonly key: MasterKey,
    private readonly smtpPort: () => number,
    private readonly timing: Partial<TimingPolicy> = {},
  ) {}

  async start(): Promise<void> {
    this.store = await Store.open(this.config, this.key);
    this.env = await buildCoordinatorEnv({
      store: this.store,
      renewal: {
        timing: {
          minLeadMs: 3000,
          gateLeadMs: 2500,
          postponeCutoffMs: 1000,
          reminderOffsetsMs: [],
          ...this.timing,
        },
        linkTtlMs: 3_600_000,
        proposeDaysAhead: 30,
        // The webhook targets listen on loopback over HTTP: allow-listed, as an operator would.
        outbound: { allowHttp: true, allow: ['127.0.0.0/8'] },
        retryBaseMs: 150,
        retryMaxMs: 600,
      },
      mail: smtpMailSender({
        host: '127.0.0.1',
        port: this.smtpPort(),
        from: 'rollover@provider.test',
        requireTls: false,
      }),
    });
    this.runtime = await startRenewalRuntime(this.env, {
      tickMs: 150,
      ...(this.config.kind === 'postgres' ? { pgUrl: this.config.url, pgSchema: this.config.schema } : {}),
      log: () => undefined,
    });
    const app = buildApi(this.env, {
      onUnexpected: (e) => console.error('unexpected', e),
    });
    this.server = serve({ fetch: app.fetch, port: this.port, hostname: '127.0.0.1' });
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.env.publicUrl = this.url;
    const t = await bootstrapAdmin(this.env);
    if (t) this.adminToken = t;
  }

  /** Stops everything, as a killed process would leave the store. */
  async stop(): Promise<void> {
    await this.runtime.stop();
    await new Promise<void>((r) => {
      this.server?.close(() => r());
      (this.server as unknown as { closeAllConnections?: () => void })?.closeAllConnections?.();
    });
    await this.store.close();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Calls the API; throws on an error status unless `expect` is given. */
  async call(
    method: string,
    path: string,
    body?: unknown,
    token = this.adminToken,
    expect?: number,
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON
  ): Promise<any> {
    const send = () =>
      fetch(`${this.url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    // A pooled connection to the previous server process may be dead after a restart: try once more.
    const res = await send().catch(() => send());
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (expect !== undefined) {
      if (res.status !== expect)
        throw new Error(`${method} ${path} → ${res.status}, expected ${expect}: ${text}`);
    } else if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return json;
  }
}

/** Waits until `fn` returns a truthy value. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
