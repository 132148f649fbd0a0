/**
 * A demo sender as live traffic: a real HTTPS client that trusts exactly what its truststore file
 * holds (re-read for every new connection, as a restarted client would), calls the virtual server
 * from its own loopback address, and counts requests and failures before and after T.
 */
import { createHash } from 'node:crypto';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { encodeCertificatesPem } from '../pki/formats/pem.js';
import type { TruststoreType } from '../truststore/formats/types.js';
import { open } from '../truststore/operations.js';

/** What one sender saw. */
export interface SenderTraffic {
  requestsBeforeT: number;
  requestsAfterT: number;
  failuresBeforeT: number;
  failuresAfterT: number;
  /** With a bridge deadline: the requests and failures (among those after T) from the deadline on. */
  requestsAfterBridge: number;
  failuresAfterBridge: number;
  /** Requests after T that were served the old leaf (grace). */
  servedOldAfterT: number;
  /** Leaf fingerprints served to this sender, with counts. */
  served: Record<string, number>;
  lastError?: string;
}

/** A sender client running until stopped. */
export class SenderClient {
  readonly stats: SenderTraffic = {
    requestsBeforeT: 0,
    requestsAfterT: 0,
    failuresBeforeT: 0,
    failuresAfterT: 0,
    requestsAfterBridge: 0,
    failuresAfterBridge: 0,
    servedOldAfterT: 0,
    served: {},
  };
  private running = false;
  private loop: Promise<void> | undefined;
  /** When each successful request's TLS handshake finished, and the leaf it was served. */
  private readonly handshakes: Array<{ at: number; sha256: string }> = [];

  constructor(
    private readonly o: {
      truststore: string;
      type: TruststoreType;
      password?: string;
      localAddress: string;
      host: string;
      port: number;
      servername: string;
      exchangeAt: number;
      /** The old leaf: requests after T served it are counted (grace). */
      oldLeafSha256?: string;
      /** The bridge deadline (ms), when the virtual server serves a bridge after T. */
      bridgeUntil?: number;
      path: string;
      intervalMs?: number;
    },
  ) {}

  private async anchors(): Promise<string> {
    const store = await open({
      path: this.o.truststore,
      type: this.o.type,
      ...(this.o.password ? { password: this.o.password } : {}),
    });
    return encodeCertificatesPem(store.entries.map((e) => e.cert.der));
  }

  /**
   * One request on a new connection. A success counts by when its TCP connection opened (its
   * ClientHello follows at once); a failure counts by when it happened — a handshake refused because
   * of the new certificate can only fail after the server chose that certificate, at or after T.
   */
  private one(): Promise<void> {
    return this.anchors().then(
      (ca) =>
        new Promise<void>((resolve) => {
          let connectedAt = Date.now();
          let securedAt = connectedAt;
          const req = https.request(
            {
              host: this.o.host,
              port: this.o.port,
              path: this.o.path,
              servername: this.o.servername,
              localAddress: this.o.localAddress,
              ca,
              agent: false,
              timeout: 5000,
            },
            (res) => {
              const raw = (res.socket as TLSSocket).getPeerCertificate?.().raw;
              if (raw) {
                const sha = createHash('sha256').update(raw).digest('hex');
                this.stats.served[sha] = (this.stats.served[sha] ?? 0) + 1;
                this.handshakes.push({ at: securedAt, sha256: sha });
                if (sha === this.o.oldLeafSha256 && connectedAt >= this.o.exchangeAt)
                  this.stats.servedOldAfterT++;
              }
              res.resume();
              res.on('end', () => {
                const after = connectedAt >= this.o.exchangeAt;
                const afterBridge = this.afterBridge(connectedAt);
                if (res.statusCode === 200) this.count(after, true, undefined, afterBridge);
                else this.count(after, false, `HTTP ${res.statusCode}`, afterBridge);
                resolve();
              });
            },
          );
          req.on('socket', (socket) => {
            socket.once('connect', () => (connectedAt = Date.now()));
            socket.once('secureConnect', () => (securedAt = Date.now()));
          });
          req.on('error', (e: NodeJS.ErrnoException) => {
            const now = Date.now();
            this.count(now >= this.o.exchangeAt, false, e.code ?? e.message, this.afterBridge(now));
            resolve();
          });
          req.on('timeout', () => req.destroy(new Error('timeout')));
          req.end();
        }),
      (e: Error) => this.count(Date.now() >= this.o.exchangeAt, false, `truststore: ${e.message}`),
    );
  }

  /**
   * When the first handshake that finished at or after `since` was served a leaf other than `sha256`
   * (ms), or undefined while there is none.
   */
  firstServedOtherThan(sha256: string, since: number): number | undefined {
    return this.handshakes.find((h) => h.at >= since && h.sha256 !== sha256)?.at;
  }

  private afterBridge(at: number): boolean {
    return this.o.bridgeUntil !== undefined && at >= this.o.bridgeUntil;
  }

  /** Counts one request by when it started; failures are counted among the requests too. */
  private count(afterT: boolean, ok: boolean, error?: string, afterBridge = false): void {
    if (afterT) this.stats.requestsAfterT++;
    else this.stats.requestsBeforeT++;
    if (afterBridge) this.stats.requestsAfterBridge++;
    if (ok) return;
    if (afterT) this.stats.failuresAfterT++;
    else this.stats.failuresBeforeT++;
    if (afterBridge) this.stats.failuresAfterBridge++;
    if (error) this.stats.lastError = error;
  }

  /** Starts sending, one request at a time with a short pause. */
  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        await this.one();
        await new Promise((r) => setTimeout(r, this.o.intervalMs ?? 50));
      }
    })();
  }

  /** Stops after the request in flight. */
  async stop(): Promise<SenderTraffic> {
    this.running = false;
    await this.loop;
    return this.stats;
  }
}
