/**
 * Posts a sender's evidence record to the coordinator, validated against the shared contract first
 * (a record the coordinator would reject is a bug here, not a network problem). Text the record
 * carries from elsewhere (a server's error, a certificate subject) is made to keep the free-text rule.
 */
import http from 'node:http';
import https from 'node:https';
import { fail } from '../shared/errors.js';

/** Where and how to report. */
export interface ReportTarget {
  url: string;
  token: string;
  /** Extra CA certificates (PEM) to trust for the coordinator, beside the system's. */
  ca?: string;
  timeoutMs?: number;
}

/** Validates `record` with the contract schema and POSTs it with the bearer token; returns the HTTP status. */
export async function postEvidence(target: ReportTarget, record: Record<string, unknown>): Promise<number> {
  const { normaliseEvidence, SenderEvidenceSchema } = await import('../api/contract/evidence.js');
  const parsed = SenderEvidenceSchema.safeParse(normaliseEvidence(record));
  if (!parsed.success) {
    fail('INTERNAL', `the evidence record does not match the contract: ${parsed.error.message}`);
  }
  let u: URL;
  try {
    u = new URL(target.url);
  } catch {
    return fail('BAD_ARGUMENT', `the report URL "${target.url}" is not a URL`, { field: 'report' });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    fail('BAD_ARGUMENT', 'the report URL must be an http(s) URL', { field: 'report' });
  const body = JSON.stringify(parsed.data);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolvePromise, reject) => {
    const req = mod.request(
      u,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${target.token}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        timeout: target.timeoutMs ?? 10_000,
        ...(target.ca && u.protocol === 'https:' ? { ca: target.ca } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolvePromise(status);
          else reject(new Error(`the coordinator answered ${status}: ${text.slice(0, 300)}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within the timeout')));
    req.on('error', reject);
    req.end(body);
  }).catch((e: Error) =>
    fail('REPORT_FAILED', `reporting to ${target.url} failed: ${e.message}`),
  ) as Promise<number>;
}
