import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fail } from '../../../shared/errors.js';
import { FakeRenewalNodes } from '../../ports/fakes.js';
import type { NodeControl } from '../node-control.js';
import { type VerifyTarget, verifyTargets } from './verify.js';

const NOW = '2026-11-27T10:00:00.000Z';

async function world() {
  const rows = new FakeRenewalNodes();
  await rows.arm('ren_1', 2, [
    { nodeId: 'node_a', virtualServerId: 'vs_1' },
    { nodeId: 'node_b', virtualServerId: 'vs_1' },
    { nodeId: 'node_c', virtualServerId: 'vs_1' },
  ]);
  const [a, b, c] = await rows.list('ren_1');
  return { rows, a: a!, b: b!, c: c! };
}

/** A node whose status reports `www` on `listen`. */
function control(listen: Record<string, string | undefined>): NodeControl {
  const status = (name: string) => ({
    name: 'www',
    hosts: ['www.test'],
    ...(listen[name] ? { listen: listen[name] } : {}),
    served: { sha256: 'x' },
    staged: null,
  });
  return {
    status: async (ep) => ({ virtualServers: [status(ep.url)] }),
    stage: async () => fail('NOT_YET', 'unused'),
    unstage: async () => fail('NOT_YET', 'unused'),
    activate: async () => fail('NOT_YET', 'unused'),
    rollback: async () => fail('NOT_YET', 'unused'),
    failures: async () => [],
    exceptions: async () => fail('NOT_YET', 'unused'),
  };
}

test('each node is verified by the leaf a handshake on its listener gets; mismatches and errors are recorded', async () => {
  const { rows, a, b, c } = await world();
  const dialled: string[] = [];
  const served: Record<string, string> = { '127.0.0.1:8443': 'NEW', '10.0.0.2:443': 'OLD' };
  const target = (row: typeof a, url: string | undefined): VerifyTarget => ({
    row,
    endpoint: () =>
      url ? { url, token: 't' } : fail('CONNECT_FAILED', `node ${row.nodeId} has no control endpoint`),
    vsName: 'www',
    listen: '127.0.0.1:443',
    servername: 'www.test',
  });
  const all = await verifyTargets({
    targets: [target(a, 'a'), target(b, 'b'), target(c, undefined)],
    expected: 'NEW',
    nodes: control({ a: '0.0.0.0:8443', b: '10.0.0.2:443' }),
    rows,
    observe: async (p) => {
      dialled.push(`${p.host}:${p.port} ${p.servername}`);
      return { sha256: served[`${p.host}:${p.port}`] ?? 'NONE', from: '::ffff:192.0.2.5' };
    },
    now: () => NOW,
  });
  assert.equal(all, false);
  assert.deepEqual(
    dialled,
    ['127.0.0.1:8443 www.test', '10.0.0.2:443 www.test'],
    'a wildcard listen is dialled on the loopback',
  );
  const [ra, rb, rc] = await rows.list('ren_1');
  assert.deepEqual([ra!.verifiedAt, ra!.servedSha256, ra!.lastError], [NOW, 'NEW', null]);
  assert.deepEqual(
    [rb!.verifiedAt, rb!.servedSha256, rb!.lastError],
    [null, 'OLD', 'serves OLD, not the new NEW'],
  );
  assert.match(rc!.lastError!, /node node_c has no control endpoint/);
  // Each handshake's source address is kept (canonical) for the traffic attribution to take off.
  assert.deepEqual([ra!.probes, rb!.probes, rc!.probes], [{ '192.0.2.5': 1 }, { '192.0.2.5': 1 }, {}]);
});

test('a node already verified is not dialled again; when every node is verified the answer is true', async () => {
  const { rows, a } = await world();
  await rows.update(a, { verifiedAt: NOW, servedSha256: 'NEW' });
  const [verified] = await rows.list('ren_1');
  let dials = 0;
  const all = await verifyTargets({
    targets: [
      {
        row: verified!,
        endpoint: () => ({ url: 'a', token: 't' }),
        vsName: 'www',
        listen: '127.0.0.1:443',
        servername: 'www.test',
      },
    ],
    expected: 'NEW',
    nodes: control({}),
    rows,
    observe: async () => {
      dials++;
      return { sha256: 'NEW', from: null };
    },
    now: () => NOW,
  });
  assert.equal(all, true);
  assert.equal(dials, 0);
});

test('without a listen in the node’s status the recorded listen is dialled', async () => {
  const { rows, b } = await world();
  const dialled: string[] = [];
  await verifyTargets({
    targets: [
      {
        row: b,
        endpoint: () => ({ url: 'b', token: 't' }),
        vsName: 'www',
        listen: '[::1]:9443',
        servername: 'www.test',
      },
    ],
    expected: 'NEW',
    nodes: control({}),
    rows,
    observe: async (p) => {
      dialled.push(`${p.host} ${p.port}`);
      return { sha256: 'NEW', from: null };
    },
    now: () => NOW,
  });
  assert.deepEqual(dialled, ['::1 9443']);
  assert.equal((await rows.list('ren_1'))[1]!.verifiedAt, NOW);
});
