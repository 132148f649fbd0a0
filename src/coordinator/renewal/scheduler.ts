/**
 * The scheduler: one loop that claims due jobs and delivers due notifications. Exactly one runs at a
 * time — on PostgreSQL the holder of a session advisory lock (another process takes over when the
 * holder's connection dies), on SQLite the one process. Jobs live in the store, so a restart re-arms
 * them: rows left "running" by a dead holder are made pending again when leadership is taken.
 */
import { randomBytes } from 'node:crypto';
import { runDueJobs } from './job-runner.js';
import { runJob } from './jobs/run.js';
import { deliverDue } from './outbox.js';
import type { RenewalEnv } from './ports.js';

/** Decides who runs the scheduler: `acquire` is tried every tick until it answers true. */
export interface Leadership {
  acquire(): Promise<boolean>;
  release(): Promise<void>;
}

/** SQLite: a single process owns the store, so it leads. */
export const singleProcess: Leadership = { acquire: async () => true, release: async () => undefined };

/** The advisory-lock key (a fixed 64-bit number: "rollover scheduler"). */
export const SCHEDULER_LOCK = 0x726f6c6c6f766572n;

/**
 * PostgreSQL: a dedicated connection holding `pg_try_advisory_lock`. When the process dies its
 * connection closes and the lock is free for the next server's tick.
 */
export function advisoryLock(
  connect: () => Promise<{
    query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
    end(): Promise<void>;
  }>,
  /** The schema the store lives in: advisory locks are per database, so deployments in other schemas of
   * the same database must not share the lock. */
  scope = 'public',
): Leadership {
  let client: Awaited<ReturnType<typeof connect>> | undefined;
  let held = false;
  return {
    async acquire() {
      try {
        if (held && client) {
          // Still holding? A lost connection means the lock is gone (and maybe someone else's now).
          await client.query('select 1');
          return true;
        }
        client ??= await connect();
        const r = await client.query('select pg_try_advisory_lock($1::int, $2::int) as ok', [
          Number(SCHEDULER_LOCK >> 32n),
          scopeKey(scope),
        ]);
        held = r.rows[0]?.ok === true;
      } catch {
        await client?.end().catch(() => undefined);
        client = undefined;
        held = false;
      }
      return held;
    },
    async release() {
      held = false;
      await client?.end().catch(() => undefined);
      client = undefined;
    },
  };
}

/** A 32-bit key for a schema name (FNV-1a), as the second half of the two-key advisory lock. */
export function scopeKey(scope: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(scope, 'utf8')) h = Math.imul(h ^ ch, 0x01000193);
  return h | 0;
}

/** The running scheduler. */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private leading = false;
  private again = false;
  /** This process's name in the jobs' locked_by column. */
  readonly id = `sched_${randomBytes(6).toString('hex')}`;

  constructor(
    private readonly env: RenewalEnv,
    private readonly leadership: Leadership,
    private readonly tickMs = 1000,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** Starts ticking. */
  start(): void {
    this.arm(0);
  }

  /** True while this process runs the scheduler. */
  get isLeader(): boolean {
    return this.leading;
  }

  /** Runs a tick soon (after a change that created due work). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.arm(0);
  }

  private arm(ms: number) {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().finally(() => {
        this.running = undefined;
        const soon = this.again;
        this.again = false;
        this.arm(soon ? 0 : this.tickMs);
      });
    }, ms);
  }

  /** One pass: take leadership if free, run due jobs, deliver due notifications. */
  async tick(): Promise<void> {
    try {
      if (!(await this.leadership.acquire())) {
        this.leading = false;
        return;
      }
      if (!this.leading) {
        this.leading = true;
        // Re-arm what a previous holder left half-done.
        await this.env.store.jobs.releaseRunning();
        this.log(`scheduler ${this.id} leads`);
      }
      await runDueJobs({
        queue: this.env.store.jobs,
        clock: this.env.clock,
        by: this.id,
        run: (job) => runJob(this.env, job),
        log: this.log,
        stopped: () => this.stopped,
      });
      await deliverDue(this.env);
    } catch (e) {
      this.log(`scheduler tick failed: ${(e as Error).message}`);
    }
  }

  /** Stops ticking, waits for the current pass, and gives up leadership. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.leading = false;
    await this.leadership.release();
  }
}
