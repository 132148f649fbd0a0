/**
 * Audit tamper detection on both databases: rows edited, deleted or inserted directly in the
 * database (bypassing the application) are found by the API's verify and by `rollover audit verify`.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import type { StoreConfig } from '../../src/store/open.js';
import { rawDb } from '../../src/store/raw.js';
import { cli } from '../kit/cli.js';
import { startTestCoordinator, type TestCoordinator } from './api-kit.js';
import { BACKENDS } from './stores.js';

async function withEvents(config: StoreConfig): Promise<TestCoordinator> {
  const co = await startTestCoordinator(config);
  for (const name of ['one', 'two', 'three']) {
    const r = await co.call('POST', '/api/v1/lbs', { body: { name, kind: 'builtin' } });
    assert.equal(r.status, 201);
  }
  await co.call('DELETE', '/api/v1/lbs/two');
  return co; // 1 bootstrap + 3 adds + 1 remove = 5 events
}

async function verdict(co: TestCoordinator) {
  const r = await co.call('GET', '/api/v1/audit/verify');
  assert.equal(r.status, 200);
  return r.body as { ok: boolean; events: number; problems: Array<{ seq: number; kind: string }> };
}

const TAMPERS: Array<{
  name: string;
  kind: string;
  seq: number;
  act: (co: TestCoordinator) => Promise<unknown>;
}> = [
  {
    name: 'an edited actor',
    kind: 'edited',
    seq: 3,
    act: (co) =>
      rawDb(co.store).updateTable('audit_events').set({ actor: 'mallory' }).where('seq', '=', 3).execute(),
  },
  {
    name: 'an edited change',
    kind: 'edited',
    seq: 2,
    act: (co) =>
      rawDb(co.store)
        .updateTable('audit_events')
        .set({ change: '{"name":"other"}' })
        .where('seq', '=', 2)
        .execute(),
  },
  {
    name: 'a deleted middle row',
    kind: 'deleted',
    seq: 4,
    act: (co) => rawDb(co.store).deleteFrom('audit_events').where('seq', '=', 4).execute(),
  },
  {
    name: 'a deleted newest row',
    kind: 'deleted',
    seq: 5,
    act: (co) => rawDb(co.store).deleteFrom('audit_events').where('seq', '=', 5).execute(),
  },
  {
    name: 'an inserted row with a plausible hash',
    kind: 'inserted',
    seq: 6,
    act: async (co) => {
      const last = await rawDb(co.store)
        .selectFrom('audit_events')
        .selectAll()
        .where('seq', '=', 5)
        .executeTakeFirstOrThrow();
      const forged = {
        ...last,
        seq: 6,
        action: 'lb.add',
        actor: 'mallory',
        prev_hash: last.hash,
        hash: createHash('sha256').update(`${last.hash}forged`).digest('hex'),
      };
      await rawDb(co.store).insertInto('audit_events').values(forged).execute();
    },
  },
  {
    name: 'rows renumbered to hide a deletion',
    kind: 'edited',
    seq: 2,
    act: async (co) => {
      await rawDb(co.store).deleteFrom('audit_events').where('seq', '=', 2).execute();
      await sql`update audit_events set seq = seq - 1 where seq > 2`.execute(rawDb(co.store));
    },
  },
];

for (const backend of BACKENDS) {
  describe(`audit tamper detection on ${backend.name}`, () => {
    test('an untouched log verifies, through the API and the CLI', async () => {
      const co = await withEvents(backend.config());
      const v = await verdict(co);
      assert.equal(v.ok, true, JSON.stringify(v.problems));
      assert.equal(v.events, 5);
      const r = await cli(['audit', 'verify', '--server', co.url, '--token', co.adminToken]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /5 event\(s\), chain intact/);
    });

    for (const t of TAMPERS) {
      test(`${t.name} is found`, async () => {
        const co = await withEvents(backend.config());
        await t.act(co);
        const v = await verdict(co);
        assert.equal(v.ok, false);
        assert.ok(
          v.problems.some((p) => p.kind === t.kind && p.seq === t.seq),
          `expected ${t.kind} at ${t.seq}, got ${JSON.stringify(v.problems)}`,
        );
        const r = await cli(['audit', 'verify', '--server', co.url, '--token', co.adminToken]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /AUDIT_BROKEN/);
      });
    }
  });
}

test('audit export writes every event as one JSON line, in order', async () => {
  const co = await withEvents({ kind: 'sqlite', file: ':memory:' });
  const r = await cli(['audit', 'export', '--server', co.url, '--token', co.adminToken]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((e) => e.seq),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    lines.map((e) => e.action),
    ['bootstrap', 'lb.add', 'lb.add', 'lb.add', 'lb.remove'],
  );
  assert.equal(lines[1].actor, 'admin');
  assert.equal(lines[1].role, 'lb-admin');
  assert.equal(lines[1].organisation, 'Provider');
  assert.deepEqual(lines[1].change, { name: 'one', kind: 'builtin' });
  const after = await cli(['audit', 'export', '--after', '3', '--server', co.url, '--token', co.adminToken]);
  assert.equal(after.stdout.trim().split('\n').length, 2);
});
