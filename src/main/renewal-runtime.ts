/**
 * Assembling the renewal workflow's ports and its scheduler (used by the composition root and by
 * tests that run a coordinator in-process), and reading its settings from the environment.
 */
import pg from 'pg';
import { observeLeaf } from '../adapters/observe.js';
import type { CoordinatorEnv } from '../coordinator/env.js';
import { routedNodeControl } from '../coordinator/remote-nodes.js';
import { loadAnnouncementKey } from '../coordinator/renewal/announcement-key.js';
import { ChangeFeed } from '../coordinator/renewal/change-feed.js';
import { httpNodeControl, type NodeControl } from '../coordinator/renewal/node-control.js';
import type { RenewalEnv, RenewalPorts } from '../coordinator/renewal/ports.js';
import { advisoryLock, type Leadership, Scheduler, singleProcess } from '../coordinator/renewal/scheduler.js';
import { type MailSender, smtpMailSender } from '../notify/mail.js';
import { postWebhook } from '../notify/webhook.js';
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
  smtp?:
    | { host: string; port: number; from: string; user?: string; pass?: string; secure?: boolean }
    | undefined;
}

/** Reads ROLLOVER_MIN_LEAD, ROLLOVER_GATE_LEAD, ROLLOVER_POSTPONE_CUTOFF, ROLLOVER_REMINDERS, ROLLOVER_SMTP_URL (or _HOST/_PORT/_FROM)… */
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
    tickMs: dur('ROLLOVER_SCHEDULER_TICK', 1000),
    retryBaseMs: dur('ROLLOVER_RETRY_BASE', 2000),
    retryMaxMs: dur('ROLLOVER_RETRY_MAX', parseDuration('10m')),
    smtp,
  };
}

/** A running workflow: its ports (for buildApi) and scheduler. */
export interface RenewalRuntime {
  ports: RenewalPorts;
  scheduler: Scheduler;
  stop(): Promise<void>;
}

/** Builds the ports and starts the scheduler. `pgUrl`/`pgSchema` select advisory-lock leadership. */
export async function startRenewalRuntime(
  env: CoordinatorEnv,
  s: RenewalSettings,
  o: {
    pgUrl?: string | undefined;
    pgSchema?: string | undefined;
    mail?: MailSender;
    nodes?: NodeControl;
    log?: (line: string) => void;
    autoStart?: boolean;
  } = {},
): Promise<RenewalRuntime> {
  const feed = new ChangeFeed();
  const mail = o.mail ?? (s.smtp ? smtpMailSender(s.smtp) : undefined);
  let scheduler: Scheduler | undefined;
  const ports: RenewalPorts = {
    timing: s.timing,
    linkTtlMs: s.linkTtlMs,
    proposeDaysAhead: s.proposeDaysAhead,
    announcementKey: await loadAnnouncementKey(env.store),
    mail,
    webhook: (p) => postWebhook(p),
    nodes: o.nodes ?? routedNodeControl(env.store, () => env.clock.now(), httpNodeControl),
    observe: (p) => observeLeaf({ ...p, timeoutMs: 3000 }),
    changed: (id, state) => {
      feed.publish(id, state);
      scheduler?.wake();
    },
    subscribe: (fn) => feed.subscribe(fn),
    retryBaseMs: s.retryBaseMs,
    retryMaxMs: s.retryMaxMs,
  };
  const renewalEnv = Object.assign(env, { renewal: ports }) as RenewalEnv;
  const leadership: Leadership =
    env.store.dialect === 'postgres' && o.pgUrl
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
  scheduler = new Scheduler(renewalEnv, leadership, s.tickMs, o.log);
  if (o.autoStart !== false) scheduler.start();
  return {
    ports,
    scheduler,
    async stop() {
      await scheduler!.stop();
      if (!o.mail) mail?.close();
    },
  };
}
