/**
 * Every request the coordinator sends to a URL someone stored (webhooks): `https:` only (`http:` when
 * the operator allows it), never to a loopback, link-local, private or otherwise special address
 * unless the operator allow-lists it, the name resolved once and the checked address connected to
 * (no second lookup a DNS answer could change), no redirects followed, the answer bounded in size
 * and time. The same check runs when a URL is stored (a clear URL_REFUSED) and again at delivery.
 */
import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { fail } from '../shared/errors.js';
import { addressMatches, blockProblem } from '../shared/ip.js';

/** The operator's rule for outbound requests. */
export interface OutboundPolicy {
  /** Allow `http:` as well as `https:` (ROLLOVER_OUTBOUND_ALLOW_HTTP=true). */
  allowHttp: boolean;
  /** CIDR blocks or addresses allowed although special (ROLLOVER_OUTBOUND_ALLOW=127.0.0.0/8,10.1.0.0/16). */
  allow: readonly string[];
  /** Time for the whole exchange (default 10 s). */
  timeoutMs?: number;
  /** The most of an answer read (default 64 KiB); a longer answer is refused. */
  maxResponseBytes?: number;
}

/** The default: HTTPS to public addresses only. */
export const STRICT_OUTBOUND: OutboundPolicy = { allowHttp: false, allow: [] };

/** Address ranges no outbound request goes to unless allow-listed (RFC 6890 special-purpose and private). */
const SPECIAL: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b::', 96, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];
const special = new BlockList();
for (const [net, bits, type] of SPECIAL) special.addSubnet(net, bits, type);

/** Refuses (BAD_ARGUMENT, naming the entry and why) an allow-list entry that is not an address or CIDR block. */
function checkAllowList(policy: OutboundPolicy): void {
  for (const entry of policy.allow) {
    const why = blockProblem(entry);
    if (why) {
      fail(
        'BAD_ARGUMENT',
        `ROLLOVER_OUTBOUND_ALLOW: "${entry}" is not an IPv4 or IPv6 address or CIDR block (127.0.0.0/8, 10.1.0.0/16, fd00::/8): ${why}`,
      );
    }
  }
}

/** The address as the family it really is: an IPv4-mapped IPv6 address is its IPv4 address. */
function unmapped(address: string): { address: string; type: 'ipv4' | 'ipv6' } {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (m) return { address: m[1]!, type: 'ipv4' };
  return { address, type: isIP(address) === 4 ? 'ipv4' : 'ipv6' };
}

/** Why `address` may not be connected to, or undefined when it may. */
export function addressRefusal(address: string, policy: OutboundPolicy): string | undefined {
  // Allow-list entries are read as src/shared/ip.ts reads addresses: an IPv4-mapped entry is IPv4.
  if (policy.allow.some((entry) => addressMatches(address, entry))) return undefined;
  const a = unmapped(address);
  if (special.check(a.address, a.type))
    return `${address} is a loopback, link-local, private or reserved address (the operator may allow-list it with ROLLOVER_OUTBOUND_ALLOW)`;
  return undefined;
}

function refuse(url: string, why: string): never {
  return fail('URL_REFUSED', `the URL ${JSON.stringify(url.slice(0, 200))} is refused: ${why}`, {
    reason: why,
  });
}

/**
 * Checks a URL when it is stored: scheme, no user name or password, and — when the host is an
 * address literal — the address. Names are checked again at every delivery, after resolving.
 */
export function checkOutboundUrl(text: string, policy: OutboundPolicy): URL {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return refuse(text, 'it is not an absolute URL');
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && policy.allowHttp)) {
    refuse(text, `${u.protocol} is not allowed: use https:${policy.allowHttp ? ' or http:' : ''}`);
  }
  if (u.username || u.password) refuse(text, 'a user name or password in the URL is not allowed');
  const host = u.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (isIP(host)) {
    const why = addressRefusal(host, policy);
    if (why) refuse(text, why);
  } else if ((host === 'localhost' || host.endsWith('.localhost')) && addressRefusal('127.0.0.1', policy)) {
    refuse(
      text,
      'localhost is a loopback name (the operator may allow-list 127.0.0.0/8 with ROLLOVER_OUTBOUND_ALLOW)',
    );
  }
  return u;
}

/** Resolves the URL's host once and returns the checked address every connection must use. */
async function resolveChecked(u: URL, policy: OutboundPolicy): Promise<{ address: string; family: number }> {
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const found = isIP(host)
    ? [{ address: host, family: isIP(host) }]
    : await lookup(host, { all: true, verbatim: true }).catch(() =>
        fail('CONNECT_FAILED', `the host ${host} of an outbound URL does not resolve`),
      );
  // Every answer must pass: a name that also resolves to a private address is refused outright.
  for (const a of found) {
    const why = addressRefusal(a.address, policy);
    if (why) refuse(u.href, `${host} resolves to ${why}`);
  }
  if (!found[0]) fail('CONNECT_FAILED', `the host ${host} of an outbound URL does not resolve`);
  return found[0];
}

/** The answer to an outbound POST: status and the (bounded) body. */
export interface OutboundAnswer {
  status: number;
  body: string;
}

/** POSTs `body` to a stored URL under `policy`; a redirect, an oversized or a late answer is an error. */
export async function postOutbound(
  url: string,
  body: string,
  headers: Record<string, string>,
  policy: OutboundPolicy,
): Promise<OutboundAnswer> {
  const u = checkOutboundUrl(url, policy);
  const to = await resolveChecked(u, policy);
  const timeoutMs = policy.timeoutMs ?? 10_000;
  const max = policy.maxResponseBytes ?? 64 * 1024;
  // The connection goes to the checked address; Host and TLS name stay the URL's.
  const pinned: LookupFunction = (_host, opts, cb) => {
    if ((opts as { all?: boolean }).all) (cb as never as (e: null, a: unknown[]) => void)(null, [to]);
    else cb(null, to.address, to.family);
  };
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OutboundAnswer>((resolve, reject) => {
    const req = send(
      u,
      {
        method: 'POST',
        lookup: pinned,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        timeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          res.destroy();
          reject(new Error(`${u.host} answered a redirect (HTTP ${status}); redirects are not followed`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > max) {
            res.destroy();
            reject(new Error(`${u.host} answered more than ${max} bytes; the answer was cut off`));
          } else chunks.push(c);
        });
        res.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${u.host} did not answer within ${timeoutMs} ms`)));
    req.on('error', (e) =>
      reject(e.name === 'AbortError' ? new Error(`${u.host} did not answer within ${timeoutMs} ms`) : e),
    );
    req.end(body);
  });
}

/** Reads the operator's outbound policy from ROLLOVER_OUTBOUND_ALLOW_HTTP and ROLLOVER_OUTBOUND_ALLOW. */
export function outboundPolicyFromEnv(e: Record<string, string | undefined>): OutboundPolicy {
  const policy: OutboundPolicy = {
    allowHttp: /^(1|true|yes)$/i.test(e.ROLLOVER_OUTBOUND_ALLOW_HTTP ?? ''),
    allow: (e.ROLLOVER_OUTBOUND_ALLOW ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
  checkAllowList(policy); // refuses a malformed entry at start, not at the first delivery
  return policy;
}
