/**
 * The renewal workflow's bad-input corpus, on SQLite and PostgreSQL: each case answers a stable code
 * and leaves the renewal as it was (same state, same steps, same outbox); repeated requests are
 * idempotent.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rawDb } from '../../src/store/raw.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldRoot = await mintRoot('Old Root');
const newRoot = await mintRoot('New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newCred = await mintCredential(newRoot, ['lb.test']);
const wrongHost = await mintCredential(newRoot, ['other.test'], { ips: [] });

for (const backend of BACKENDS) {
  test(`bad input to the renewal workflow answers stable codes and changes nothing (${backend.name})`, {
    timeout: 90_000,
  }, async (t) => {
    const dir = tempDir('rollover-renewal-bad-');
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const w = await buildLandscape(co, dir, oldCred, newCred, 2, 2);
      const { encodeCertificatesPem } = await import('../../src/pki/formats/pem.js');
      const { privateKeyToPem } = await import('../../src/pki/keys.js');
      const bad = await co.call('POST', '/api/v1/credentials', {
        name: 'wrong-host',
        chainPem: encodeCertificatesPem(wrongHost.chain.map((c) => c.der)),
        rootPem: encodeCertificatesPem([wrongHost.root.der]),
        keyPem: privateKeyToPem(wrongHost.key.keyObject),
        hosts: ['other.test'],
      });
      const at = (ms: number) => new Date(Date.now() + ms).toISOString();
      const plan = (over: Record<string, unknown>) => ({
        virtualServerIds: [w.vsId],
        credentialId: w.newCredId,
        exchangeAt: at(60_000),
        ...over,
      });

      // Planning refusals: nothing is created.
      const planCases: Array<[string, Record<string, unknown>, number, string]> = [
        ['T in the past', { exchangeAt: at(-60_000) }, 400, 'BAD_TIME'],
        ['T inside the minimum lead', { exchangeAt: at(1000) }, 400, 'BAD_TIME'],
        ['T not a time', { exchangeAt: 'tomorrow' }, 400, 'BAD_TIME'],
        ['T not on the calendar', { exchangeAt: '2027-02-30T00:00:00Z' }, 400, 'BAD_TIME'],
        ['a credential failing the checks', { credentialId: bad.id }, 422, 'HOST_NOT_COVERED'],
        ['an unknown virtual server', { virtualServerIds: ['vs_nope'] }, 404, 'NOT_FOUND'],
        ['an unknown field', { colour: 'red' }, 400, 'BAD_ARGUMENT'],
        ['acceptObserved not a boolean', { acceptObserved: 'yes' }, 400, 'BAD_ARGUMENT'],
      ];
      for (const [what, body, status, code] of planCases) {
        const r = await co.call('POST', '/api/v1/renewals', plan(body), undefined, status);
        assert.equal(r.code, code, what);
      }
      assert.equal((await co.call('GET', '/api/v1/renewals')).length, 0);

      const id = (await co.call('POST', '/api/v1/renewals', plan({ rollbackWindow: '1h' }))).id as string;
      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      await until('staged', async () => (await co.call('GET', `/api/v1/renewals/${id}`)).state === 'staged');
      await co.call(
        'POST',
        `/api/v1/renewals/${id}/forward`,
        { tenantId: w.tenants[0]!.id },
        w.tenants[0]!.adminToken,
      );
      const snapshot = async () => {
        const d = await co.call('GET', `/api/v1/renewals/${id}`);
        const n = await co.store.list('notifications');
        return {
          state: d.state,
          steps: d.steps.length,
          senders: d.senders.map((s: { state: string }) => s.state),
          outbox: n.length,
          T: d.exchangeAt,
        };
      };
      const before = await snapshot();
      const [s0, s1] = [w.senders[0]!, w.senders[1]!];
      const foreignSender = w.senders[2]!;
      const links = await rawDb(co.store)
        .selectFrom('sender_links')
        .selectAll()
        .where('revoked_at', 'is', null)
        .execute();
      const { linkToken } = await import('../../src/coordinator/renewal/links.js');
      const s0Link = linkToken(co.store, links.find((l) => l.sender_id === s0.id)!.id);
      const evidence = (sender: string) => ({
        kind: 'readiness',
        sender,
        url: 'https://127.0.0.1:1',
        truststore: { type: 'pem', anchors: [newCred.root.sha256] },
        servedChain: [],
        anchorSha256: newCred.root.sha256,
        result: 'trusted',
        checkedAt: new Date().toISOString(),
      });
      const cases: Array<[string, () => Promise<{ code: string }>, string]> = [
        [
          'forwarding for a tenant you do not administer',
          () =>
            co.call(
              'POST',
              `/api/v1/renewals/${id}/forward`,
              { tenantId: w.tenants[1]!.id },
              w.tenants[0]!.adminToken,
              404,
            ),
          'NOT_FOUND',
        ],
        [
          'forwarding for a tenant you do not administer, by its name',
          () =>
            co.call(
              'POST',
              `/api/v1/renewals/${id}/forward`,
              { tenantId: 'tenant1' },
              w.tenants[0]!.adminToken,
              404,
            ),
          'NOT_FOUND',
        ],
        [
          'an acknowledgement for a sender that is not yours',
          () => co.call('POST', `/api/v1/renewals/${id}/ack`, { senderId: s1.id }, s0.adminToken, 404),
          'NOT_FOUND',
        ],
        [
          'evidence for a sender that is not yours (user token)',
          () =>
            co.call(
              'POST',
              `/api/v1/renewals/${id}/evidence`,
              evidence(foreignSender.id),
              s0.adminToken,
              404,
            ),
          'NOT_FOUND',
        ],
        [
          'evidence for another sender through a personal link',
          () => co.call('POST', `/api/v1/renewals/${id}/evidence`, evidence(s1.id), s0Link, 403),
          'FORBIDDEN',
        ],
        [
          'a forged personal link',
          () => co.call('GET', `/api/v1/links/${s0Link.slice(0, -2)}xx`, undefined, '', 410),
          'LINK_INVALID',
        ],
        [
          'a tenant admin announcing',
          () => co.call('POST', `/api/v1/renewals/${id}/announce`, undefined, w.tenants[0]!.adminToken, 403),
          'FORBIDDEN',
        ],
        [
          'a sender admin overriding the gate',
          () => co.call('POST', `/api/v1/renewals/${id}/gate/override`, { reason: 'x' }, s0.adminToken, 403),
          'FORBIDDEN',
        ],
        [
          'a rollback before the exchange',
          () => co.call('POST', `/api/v1/renewals/${id}/rollback`, undefined, undefined, 409),
          'WRONG_STATE',
        ],
        [
          'completing before retirement',
          () => co.call('POST', `/api/v1/renewals/${id}/complete`, undefined, undefined, 409),
          'WRONG_STATE',
        ],
        [
          'exchange without now',
          () => co.call('POST', `/api/v1/renewals/${id}/exchange`, {}, undefined, 400),
          'BAD_ARGUMENT',
        ],
        [
          'a postpone into the minimum lead',
          () => co.call('POST', `/api/v1/renewals/${id}/postpone`, { exchangeAt: at(500) }, undefined, 400),
          'BAD_TIME',
        ],
        [
          'a postpone to a day that does not exist',
          () =>
            co.call(
              'POST',
              `/api/v1/renewals/${id}/postpone`,
              { exchangeAt: '2027-02-30T00:00:00Z' },
              undefined,
              400,
            ),
          'BAD_TIME',
        ],
        [
          'gracing an address that is not an unknown client',
          () =>
            co.call(
              'POST',
              `/api/v1/renewals/${id}/unknown-clients/grace`,
              { addresses: ['192.0.2.1'] },
              undefined,
              400,
            ),
          'BAD_ARGUMENT',
        ],
        [
          'gracing unknown clients with a field the route does not know',
          () =>
            co.call(
              'POST',
              `/api/v1/renewals/${id}/unknown-clients/grace`,
              { until: '2030-01-01T00:00:00Z' },
              undefined,
              400,
            ),
          'BAD_ARGUMENT',
        ],
        [
          'a tenant admin gracing unknown clients',
          () =>
            co.call(
              'POST',
              `/api/v1/renewals/${id}/unknown-clients/grace`,
              {},
              w.tenants[0]!.adminToken,
              403,
            ),
          'FORBIDDEN',
        ],
        [
          'a second plan on the same virtual server',
          () => co.call('POST', '/api/v1/renewals', plan({}), undefined, 409),
          'RENEWAL_UNDER_WAY',
        ],
      ];
      for (const [what, run, code] of cases) {
        assert.equal((await run()).code, code, what);
        assert.deepEqual(await snapshot(), before, `${what} changed the renewal`);
      }
      // The plan refusals, these, and the three link and postpone refusals below.
      t.diagnostic(
        `bad-input corpus: ${planCases.length + cases.length + 3} renewal requests (${backend.name})`,
      );

      // Repeated requests are idempotent: no new step, no new message.
      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      // The tenant named as `renewal forward --tenant NAME` names it: the same tenant, so nothing new.
      await co.call(
        'POST',
        `/api/v1/renewals/${id}/forward`,
        { tenantId: 'tenant0' },
        w.tenants[0]!.adminToken,
      );
      assert.deepEqual(await snapshot(), before, 'a repeated announce or forward changed something');
      const ack1 = await co.call('POST', `/api/v1/links/${s0Link}/ack`, undefined, '');
      const mid = await snapshot();
      const ack2 = await co.call('POST', `/api/v1/links/${s0Link}/ack`, undefined, '');
      assert.equal(ack1.changed, true);
      assert.equal(ack2.changed, false);
      assert.deepEqual(await snapshot(), mid);
      // The counts kept with the renewal match the rows.
      const { countReadiness } = await import('../../src/coordinator/renewal/counts.js');
      const kept = (await co.call('GET', `/api/v1/renewals/${id}`)).readiness;
      assert.deepEqual(kept, await countReadiness(co.store, id));
      assert.equal(kept.acknowledged, 1);

      // An expired link, and a link replaced by a newer one (a postpone re-notifies), answer 410.
      const linkRow = links.find((l) => l.sender_id === s0.id)!;
      await co.call('POST', `/api/v1/renewals/${id}/postpone`, { exchangeAt: at(90_000) });
      assert.equal(
        (await co.call('GET', `/api/v1/links/${s0Link}`, undefined, '', 410)).code,
        'LINK_INVALID',
      );
      const fresh = await rawDb(co.store)
        .selectFrom('sender_links')
        .selectAll()
        .where('sender_id', '=', s0.id)
        .where('revoked_at', 'is', null)
        .executeTakeFirstOrThrow();
      assert.notEqual(fresh.id, linkRow.id);
      await rawDb(co.store)
        .updateTable('sender_links')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', fresh.id)
        .execute();
      assert.equal(
        (await co.call('GET', `/api/v1/links/${linkToken(co.store, fresh.id)}`, undefined, '', 410)).code,
        'LINK_INVALID',
      );

      // A postpone after the cut-off is refused, and T stays.
      await co.store.update('renewals', id, { postpone_deadline: new Date(Date.now() - 1).toISOString() });
      const T = (await snapshot()).T;
      assert.equal(
        (
          await co.call(
            'POST',
            `/api/v1/renewals/${id}/postpone`,
            { exchangeAt: at(120_000) },
            undefined,
            409,
          )
        ).code,
        'POSTPONE_TOO_LATE',
      );
      assert.equal((await snapshot()).T, T);
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
