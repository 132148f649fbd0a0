/**
 * OCSP stapling for the built-in LB: for every credential the node holds (active, staged, previous)
 * whose leaf names an OCSP responder, the response is fetched ahead of time, checked, kept in memory
 * and refreshed at half its validity (after a failure, retried with backoff). A handshake only reads
 * this cache: nothing is fetched during a handshake, and no response means no staple, never a failure.
 * Only a checked response saying "good" is stapled; a failed check is logged with its reason.
 * Each process (each cluster worker) fetches for itself.
 */
import type { Logger } from 'pino';
import { type Cert, readCertificates } from '../pki/certificate.js';
import { checkOcspResponse, ocspRequestFor } from '../pki/ocsp.js';
import { ocspUrlsOf } from '../pki/revocation.js';
import { isRolloverError } from '../shared/errors.js';
import type { Clock } from '../shared/time.js';
import type { CredentialRecord } from './credential-record.js';

/** Tunables (tests shorten them). */
export interface OcspStaplerOptions {
  /** One fetch may take this long (ms). */
  timeoutMs?: number;
  /** First retry after a failure (ms); doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Refresh at least this often (ms), whatever the response's validity. */
  maxRefreshMs?: number;
}

interface Entry {
  leaf: Cert;
  issuer: Cert;
  url: string;
  der?: Buffer | undefined;
  /** When the kept response stops being valid (ms), if it says. */
  nextUpdate?: number | undefined;
  timer?: NodeJS.Timeout | undefined;
  failures: number;
}

/** The per-process cache of stapled OCSP responses, by leaf SHA-256. */
export class OcspStapler {
  private readonly entries = new Map<string, Entry>();
  private closed = false;
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly maxRefreshMs: number;

  constructor(
    private readonly clock: Clock,
    private readonly log: Logger,
    options: OcspStaplerOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retryMs = options.retryMs ?? 30_000;
    this.maxRetryMs = options.maxRetryMs ?? 60 * 60_000;
    this.maxRefreshMs = options.maxRefreshMs ?? 12 * 60 * 60_000;
  }

  /** The staple for the leaf `sha256`, from the cache only (undefined: none, or no longer valid). */
  stapleFor(sha256: string): Buffer | undefined {
    const e = this.entries.get(sha256);
    if (!e?.der) return undefined;
    if (e.nextUpdate !== undefined && this.clock.now() >= e.nextUpdate) return undefined;
    return e.der;
  }

  /** The credentials the node holds now: starts fetching for new ones, forgets the others. */
  track(records: ReadonlyArray<CredentialRecord | undefined>): void {
    if (this.closed) return;
    const wanted = new Map<string, CredentialRecord>();
    for (const r of records) if (r) wanted.set(r.sha256, r);
    for (const [sha, e] of this.entries) {
      if (!wanted.has(sha)) {
        clearTimeout(e.timer);
        this.entries.delete(sha);
      }
    }
    for (const [sha, r] of wanted) {
      if (this.entries.has(sha)) continue;
      const certs = [...readCertificates(r.certPem), ...readCertificates(r.rootPem)];
      const leaf = certs[0];
      if (!leaf) continue;
      const url = ocspUrlsOf(leaf)[0];
      if (!url) continue;
      const issuerName = leaf.x.issuer;
      const issuer = certs.slice(1).find((c) => c.x.subject === issuerName);
      if (!issuer) {
        this.log.warn(
          { fingerprint: sha, ocsp: url },
          'OCSP stapling: the issuer is not in the chain; no staple',
        );
        continue;
      }
      const e: Entry = { leaf, issuer, url, failures: 0 };
      this.entries.set(sha, e);
      void this.refresh(sha, e);
    }
  }

  /** Stops every timer (the cache stays readable). */
  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) clearTimeout(e.timer);
  }

  private schedule(sha: string, e: Entry, inMs: number): void {
    if (this.closed || this.entries.get(sha) !== e) return;
    e.timer = setTimeout(() => void this.refresh(sha, e), Math.max(1000, inMs));
    e.timer.unref();
  }

  private backoff(e: Entry): number {
    return Math.min(this.maxRetryMs, this.retryMs * 2 ** (e.failures - 1));
  }

  private async refresh(sha: string, e: Entry): Promise<void> {
    try {
      const body = await ocspRequestFor(e.leaf, e.issuer);
      const res = await fetch(e.url, {
        method: 'POST',
        headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
        body,
        // A responder answers where it is asked: a redirect is a failed fetch, not a second request.
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!res.ok) throw new Error(`the responder answered HTTP ${res.status}`);
      const der = await boundedBody(res, MAX_OCSP_RESPONSE_BYTES);
      const now = this.clock.now();
      const answer = await checkOcspResponse(der, e.leaf, e.issuer, now);
      if (this.entries.get(sha) !== e) return;
      if (answer.status !== 'good') {
        // Only a good answer is stapled (as nginx does); a kept good one is superseded by this answer.
        e.der = undefined;
        e.nextUpdate = undefined;
        e.failures += 1;
        const wait = this.backoff(e);
        this.log.error(
          { fingerprint: sha, ocsp: e.url, certStatus: answer.status, retryInMs: wait },
          `OCSP stapling: the responder says the certificate is ${answer.status}; no staple`,
        );
        this.schedule(sha, e, wait);
        return;
      }
      e.der = der;
      e.nextUpdate = answer.nextUpdate;
      e.failures = 0;
      const half = answer.nextUpdate !== undefined ? (answer.nextUpdate - now) / 2 : this.maxRefreshMs;
      this.log.info(
        {
          fingerprint: sha,
          ocsp: e.url,
          certStatus: answer.status,
          nextUpdate: answer.nextUpdate ? new Date(answer.nextUpdate).toISOString() : undefined,
        },
        'OCSP stapling: response fetched',
      );
      this.schedule(sha, e, Math.min(half, this.maxRefreshMs));
    } catch (err) {
      e.failures += 1;
      const wait = this.backoff(e);
      this.log.warn(
        {
          fingerprint: sha,
          ocsp: e.url,
          err: (err as Error).message,
          retryInMs: wait,
          stapling: !!this.stapleFor(sha),
        },
        isRolloverError(err, 'OCSP_RESPONSE_INVALID')
          ? 'OCSP stapling: the response was refused (see err); handshakes go on (with the last valid response, if any)'
          : 'OCSP stapling: fetch failed; handshakes go on (with the last valid response, if any)',
      );
      this.schedule(sha, e, wait);
    }
  }
}

/** An OCSP response is a few KiB (a signature, a certificate or two); anything far larger is refused. */
export const MAX_OCSP_RESPONSE_BYTES = 64 * 1024;

/** The body of `res`, read until `max` bytes; a longer one is an error (and the rest is not read). */
async function boundedBody(res: Response, max: number): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new Error(`the response is ${declared} bytes, more than the ${max} an OCSP response may have`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      // Leaving the loop cancels the stream: the rest is never read.
      if (size > max) throw new Error(`the response is more than the ${max} bytes an OCSP response may have`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}
