/**
 * Passive proof through the preview listener, on SQLite and PostgreSQL: real TLS clients from their
 * own loopback addresses handshake with a built-in LB node's preview listener while the new credential
 * is staged; the coordinator reads the node's per-client table and records evidence of kind
 * `observed` for the sender behind that address (never for a client that refused the certificate).
 * The gate counts it only when the renewal was planned with --accept-observed. A client from an address
 * no sender claims (127.0.0.99) that calls the virtual server before T is listed as an unknown client
 * (renewal detail, `renewal status`), and `renewal grace-unknown` adds it to the renewal's grace set.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { get, portOf, trusting } from '../lb/kit.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);

interface SenderView {
  id: string;
  name: string;
  status: {
    state: string;
    proven: boolean;
    headline: string;
    evidence: { kind: string; counts: boolean; detail: string } | null;
  };
}

for (const backend of BACKENDS) {
  for (const accept of [false, true]) {
    test(`a preview handshake from a sender's address is evidence "observed"; the gate counts it ${accept ? 'with' : 'only with'} --accept-observed; an unknown client is listed and graced (${backend.name})`, {
      timeout: 90_000,
    }, async () => {
      const dir = tempDir('rollover-observed-');
      const smtp = new SmtpSink();
      await smtp.start();
      const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
      await co.start();
      try {
        // One tenant, senders s0-0 from 127.0.0.10 and s0-1 from 127.0.0.11.
        const w = await buildLandscape(co, dir, oldCred, newCred, 1, 2);
        const preview = portOf(w.node, 'preview');
        const flags = ['--server', co.url, '--token', co.adminToken];
        const credDir = await saveCredential(join(dir, 'new'), newCred);
        const T = new Date(Date.now() + 12_000).toISOString();
        const plan = await cli([
          'renewal',
          'plan',
          '--vs',
          'web',
          '--credential',
          credDir,
          '--exchange-at',
          T,
          '--gate',
          'block',
          ...(accept ? ['--accept-observed'] : []),
          '--json',
          ...flags,
        ]);
        assert.equal(plan.code, 0, plan.stderr);
        const id = plan.json().id as string;
        assert.equal(plan.json().acceptObserved, accept);
        await co.call('POST', `/api/v1/renewals/${id}/announce`);
        await co.call(
          'POST',
          `/api/v1/renewals/${id}/forward`,
          { tenantId: w.tenants[0]!.id },
          w.tenants[0]!.adminToken,
        );
        await until(
          'staged',
          async () => (await co.call('GET', `/api/v1/renewals/${id}`)).state === 'staged',
        );

        // s0-1 trusts only the old root: its handshake with the staged credential fails.
        await assert.rejects(
          get(preview, { ctx: trusting(oldCred), servername: 'lb.test', localAddress: '127.0.0.11' }),
        );
        // s0-0 trusts the new root: its handshake succeeds and is served the new leaf.
        const ok = await get(preview, {
          ctx: trusting(newCred),
          servername: 'lb.test',
          localAddress: '127.0.0.10',
        });
        assert.equal(ok.fingerprint, newCred.chain[0]!.sha256);

        const senders = async () => (await co.call('GET', `/api/v1/renewals/${id}`)).senders as SenderView[];
        const byName = (xs: SenderView[], n: string) => xs.find((s) => s.name === n)!;
        const seen = await until('s0-0 observed', async () => {
          const xs = await senders();
          return byName(xs, 's0-0').status.evidence?.kind === 'observed' ? xs : undefined;
        });
        const s0 = byName(seen, 's0-0').status;
        const s1 = byName(seen, 's0-1').status;
        assert.equal(s1.evidence, null, 'a client that refused the certificate proves nothing');
        assert.equal(s0.evidence!.counts, accept);
        assert.match(s0.evidence!.detail, /127\.0\.0\.10/);
        if (accept) {
          assert.equal(s0.state, 'proven-ready');
          assert.equal(s0.headline, 'observed ready');
          assert.equal(s0.proven, true);
        } else {
          assert.equal(s0.state, 'observed');
          assert.equal(s0.proven, false);
        }
        const text = await cli(['renewal', 'status', id, ...flags]);
        assert.equal(text.code, 0, text.stderr);
        assert.match(text.stdout, /evidence: observed — seen handshaking with the new credential/);

        // An unknown client: 127.0.0.99 is no sender's address; it calls the virtual server before T.
        const main = await get(w.listenPort, {
          ctx: trusting(oldCred),
          servername: 'lb.test',
          localAddress: '127.0.0.99',
        });
        assert.equal(main.fingerprint, oldCred.chain[0]!.sha256);
        const unknown = await until('the unknown client listed', async () => {
          const d = await co.call('GET', `/api/v1/renewals/${id}`);
          return d.unknownClients?.clients.length ? d.unknownClients : undefined;
        });
        assert.deepEqual(
          unknown.clients.map((c: { address: string; graced: boolean }) => [c.address, c.graced]),
          [['127.0.0.99', false]],
          "the senders' own addresses are not unknown",
        );
        assert.match(unknown.headline, /^unknown clients: will get the new certificate at T/);
        assert.equal(unknown.graceThem.available, true, unknown.graceThem.reason);
        const listed = await cli(['renewal', 'status', id, ...flags]);
        assert.match(listed.stdout, /unknown clients: will get the new certificate at T/);
        assert.match(listed.stdout, /127\.0\.0\.99 .* will get the new certificate at T/);
        // A tenant admin sees no addresses of unknown clients and may not grace them.
        const tenantView = await co.call(
          'GET',
          `/api/v1/renewals/${id}`,
          undefined,
          w.tenants[0]!.adminToken,
        );
        assert.equal(tenantView.unknownClients, null);
        await co.call(
          'POST',
          `/api/v1/renewals/${id}/unknown-clients/grace`,
          {},
          w.tenants[0]!.adminToken,
          403,
        );
        // An address that is not an unknown client is refused, and nothing changes.
        const bad = await cli(['renewal', 'grace-unknown', id, '--address', '127.0.0.10', ...flags]);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /BAD_ARGUMENT|not an unknown client/);
        assert.deepEqual(await co.store.clientObservations.graced(id), []);
        // Grace them too.
        // Named in another spelling of the address the node reported: the same client.
        const graced = await cli([
          'renewal',
          'grace-unknown',
          id,
          '--address',
          '::FFFF:127.0.0.99',
          '--json',
          ...flags,
        ]);
        assert.equal(graced.code, 0, graced.stderr);
        const after = graced.json().unknownClients;
        assert.equal(after.clients[0].graced, true);
        assert.equal(after.clients[0].gracedBy, 'admin');
        assert.match(after.clients[0].note, /keeps the old certificate after T until/);
        assert.deepEqual(await co.store.clientObservations.graced(id), ['127.0.0.99']);
        const again = await cli(['renewal', 'grace-unknown', id, '--json', ...flags]);
        assert.equal(again.code, 0, 'nothing left to grace is not an error');
        assert.equal(
          again.json().steps.filter((s: { kind: string }) => s.kind === 'grace-unknown').length,
          1,
          'one step for the one change',
        );

        // s0-1 adds the new root; now both are observed before the gate decides.
        await get(preview, {
          ctx: trusting(oldCred, newCred),
          servername: 'lb.test',
          localAddress: '127.0.0.11',
        });
        await until(
          's0-1 observed',
          async () => byName(await senders(), 's0-1').status.evidence?.kind === 'observed',
        );
        const gate = await until(
          'the gate decided',
          async () => {
            const d = await co.call('GET', `/api/v1/renewals/${id}`);
            return d.steps.some((s: { kind: string }) => s.kind === 'gate') ? d : undefined;
          },
          20_000,
        );
        if (accept) {
          assert.equal(gate.gate.decision, 'go', gate.gate.reason);
          assert.match(gate.gate.reason, /2 observed/);
        } else {
          assert.equal(gate.gate.decision, 'blocked', gate.gate.reason);
          assert.deepEqual([...gate.gate.notReady].sort(), w.senders.map((s) => s.id).sort());
        }
        const observedSteps = gate.steps.filter((s: { kind: string }) => s.kind === 'observed');
        assert.equal(observedSteps.length, 2, 'the first observation per sender is a step of the history');
        assert.equal(observedSteps[0].step, 4);
      } finally {
        await co.stop();
        await smtp.stop();
      }
    });
  }
}
