/** Jobs in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { Job, JobKind, JobQueue } from '../job-queue.js';

/** A job row in {@link FakeJobQueue}. */
export interface FakeJob {
  id: string;
  kind: string;
  key: string;
  payload: Record<string, unknown>;
  runAt: string;
  state: 'pending' | 'running' | 'done';
  attempts: number;
  lockedBy: string | null;
  lastError: string | null;
}

/** Jobs in an array. */
export class FakeJobQueue implements JobQueue {
  rows: FakeJob[] = [];
  private next = 0;

  async schedule(kind: JobKind, payload: Record<string, unknown>, runAt: string, key: string) {
    if (this.rows.some((j) => j.key === key)) return;
    this.rows.push({
      id: `job_${++this.next}`,
      kind,
      key,
      payload: structuredClone(payload),
      runAt,
      state: 'pending',
      attempts: 0,
      lockedBy: null,
      lastError: null,
    });
  }
  async rearm(key: string, payload: Record<string, unknown>, runAt: string) {
    const j = this.rows.find((x) => x.key === key && x.state !== 'running');
    if (!j) return false;
    Object.assign(j, { state: 'pending', runAt, payload: structuredClone(payload) });
    return true;
  }
  async releaseRunning() {
    for (const j of this.rows)
      if (j.state === 'running') Object.assign(j, { state: 'pending', lockedBy: null });
  }
  async due(now: string, limit: number): Promise<Job[]> {
    return this.rows
      .filter((j) => j.state === 'pending' && j.runAt <= now)
      .sort((a, b) => a.runAt.localeCompare(b.runAt))
      .slice(0, limit)
      .map((j) => ({ id: j.id, kind: j.kind, payload: structuredClone(j.payload), attempts: j.attempts }));
  }
  async claim(id: string, by: string) {
    const j = this.rows.find((x) => x.id === id && x.state === 'pending');
    if (!j) return false;
    Object.assign(j, { state: 'running', lockedBy: by });
    return true;
  }
  async finish(id: string, attempts: number, retryAt?: string) {
    const j = this.rows.find((x) => x.id === id);
    if (!j) return;
    Object.assign(
      j,
      retryAt !== undefined
        ? { state: 'pending', lockedBy: null, attempts, runAt: retryAt }
        : { state: 'done', lockedBy: null, attempts },
    );
  }
  async failed(id: string, attempts: number, error: string, retryAt: string) {
    const j = this.rows.find((x) => x.id === id);
    if (j) Object.assign(j, { state: 'pending', lockedBy: null, attempts, lastError: error, runAt: retryAt });
  }
}
