/**
 * A sender admin never sees a renewal its tenant admin has not forwarded — not in the list, not by
 * id, not its kit or status (the API hides it, not only the page) — and once it is forwarded sees
 * its own sender as told, on SQLite and PostgreSQL. A tenant that forwards automatically shows it at
 * once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);

// biome-ignore lint/suspicious/noExplicitAny: API answers
type Any = any;

for (const backend of BACKENDS) {
  test(`a sender admin sees a renewal only once its tenant forwarded it (${backend.name})`, {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir('rollover-visibility-');
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      // tenant0 forwards by hand, tenant1 automatically, tenant2 never.
      const w = await buildLandscape(co, dir, oldCred, newCred, 3, 1);
      const [s0, s1, s2] = [w.senders[0]!, w.senders[1]!, w.senders[2]!];
      await co.call('POST', `/api/v1/tenants/${w.tenants[1]!.id}/notify`, { autoForward: true });
      const planned = await co.call('POST', '/api/v1/renewals', {
        virtualServerIds: [w.vsId],
        credentialId: w.newCredId,
        exchangeAt: new Date(Date.now() + 3_600_000).toISOString(),
        gate: 'warn',
      });
      const id = planned.id as string;
      await co.call('POST', `/api/v1/renewals/${id}/announce`);

      const listed = async (token: string): Promise<string[]> =>
        ((await co.call('GET', '/api/v1/renewals', undefined, token)) as Any[]).map((r) => r.id);
      const own = async (token: string, sid: string): Promise<Any> =>
        ((await co.call('GET', `/api/v1/renewals/${id}`, undefined, token)) as Any).senders.find(
          (s: Any) => s.id === sid,
        );

      // Before tenant0 forwards: s0 and s2 see nothing, by list or by id; s1 (auto) sees it, told.
      for (const s of [s0, s2]) {
        assert.deepEqual(await listed(s.adminToken), [], 'not listed before the forward');
        await co.call('GET', `/api/v1/renewals/${id}`, undefined, s.adminToken, 404);
        await co.call('GET', `/api/v1/renewals/${id}/kit/root.pem`, undefined, s.adminToken, 404);
      }
      assert.deepEqual(await listed(s1.adminToken), [id]);
      assert.equal((await own(s1.adminToken, s1.id)).status.state, 'told');

      // The tenant admin still sees it, and forwards it; now s0 sees it as told, s2 still nothing.
      assert.deepEqual(await listed(w.tenants[0]!.adminToken), [id]);
      await co.call(
        'POST',
        `/api/v1/renewals/${id}/forward`,
        { tenantId: w.tenants[0]!.id },
        w.tenants[0]!.adminToken,
      );
      await until('forwarded', async () => (await listed(s0.adminToken)).includes(id));
      assert.equal((await own(s0.adminToken, s0.id)).status.state, 'told');
      assert.deepEqual(await listed(s2.adminToken), []);
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
