/**
 * One virtual server on five data-plane nodes of three kinds — three built-in nodes (one worker
 * each), a real HAProxy behind its agent and a real nginx behind its agent — driven by the
 * coordinator through the same control interface. What must hold: no node serves the new
 * certificate before T, every node serves it after T; the coordinator calls the exchange verified
 * only when every node is; a node that was down at T is reported, gets the new credential when it
 * returns, and only then is the exchange verified.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { type RunningAgent, startAgent } from '../../src/adapters/agent.js';
import { resolveAgentConfig } from '../../src/adapters/agent-config.js';
import { haproxyPem } from '../../src/adapters/haproxy/driver.js';
import { observeLeaf } from '../../src/adapters/observe.js';
import { type ApiClient, makeClient } from '../../src/cli/client.js';
import { resolveConfig } from '../../src/lb/config.js';
import { recordFromCredential } from '../../src/lb/credential-record.js';
import { type LbNode, startLbNode } from '../../src/lb/node.js';
import { type RunningServer, startServer } from '../../src/main/server.js';
import type { Credential } from '../../src/pki/credential.js';
import { systemClock } from '../../src/shared/time.js';
import { credentialBody, mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { startHaproxy } from '../kit/haproxy.js';
import { freePort, startBackend, waitFor } from '../kit/net.js';
import { startNginx } from '../kit/nginx.js';
import { exchangeFacts, observeHandshakes } from '../kit/observer.js';
import { tempDir } from '../kit/tmp.js';

const dir = tempDir();
const quiet = pino({ level: 'silent' });
let coordinator: RunningServer;
let api: ApiClient;
let oldCred: Credential;
let newCred: Credential;
let backendUrl = '';
const builtin: Array<{ name: string; port: number; control: number; stateDir: string; node?: LbNode }> = [];
const agents: RunningAgent[] = [];
const listens: Record<string, number> = {};

async function startBuiltin(b: (typeof builtin)[number]): Promise<void> {
  const config = resolveConfig(
    {
      stateDir: b.stateDir,
      // A fixed control port: a node that comes back is found where the coordinator knows it.
      control: `127.0.0.1:${b.control}`,
      workers: 1,
      virtualServers: [
        {
          name: 'shop',
          listen: `127.0.0.1:${b.port}`,
          hosts: ['lb.test'],
          credential: join(dir, 'old'),
          backends: [backendUrl],
        },
      ],
    },
    { workers: 1 },
  );
  b.node = await startLbNode(config, { clock: systemClock, log: quiet });
}

type Detail = {
  state: string;
  nodes: Array<{ name: string; stagedAckAt: string | null; verifiedAt: string | null; late: boolean }>;
};

describe('one virtual server on built-in, HAProxy and nginx nodes', () => {
  before(async () => {
    oldCred = await mintCredential(await mintRoot('Fleet Old Root'), ['lb.test']);
    newCred = await mintCredential(await mintRoot('Fleet New Root'), ['lb.test']);
    await saveCredential(join(dir, 'old'), oldCred);
    backendUrl = (await startBackend()).url;
    const backendPort = Number(backendUrl.split(':').pop());
    for (const name of ['builtin-1', 'builtin-2', 'builtin-3']) {
      const b = {
        name,
        port: await freePort(),
        control: await freePort(),
        stateDir: join(dir, `${name}-state`),
      };
      builtin.push(b);
      await startBuiltin(b);
      listens[name] = b.port;
    }
    const oldRec = recordFromCredential(oldCred);
    const crt = join(dir, 'haproxy-shop.pem');
    writeFileSync(crt, haproxyPem(oldRec), { mode: 0o600 });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'haproxy'));
    mkdirSync(join(dir, 'nginx'));
    const h = await startHaproxy({
      dir: join(dir, 'haproxy'),
      port: await freePort(),
      crtPath: crt,
      backendPort,
    });
    listens.haproxy = h.port;
    // nginx switching by its own clock at T (`nginxMode: time`); its workers (user nobody) read the files.
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o755);
    const n = await startNginx({
      dir: join(dir, 'nginx'),
      port: await freePort(),
      backendPort,
      serverName: 'lb.test',
      timeSwitch: { name: 'shop', initial: oldRec },
    });
    listens.nginx = n.port;
    const vsOf = (port: number, extra: Record<string, string>) => [
      {
        name: 'shop',
        hosts: ['lb.test'],
        listen: `127.0.0.1:${port}`,
        credential: join(dir, 'old'),
        ...extra,
      },
    ];
    agents.push(
      await startAgent(
        resolveAgentConfig(
          {
            kind: 'haproxy',
            stateDir: join(dir, 'haproxy-agent'),
            socket: h.socketPath,
            prepareLeadMs: 500,
            virtualServers: vsOf(h.port, { crt }),
          },
          'haproxy',
        ),
        { clock: systemClock, log: quiet },
      ),
      await startAgent(
        resolveAgentConfig(
          {
            kind: 'nginx',
            nginxMode: 'time',
            stateDir: join(dir, 'nginx-agent'),
            pidFile: n.pidFile,
            virtualServers: vsOf(n.port, { dir: join(dir, 'nginx'), fileOwner: '65534:65534' }),
          },
          'nginx',
        ),
        { clock: systemClock, log: quiet },
      ),
    );

    coordinator = await startServer({
      dataDir: join(dir, 'coordinator'),
      listen: '127.0.0.1:0',
      env: {
        ROLLOVER_MIN_LEAD: '3s',
        ROLLOVER_GATE_LEAD: '1s',
        ROLLOVER_POSTPONE_CUTOFF: '1s',
        ROLLOVER_SCHEDULER_TICK: '200ms',
        ROLLOVER_RETRY_BASE: '300ms',
        ROLLOVER_RETRY_MAX: '1s',
      },
      cwd: dir,
      clock: systemClock,
      log: () => {},
    });
    api = await makeClient(
      coordinator.url,
      readFileSync(join(dir, 'coordinator', 'initial-admin.token'), 'utf8').trim(),
      'flags',
    );
    const nodeNames = Object.keys(listens);
    const lb = await api.request<{ id: string }>('POST', '/api/v1/lbs', {
      name: 'fleet',
      kind: 'builtin',
      nodes: nodeNames.map((name) => ({ name, address: `127.0.0.1:${listens[name]}` })),
    });
    const vs = await api.request<{ id: string }>('POST', '/api/v1/virtual-servers', {
      name: 'shop',
      lb: lb.id,
      hosts: ['lb.test'],
      listen: `127.0.0.1:${listens['builtin-1']}`,
      backends: [backendUrl],
    });
    const old = await api.request<{ id: string }>('POST', '/api/v1/credentials', credentialBody(oldCred));
    await api.request('POST', `/api/v1/virtual-servers/${vs.id}/credential`, { credentialId: old.id });
    const controlOf = (stateDir: string) => {
      const c = JSON.parse(readFileSync(join(stateDir, 'control.json'), 'utf8')) as {
        url: string;
        token: string;
      };
      return { url: c.url, token: c.token };
    };
    for (const b of builtin)
      await api.request('POST', `/api/v1/lbs/${lb.id}/nodes/${b.name}/control`, controlOf(b.stateDir));
    await api.request(
      'POST',
      `/api/v1/lbs/${lb.id}/nodes/haproxy/control`,
      controlOf(join(dir, 'haproxy-agent')),
    );
    await api.request(
      'POST',
      `/api/v1/lbs/${lb.id}/nodes/nginx/control`,
      controlOf(join(dir, 'nginx-agent')),
    );
    (globalThis as { fleetVs?: string }).fleetVs = vs.id;
  });
  after(async () => {
    await coordinator?.close();
    for (const a of agents) await a.close();
    for (const b of builtin) await b.node?.stop();
  });

  test('every node swaps at T; the one that was down is reported and verified when it returns', async () => {
    const vsId = (globalThis as { fleetVs?: string }).fleetVs!;
    const fresh = await api.request<{ id: string }>('POST', '/api/v1/credentials', credentialBody(newCred));
    const T = Date.now() + 8000;
    const planned = await api.request<{ id: string }>('POST', '/api/v1/renewals', {
      virtualServerIds: [vsId],
      credentialId: fresh.id,
      exchangeAt: new Date(T).toISOString(),
      rollbackWindow: '1h',
      gate: 'warn',
    });
    const announced = await api.request<Detail>('POST', `/api/v1/renewals/${planned.id}/announce`, {});
    await waitFor(
      async () => {
        const d = await api.request<Detail>('GET', `/api/v1/renewals/${planned.id}`);
        return d.nodes.length === 5 && d.nodes.every((n) => n.stagedAckAt) ? d : undefined;
      },
      'every node to acknowledge the staged credential',
      6000,
    );
    assert.ok(announced);

    // One built-in node goes down before T.
    const down = builtin[2]!;
    await waitFor(async () => Date.now() > T - 2500, 'shortly before T', 8000);
    await down.node!.stop();

    const live = Object.entries(listens).filter(([name]) => name !== down.name);
    const seen = await Promise.all(
      live.map(([, port]) =>
        observeHandshakes({
          host: '127.0.0.1',
          port,
          servername: 'lb.test',
          until: T + 2500,
          concurrency: 1,
        }),
      ),
    );
    const oldSha = oldCred.chain[0]!.sha256;
    const newSha = newCred.chain[0]!.sha256;
    for (const [i, [name]] of live.entries()) {
      const f = exchangeFacts(seen[i]!, { at: T, oldSha, newSha });
      assert.deepEqual(f.failures, [], `${name}: no failed handshake`);
      assert.deepEqual(f.newBeforeT, [], `${name}: nothing new before T`);
      assert.ok(
        f.settledLatenessMs !== undefined,
        `${name}: only the new certificate from some point after T`,
      );
      assert.equal(
        await observeLeaf({ host: '127.0.0.1', port: listens[name]!, servername: 'lb.test' }),
        newSha,
        `${name} after T`,
      );
    }

    // The coordinator: four nodes verified, the one that is down reported late, not "verified" yet.
    const partial = await waitFor(
      async () => {
        const d = await api.request<Detail>('GET', `/api/v1/renewals/${planned.id}`);
        return d.nodes.filter((n) => n.verifiedAt).length === 4 ? d : undefined;
      },
      'four nodes verified',
      15_000,
    );
    assert.equal(partial.state, 'exchanged');
    assert.equal(partial.nodes.find((n) => n.name === down.name)?.late, true);

    // It returns after T with its state directory: it serves the new credential, and then all is verified.
    await startBuiltin(down);
    assert.equal(await observeLeaf({ host: '127.0.0.1', port: down.port, servername: 'lb.test' }), newSha);
    const done = await waitFor(
      async () => {
        const d = await api.request<Detail>('GET', `/api/v1/renewals/${planned.id}`);
        return d.state === 'verified' ? d : undefined;
      },
      'the exchange to be verified on every node',
      20_000,
    );
    assert.ok(done.nodes.every((n) => n.verifiedAt));
    assert.equal(done.nodes.find((n) => n.name === down.name)?.late, false);
  });
});
