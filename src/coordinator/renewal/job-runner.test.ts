import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeJobQueue } from '../ports/fakes.js';
import { failureBackoffMs, runDueJobs } from './job-runner.js';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

test('due jobs run once each: done, retried when asked, backed off when they throw; later ones wait', async () => {
  const q = new FakeJobQueue();
  await q.schedule('stage', { n: 1 }, iso(T0 - 2000), 'a');
  await q.schedule('verify', { n: 2 }, iso(T0 - 1000), 'b');
  await q.schedule('retire', { n: 3 }, iso(T0), 'c');
  await q.schedule('gate', { n: 4 }, iso(T0 + 1), 'later');
  const ran: string[] = [];
  const lines: string[] = [];
  await runDueJobs({
    queue: q,
    clock: { now: () => T0 },
    by: 'sched_1',
    log: (l) => lines.push(l),
    stopped: () => false,
    run: async (job) => {
      ran.push(job.kind);
      if (job.kind === 'verify') return { retryInMs: 5000 };
      if (job.kind === 'retire') throw new Error('node down');
      return {};
    },
  });
  assert.deepEqual(ran, ['stage', 'verify', 'retire'], 'each due job ran once, earliest first');
  const by = Object.fromEntries(q.rows.map((j) => [j.key, j]));
  assert.deepEqual([by.a!.state, by.a!.attempts], ['done', 1]);
  assert.deepEqual([by.b!.state, by.b!.attempts, by.b!.runAt], ['pending', 1, iso(T0 + 5000)]);
  assert.deepEqual(
    [by.c!.state, by.c!.attempts, by.c!.lastError, by.c!.runAt],
    ['pending', 1, 'node down', iso(T0 + failureBackoffMs(0))],
  );
  assert.equal(by.later!.state, 'pending');
  assert.equal(by.later!.attempts, 0, 'a job not yet due did not run');
  assert.match(lines.join('\n'), /job retire job_3 failed: node down/);
});

test('a job another scheduler claimed first is skipped, and a stop ends the rounds', async () => {
  const q = new FakeJobQueue();
  await q.schedule('stage', {}, iso(T0), 'a');
  await q.schedule('gate', {}, iso(T0), 'b');
  const ran: string[] = [];
  await runDueJobs({
    queue: q,
    clock: { now: () => T0 },
    by: 'sched_1',
    log: () => undefined,
    stopped: () => false,
    run: async (job) => {
      ran.push(job.kind);
      // While the first runs, another scheduler takes the second.
      if (job.kind === 'stage') await q.claim(q.rows[1]!.id, 'sched_2');
      return {};
    },
  });
  assert.deepEqual(ran, ['stage']);
  assert.equal(q.rows[1]!.lockedBy, 'sched_2');

  const q2 = new FakeJobQueue();
  await q2.schedule('stage', {}, iso(T0), 'a');
  let runs = 0;
  await runDueJobs({
    queue: q2,
    clock: { now: () => T0 },
    by: 's',
    log: () => undefined,
    stopped: () => true,
    run: async () => {
      runs++;
      return {};
    },
  });
  assert.equal(runs, 0, 'a stopped scheduler runs nothing');
});

test('a job that keeps asking to run again now is run at most 20 times per pass', async () => {
  const q = new FakeJobQueue();
  await q.schedule('verify', {}, iso(T0), 'v');
  let runs = 0;
  await runDueJobs({
    queue: q,
    clock: { now: () => T0 },
    by: 's',
    log: () => undefined,
    stopped: () => false,
    run: async () => {
      runs++;
      return { retryInMs: 0 };
    },
  });
  assert.equal(runs, 20);
});

test('failure backoff doubles from half a second and stops at a minute', () => {
  assert.deepEqual(
    [0, 1, 2, 6, 7, 8, 30].map(failureBackoffMs),
    [500, 1000, 2000, 32_000, 60_000, 60_000, 60_000],
  );
});
