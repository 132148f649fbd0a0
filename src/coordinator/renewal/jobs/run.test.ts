import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRolloverError } from '../../../shared/errors.js';
import type { RenewalEnv } from '../ports.js';
import { runJob } from './run.js';

// Neither case may touch the environment: a payload is checked before anything is loaded.
const env = {} as RenewalEnv;

test('a job with a malformed payload fails with a message naming the job, before touching anything', async () => {
  await assert.rejects(
    runJob(env, {
      id: 'job_1',
      kind: 'stage',
      payload: { renewalId: 'ren_1', sequence: 'one' },
      attempts: 0,
    }),
    (e) =>
      isRolloverError(e, 'INTERNAL') &&
      /job job_1 \(stage\) has a malformed payload/.test((e as Error).message),
  );
  await assert.rejects(
    runJob(env, { id: 'job_2', kind: 'reminder', payload: { renewalId: 'ren_1', sequence: 0 }, attempts: 0 }),
    (e) => isRolloverError(e, 'INTERNAL'),
    'a reminder without its index',
  );
});

test('a job kind that does no work (or is unknown) completes at once', async () => {
  assert.deepEqual(await runJob(env, { id: 'job_1', kind: 'hold', payload: {}, attempts: 0 }), {});
  assert.deepEqual(await runJob(env, { id: 'job_2', kind: 'toString', payload: {}, attempts: 0 }), {});
});
