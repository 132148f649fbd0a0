import { createHmac, timingSafeEqual } from 'node:crypto';
import { type OutboundPolicy, postOutbound } from './outbound.js';

/** The header that carries a webhook's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'x-rollover-signature';

/** Signs `t.body` with the tenant's webhook secret. */
export function signWebhook(body: string, secret: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** Verifies a webhook signature, refusing one older than `toleranceSeconds` (replay protection). */
export function verifyWebhook(
  body: string,
  header: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !parts.v1) return false;
  const expected = Buffer.from(signWebhook(body, secret, t).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The webhook port's one verb: POST a signed JSON event; resolves when the target answered 2xx. */
export async function postWebhook(p: {
  url: string;
  secret: string;
  event: unknown;
  idempotencyKey: string;
  nowSeconds: number;
  /** Where it may go (scheme, addresses), and the bounds on the answer. */
  policy: OutboundPolicy;
}): Promise<void> {
  const body = JSON.stringify(p.event);
  const res = await postOutbound(
    p.url,
    body,
    {
      'content-type': 'application/json',
      [SIGNATURE_HEADER]: signWebhook(body, p.secret, p.nowSeconds),
      'idempotency-key': p.idempotencyKey,
    },
    p.policy,
  );
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook ${p.url} answered HTTP ${res.status}`);
}
