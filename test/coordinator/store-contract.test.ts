/** One store contract, run against SQLite and PostgreSQL. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { verifyChain } from '../../src/audit/chain.js';
import { isRolloverError } from '../../src/shared/errors.js';
import { rawDb } from '../../src/store/raw.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { Store } from '../../src/store/store.js';
import { tempDir } from '../kit/tmp.js';
import { BACKENDS, pgSchemaConfig } from './stores.js';

const NOW = '2026-11-27T10:00:00Z';

for (const backend of BACKENDS) {
  describe(`the store on ${backend.name}`, () => {
    test('a row written is read back, listed, updated and removed', async () => {
      const store = await Store.open(backend.config(), generateMasterKey());
      try {
        const lb = await store.insert('load_balancers', { name: 'edge', kind: 'builtin', created_at: NOW });
        assert.match(lb.id, /^lb_/);
        assert.deepEqual(await store.get('load_balancers', lb.id), lb);
        assert.deepEqual(
          (await store.list('load_balancers')).map((r) => r.name),
          ['edge'],
        );
        assert.equal(await store.update('load_balancers', lb.id, { kind: 'haproxy' }), true);
        assert.equal((await store.get('load_balancers', lb.id))?.kind, 'haproxy');
        assert.equal(await store.remove('load_balancers', lb.id), true);
        assert.equal(await store.get('load_balancers', lb.id), undefined);
        assert.equal(await store.remove('load_balancers', lb.id), false);
      } finally {
        await store.close();
      }
    });

    test('a duplicate name is refused as NAME_TAKEN and the first row stays', async () => {
      const store = await Store.open(backend.config(), generateMasterKey());
      try {
        await store.insert('tenants', {
          name: 'acme',
          virtual_server_id: null,
          operating_model: 'customer-managed',
          customer_organisation: 'Acme',
          created_at: NOW,
        });
        await assert.rejects(
          store.insert('tenants', {
            name: 'acme',
            virtual_server_id: null,
            operating_model: 'provider-managed',
            customer_organisation: 'Other',
            created_at: NOW,
          }),
          (e) => isRolloverError(e, 'NAME_TAKEN'),
        );
        const rows = await store.list('tenants');
        assert.equal(rows.length, 1);
        assert.equal(rows[0]?.customer_organisation, 'Acme');
      } finally {
        await store.close();
      }
    });

    test('removing a load balancer that a virtual server uses is refused as STILL_IN_USE', async () => {
      const store = await Store.open(backend.config(), generateMasterKey());
      try {
        const lb = await store.insert('load_balancers', { name: 'edge', kind: 'builtin', created_at: NOW });
        await store.insert('virtual_servers', {
          lb_id: lb.id,
          name: 'www',
          hosts: '["www.test"]',
          listen: '0.0.0.0:443',
          backends: '[]',
          active_credential_id: null,
          staged_credential_id: null,
          activate_at: null,
          preview_listen: null,
          created_at: NOW,
        });
        await assert.rejects(store.remove('load_balancers', lb.id), (e) =>
          isRolloverError(e, 'STILL_IN_USE'),
        );
        assert.ok(await store.get('load_balancers', lb.id));
      } finally {
        await store.close();
      }
    });

    test('a transaction that throws leaves nothing behind, audit included', async () => {
      const store = await Store.open(backend.config(), generateMasterKey());
      try {
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.insert('load_balancers', { name: 'edge', kind: 'builtin', created_at: NOW });
            await tx.append(facts('lb.add'));
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal((await store.list('load_balancers')).length, 0);
        assert.equal((await store.auditEvents()).length, 0);
        assert.equal(await store.auditHead(), undefined);
      } finally {
        await store.close();
      }
    });

    test('a private key is sealed at rest and opens only for its own row', async () => {
      const store = await Store.open(backend.config(), generateMasterKey());
      try {
        // Not a key: a PEM-shaped string, built so no key-like block stands in the source.
        const dashes = '-'.repeat(5);
        const pem = `${dashes}BEGIN PRIVATE KEY${dashes}\nMIGHAgEAMBMG\n${dashes}END PRIVATE KEY${dashes}\n`;
        const id = 'cred_test1';
        await store.insert('credentials', {
          id,
          name: 'www-2026',
          chain_pem: 'chain',
          root_pem: 'root',
          key_sealed: store.sealKey('credentials', id, pem),
          fingerprint: 'ab',
          not_after: NOW,
          created_at: NOW,
        });
        const raw = (await store.get('credentials', id))!;
        assert.ok(!raw.key_sealed.includes('PRIVATE KEY'));
        assert.ok(!raw.key_sealed.includes('MIGHAgEAMBMG'));
        assert.equal(await store.privateKeyPem('credentials', id), pem);
        // The same sealed value copied into another row does not open there.
        await store.insert('credentials', {
          id: 'cred_test2',
          name: 'copy',
          chain_pem: 'chain',
          root_pem: 'root',
          key_sealed: raw.key_sealed,
          fingerprint: 'cd',
          not_after: NOW,
          created_at: NOW,
        });
        await assert.rejects(store.privateKeyPem('credentials', 'cred_test2'), (e) =>
          isRolloverError(e, 'WRONG_MASTER_KEY'),
        );
      } finally {
        await store.close();
      }
    });

    test('audit events chain in order and verify', async () => {
      const store = await Store.open(backend.config(), generateMasterKey());
      try {
        await store.append(facts('a'));
        await Promise.all([store.append(facts('b')), store.append(facts('c')), store.append(facts('d'))]);
        const rows = await store.auditEvents();
        assert.deepEqual(
          rows.map((r) => r.seq),
          [1, 2, 3, 4],
        );
        const verdict = verifyChain(store.auditKey(), rows, await store.auditHead());
        assert.equal(verdict.ok, true, JSON.stringify(verdict.problems));
      } finally {
        await store.close();
      }
    });

    test('many rows go in together, and one duplicate among them leaves none inside a transaction', async () => {
      const store = await Store.open(backend.config(), generateMasterKey());
      try {
        const lbRow = (name: string) => ({ name, kind: 'builtin', created_at: NOW });
        const many = Array.from({ length: 1203 }, (_, i) => lbRow(`lb-${i}`));
        assert.equal((await store.insertMany('load_balancers', many)).length, 1203);
        assert.equal((await store.list('load_balancers')).length, 1203);
        const batch = [...Array.from({ length: 700 }, (_, i) => lbRow(`new-${i}`)), lbRow('lb-5')];
        await assert.rejects(
          store.transaction((tx) => tx.insertMany('load_balancers', batch)),
          (e) => isRolloverError(e, 'NAME_TAKEN'),
        );
        assert.equal(
          (await store.list('load_balancers')).length,
          1203,
          'the first 500 new rows were rolled back',
        );
      } finally {
        await store.close();
      }
    });

    test('an invitation can be marked used only once', async () => {
      const store = await Store.open(backend.config(), generateMasterKey());
      try {
        const inv = await store.insert('invitations', {
          token_hash: 'h1',
          role: 'sender-admin',
          scope_id: 'snd_x',
          organisation: 'Acme',
          email: null,
          created_by: 'usr_x',
          created_at: NOW,
          expires_at: NOW,
          used_at: null,
        });
        const results = await Promise.all([
          store.people.consumeInvitation(inv.id, NOW),
          store.people.consumeInvitation(inv.id, NOW),
        ]);
        assert.deepEqual(results.sort(), [false, true]);
      } finally {
        await store.close();
      }
    });
  });
}

test('a SQLite store reopened with its key keeps its data, and a wrong key is refused untouched', async () => {
  const file = join(tempDir(), 'rollover.db');
  const key = generateMasterKey();
  const first = await Store.open({ kind: 'sqlite', file }, key);
  await first.insert('load_balancers', { name: 'edge', kind: 'builtin', created_at: NOW });
  await first.append(facts('lb.add'));
  await first.close();

  await assert.rejects(Store.open({ kind: 'sqlite', file }, generateMasterKey()), (e) =>
    isRolloverError(e, 'WRONG_MASTER_KEY'),
  );

  const again = await Store.open({ kind: 'sqlite', file }, key);
  try {
    assert.deepEqual(
      (await again.list('load_balancers')).map((r) => r.name),
      ['edge'],
    );
    assert.equal((await again.auditEvents()).length, 1);
  } finally {
    await again.close();
  }
});

test('a PostgreSQL schema reopened with a wrong key is refused', async () => {
  const config = pgSchemaConfig();
  const first = await Store.open(config, generateMasterKey());
  await first.insert('load_balancers', { name: 'edge', kind: 'builtin', created_at: NOW });
  await first.close();
  await assert.rejects(Store.open(config, generateMasterKey()), (e) =>
    isRolloverError(e, 'WRONG_MASTER_KEY'),
  );
});

function facts(action: string) {
  return {
    at: NOW,
    actor: 'usr_1',
    role: 'lb-admin',
    organisation: 'provider',
    action,
    targetKind: 'lb',
    targetId: 'lb_1',
    change: '{}',
  };
}

test('a store first migrated by Kysely’s own migrator is taken over without re-running its migrations', async () => {
  const file = join(tempDir(), 'old.db');
  const { default: Sqlite } = await import('better-sqlite3');
  const { Kysely, SqliteDialect, sql } = await import('kysely');
  const { MIGRATIONS } = await import('../../src/store/migrations.js');
  // biome-ignore lint/suspicious/noExplicitAny: a database before its types exist
  const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new Sqlite(file) }) });
  await MIGRATIONS['0001_initial']!.up(old);
  await sql`create table kysely_migration (name varchar(255) primary key, timestamp varchar(255) not null)`.execute(
    old,
  );
  await sql`insert into kysely_migration values ('0001_initial', '2026-11-27T10:00:00Z')`.execute(old);
  await old.destroy();

  const store = await Store.open({ kind: 'sqlite', file }, generateMasterKey());
  try {
    const applied = await sql<{ name: string }>`select name from rollover_migrations order by name`.execute(
      rawDb(store),
    );
    assert.deepEqual(
      applied.rows.map((r) => r.name),
      Object.keys(MIGRATIONS).sort(),
    );
  } finally {
    await store.close();
  }
});
