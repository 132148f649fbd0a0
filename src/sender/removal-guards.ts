/** The checks `truststore remove` runs before writing: a live handshake, and the renewal's status. */
import http from 'node:http';
import https from 'node:https';
import { readFileChecked } from '../files/atomic.js';
import { fail } from '../shared/errors.js';
import type { RemovalGuard } from '../truststore/operations.js';
import { removalDecision } from '../truststore/removal-policy.js';
import { handshake } from './handshake.js';
import { parseTlsUrl } from './url.js';

/** Refuses a removal after which the server at `url` would no longer be trusted. */
export function keepsTrustingGuard(
  url: string,
  servername: string | undefined,
  timeoutMs: number,
): RemovalGuard {
  const { host, port } = parseTlsUrl(url);
  return async (removed, remaining) => {
    const r = await handshake({
      host,
      port,
      ...(servername ? { servername } : {}),
      anchors: remaining,
      timeoutMs,
    });
    if (!r.ok) {
      fail(
        'REMOVAL_UNSAFE',
        `after removing ${removed.map((e) => `"${e.alias}"`).join(', ')}, ${url} would no longer be trusted: ${r.failure?.reason}`,
        { url, code: r.failure?.code },
      );
    }
  };
}

function getText(url: URL, timeoutMs: number): Promise<string> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolvePromise, reject) => {
    const req = mod.get(url, { timeout: timeoutMs, headers: { accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () =>
        (res.statusCode ?? 0) < 300 ? resolvePromise(text) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
    });
    req.on('timeout', () => req.destroy(new Error('no answer')));
    req.on('error', reject);
  });
}

/** Reads and validates a renewal status from a URL or a file. */
export async function loadRenewalStatus(source: string, timeoutMs: number) {
  let text: string;
  if (/^https?:\/\//.test(source)) {
    try {
      text = await getText(new URL(source), timeoutMs);
    } catch (e) {
      return fail(
        'CONNECT_FAILED',
        `the renewal status at ${source} could not be read: ${(e as Error).message}`,
      );
    }
  } else text = (await readFileChecked(source)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('BAD_ARGUMENT', `the renewal status from ${source} is not JSON`);
  }
  const { RenewalStatusSchema } = await import('../api/contract/renewal-status.js');
  const parsed = RenewalStatusSchema.safeParse(json);
  if (!parsed.success) {
    fail(
      'BAD_ARGUMENT',
      `the renewal status from ${source} lacks what is needed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/** The status URL asking for `sender`'s verdict (a file, a link status or a URL with a sender stays as it is). */
export function withSender(source: string, sender: string | undefined): string {
  if (!sender || !/^https?:\/\//.test(source)) return source;
  const u = new URL(source);
  if (u.searchParams.has('sender') || /\/links\/[^/]+\/status\.json$/.test(u.pathname)) return source;
  u.searchParams.set('sender', sender);
  return u.toString();
}

/** What the renewal guard found, for the removal record. */
export interface RenewalCheck {
  state: string;
  safeRemovalAt: string;
  forced: boolean;
  reason: string;
}

/**
 * Refuses removing a root the renewal still needs, unless forced with a reason. `record` receives
 * what was decided, for the removal record.
 */
export function renewalStatusGuard(
  source: string,
  opts: {
    now: Date;
    force: boolean;
    timeoutMs: number;
    record: (c: RenewalCheck) => void;
    /** The sender removing: asks the coordinator for its verdict (`?sender=ID`) when the URL names none. */
    sender?: string | undefined;
  },
): RemovalGuard {
  return async (removed) => {
    const s = await loadRenewalStatus(withSender(source, opts.sender), opts.timeoutMs);
    if (s.sender && opts.sender && s.sender.id !== opts.sender)
      fail('BAD_ARGUMENT', `the renewal status speaks for sender ${s.sender.id}, not ${opts.sender}`);
    const d = removalDecision(
      removed.map((e) => e.cert.sha256),
      { ...s, exchangeAt: new Date(s.exchangeAt), safeRemovalAt: new Date(s.safeRemovalAt) },
      opts.now,
    );
    opts.record({ state: s.state, safeRemovalAt: s.safeRemovalAt, forced: !d.ok, reason: d.reason });
    if (!d.ok && !opts.force) {
      fail(
        'REMOVAL_UNSAFE',
        `${d.reason}. ${s.sender?.removal.from ? `Wait until ${s.sender.removal.from}` : s.sender ? 'Do what the renewal page says first' : `Wait until ${s.safeRemovalAt}`}, or override it with a reason`,
        {
          field: 'force',
          safeRemovalAt: s.safeRemovalAt,
          state: s.state,
        },
      );
    }
  };
}
