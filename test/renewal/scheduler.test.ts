/**
 * The scheduler: exactly one leader per PostgreSQL (a session advisory lock), another takes over when
 * the holder's connection dies, and jobs a dead holder left running are re-armed by the next leader.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { advisoryLock, Scheduler } from '../../src/coordinator/renewal/scheduler.js';
import { buildCoordinatorEnv } from '../../src/main/coordinator-env.js';
import { renewalSettingsFromEnv } from '../../src/main/renewal-runtime.js';
import { newId } from '../../src/store/ids.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { Store } from '../../src/store/store.js';
import { pgSchemaConfig } from '../coordinator/stores.js';

test('one scheduler leads on PostgreSQL; another takes over when the leader dies and re-arms its half-done jobs', async () => {
  const config = pgSchemaConfig();
  const store = await Store.open(config, generateMasterKey());
  const env = await buildCoordinatorEnv({
    store,
    provider: 'P',
    renewal: { ...renewalSettingsFromEnv({}), smtp: undefined },
  });
  const clients: pg.Client[] = [];
  const lock = () =>
    advisoryLock(async () => {
      const c = new pg.Client({ connectionString: config.url });
      await c.connect();
      c.on('error', () => undefined);
      clients.push(c);
      return c as never;
    }, config.schema);
  const a = new Scheduler(env, lock(), 50);
  const b = new Scheduler(env, lock(), 50);
  try {
    await a.tick();
    await b.tick();
    assert.equal(a.isLeader, true);
    assert.equal(b.isLeader, false, 'two schedulers led at once');
    // A job the leader was running when it died (an unknown kind completes as a no-op).
    const id = newId('job');
    await store.insert('jobs', {
      id,
      kind: 'noop',
      payload: '{}',
      run_at: new Date().toISOString(),
      state: 'running',
      attempts: 0,
      locked_by: a.id,
      locked_until: null,
      job_key: `noop:${id}`,
      last_error: null,
    });
    // The leader's process dies: its lock connection closes without a word.
    await clients[0]!.end();
    await b.tick();
    assert.equal(b.isLeader, true, 'nobody took over');
    const job = await store.get('jobs', id);
    assert.ok(job);
    assert.equal(job.state, 'done');
    assert.equal(job.locked_by, null);
    // The old leader's lost connection means it no longer leads.
    await a.tick();
    assert.equal(a.isLeader && b.isLeader, false, 'two leaders after a lost lock connection');
  } finally {
    await a.stop();
    await b.stop();
    await store.close();
  }
});
