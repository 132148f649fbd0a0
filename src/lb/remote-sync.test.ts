import assert from 'node:assert/strict';
import { test } from 'node:test';
import { appliesTable, tableToApply } from './remote-sync.js';

const now = Date.parse('2026-12-03T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

test('the pulled table: live entries canonical, passed deadlines left out, own automatic entries kept while fallback is on', () => {
  const local = {
    exceptions: [
      {
        cidr: '192.0.2.9/32',
        serve: 'old' as const,
        until: iso(now + 500),
        live: true,
        handshakes: 0,
        auto: true,
      },
      {
        cidr: '192.0.2.1/32',
        serve: 'old' as const,
        until: iso(now + 500),
        live: true,
        handshakes: 0,
        auto: true,
      },
      {
        cidr: '192.0.2.8/32',
        serve: 'old' as const,
        until: iso(now - 1),
        live: false,
        handshakes: 0,
        auto: true,
      },
    ],
  };
  const want = {
    entries: [
      { cidr: '192.0.2.7', serve: 'old' as const, until: iso(now + 1000) },
      { cidr: '192.0.2.6/32', serve: 'old' as const, until: iso(now - 1) },
      { cidr: '198.51.100.0/24', serve: 'new' as const },
      { cidr: '192.0.2.1/32', serve: 'old' as const, until: iso(now + 1000) },
    ],
    autoUntil: iso(now + 2000),
  };
  const t = tableToApply(want, local, now);
  assert.deepEqual(t, {
    entries: [
      { cidr: '192.0.2.7/32', serve: 'old', until: now + 1000 },
      { cidr: '198.51.100.0/24', serve: 'new' },
      { cidr: '192.0.2.1/32', serve: 'old', until: now + 1000 },
      // The node's own entry the table does not name stays; the one it names follows the table.
      { cidr: '192.0.2.9/32', serve: 'old', until: now + 500, auto: true },
    ],
    autoUntil: now + 2000,
  });
  // Fallback off (the coordinator's table at completion): the node's own entries go too.
  assert.deepEqual(tableToApply({ entries: [], autoUntil: null }, local, now), {
    entries: [],
    autoUntil: null,
  });
  // A fallback deadline already passed counts as off.
  assert.equal(tableToApply({ entries: [], autoUntil: iso(now - 1) }, local, now).autoUntil, null);
});

test('the node applies a table when every entry (held past its deadline too) and the fallback deadline match', () => {
  const entry = {
    cidr: '192.0.2.7/32',
    serve: 'old' as const,
    until: iso(now + 1000),
    live: true,
    handshakes: 3,
    auto: false,
  };
  const t = {
    entries: [{ cidr: '192.0.2.7/32', serve: 'old' as const, until: now + 1000 }],
    autoUntil: null,
  };
  assert.equal(appliesTable({ exceptions: [entry], autoGrace: null }, t), true);
  assert.equal(appliesTable({ exceptions: [entry], autoGrace: { until: iso(now + 5) } }, t), false);
  assert.equal(appliesTable({ exceptions: [], autoGrace: null }, t), false);
  assert.equal(
    appliesTable(
      { exceptions: [entry, { ...entry, cidr: '192.0.2.8/32', live: false }], autoGrace: null },
      t,
    ),
    false,
    'an entry past its deadline still held differs from the table sent',
  );
  assert.equal(
    appliesTable({ exceptions: [{ ...entry, until: iso(now + 999) }], autoGrace: null }, t),
    false,
  );
});
