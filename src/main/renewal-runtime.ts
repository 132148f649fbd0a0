/**
 * The renewal workflow's settings (read from the environment) and its scheduler (used by the
 * composition root and by tests that run a coordinator in-process).
 */

import { readFileSync } from 'node:fs';
import pg from 'pg';
import { watchSenderStatus } from '../coordinator/renewal/jobs/status-watch.js';
import type { RenewalEnv } from '../coordinator/renewal/ports.js';
import { advisoryLock, type Leadership, Scheduler, singleProcess } from '../coordinator/renewal/scheduler.js';
import type { SmtpSettings } from '../notify/mail.js';
import { type OutboundPolicy, outboundPolicyFromEnv } from '../notify/outbound.js';
import { DEFAULT_TIMING, type TimingPolicy } from '../renewal/timing.js';
import { parseDuration } from '../shared/duration.js';
import { fail } from '../shared/errors.js';

/** Settings of the workflow. */
export interface RenewalSettings {
  timing: TimingPolicy;
  linkTtlMs: number;
  proposeDaysAhead: number;
  tickMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  smtp?: SmtpSettings | undefined;
  /** The operator's rule for webhooks and every other stored URL the coordinator posts to (default: HTTPS to public addresses). */
  outbound?: OutboundPolicy | undefined;
}

/** Reads ROLLOVER_MIN_LEAD, ROLLOVER_GATE_LEAD, ROLLOVER_POSTPONE_CUTOFF, ROLLOVER_REMINDERS, ROLLOVER_SMTP_URL (or _HOST/_PORT/_FROM, and _CA)… */
export function renewalSettingsFromEnv(e: Record<string, string | undefined>): RenewalSettings {
  const dur = (name: string, dflt: number) => (e[name] ? parseDuration(e[name]!) : dflt);
  let smtp: RenewalSettings['smtp'];
  if (e.ROLLOVER_SMTP_URL) {
    let u: URL;
    try {
      u = new URL(e.ROLLOVER_SMTP_URL);
    } catch {
      return fail('BAD_ARGUMENT', 'ROLLOVER_SMTP_URL is not a URL: smtp://HOST:PORT?from=ADDRESS');
    }
    smtp = {
      host: u.hostname,
      port: Number(u.port || (u.protocol === 'smtps:' ? 465 : 25)),
      from: u.searchParams.get('from') ?? e.ROLLOVER_SMTP_FROM ?? 'rollover@localhost',
      secure: u.protocol === 'smtps:',
      ...(u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : {}),
    };
  } else if (e.ROLLOVER_SMTP_HOST) {
    smtp = {
      host: e.ROLLOVER_SMTP_HOST,
      port: Number(e.ROLLOVER_SMTP_PORT ?? 25),
      from: e.ROLLOVER_SMTP_FROM ?? 'rollover@localhost',
    };
  }
  if (smtp && e.ROLLOVER_SMTP_CA) {
    try {
      smtp.ca = readFileSync(e.ROLLOVER_SMTP_CA, 'utf8');
    } catch (x) {
      return fail(
        'BAD_ARGUMENT',
        `ROLLOVER_SMTP_CA: cannot read ${e.ROLLOVER_SMTP_CA}: ${(x as Error).message}`,
      );
    }
  }
  return {
    timing: {
      minLeadMs: dur('ROLLOVER_MIN_LEAD', DEFAULT_TIMING.minLeadMs),
      gateLeadMs: dur('ROLLOVER_GATE_LEAD', DEFAULT_TIMING.gateLeadMs),
      postponeCutoffMs: dur('ROLLOVER_POSTPONE_CUTOFF', DEFAULT_TIMING.postponeCutoffMs),
      reminderOffsetsMs: e.ROLLOVER_REMINDERS
        ? e.ROLLOVER_REMINDERS.split(',').map((x) => parseDuration(x.trim()))
        : DEFAULT_TIMING.reminderOffsetsMs,
    },
    linkTtlMs: dur('ROLLOVER_LINK_TTL', parseDuration('60d')),
    proposeDaysAhead: Number(e.ROLLOVER_PROPOSE_DAYS ?? 30),
    outbound: outboundPolicyFromEnv(e),
    tickMs: dur('ROLLOVER_SCHEDULER_TICK', 1000),
    retryBaseMs: dur('ROLLOVER_RETRY_BASE', 2000),
    retryMaxMs: dur('ROLLOVER_RETRY_MAX', parseDuration('10m')),
    smtp,
  };
}

/** A running workflow: its scheduler. */
export interface RenewalRuntime {
  scheduler: Scheduler;
  stop(): Promise<void>;
}

/**
 * Starts the scheduler over an environment built by buildCoordinatorEnv; every renewal change wakes
 * it. `pgUrl`/`pgSchema`, given when the store is on PostgreSQL, select advisory-lock leadership (one
 * leader per database); without them this process leads alone. Stopping closes the mail sender too.
 */
export async function startRenewalRuntime(
  env: RenewalEnv,
  o: {
    tickMs: number;
    pgUrl?: string | undefined;
    pgSchema?: string | undefined;
    log?: ((line: string) => void) | undefined;
    autoStart?: boolean;
  },
): Promise<RenewalRuntime> {
  const leadership: Leadership = o.pgUrl
    ? advisoryLock(async () => {
        const c = new pg.Client({
          connectionString: o.pgUrl,
          ...(o.pgSchema ? { options: `-c search_path=${o.pgSchema}` } : {}),
        });
        await c.connect();
        c.on('error', () => undefined);
        return c as unknown as {
          query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
          end(): Promise<void>;
        };
      }, o.pgSchema ?? 'public')
    : singleProcess;
  const scheduler = new Scheduler(env, leadership, o.tickMs, o.log);
  // A change may move a sender's derived status: a pass over the webhook tenants' senders follows.
  const unsubscribe = env.renewal.subscribe((id) => {
    watchSenderStatus(env, id).then(
      () => scheduler.wake(),
      (e: unknown) => o.log?.(`renewal ${id}: could not schedule the sender status pass: ${String(e)}`),
    );
  });
  if (o.autoStart !== false) scheduler.start();
  return {
    scheduler,
    async stop() {
      unsubscribe();
      await scheduler.stop();
      env.renewal.mail?.close();
    },
  };
}
