/**
 * Per-sender grace across T against a real built-in LB node, with real TLS clients from their own
 * loopback addresses, on SQLite and PostgreSQL. Four senders of one tenant:
 * - `ready` (127.0.0.10) proves the new root before T: with `early: proven` it gets the new
 *   certificate before T, and keeps it after;
 * - `straggler` (127.0.0.11) never proves: it gets the old certificate after T until the grace
 *   deadline, then the new one;
 * - `late` (127.0.0.12) proves only after T: its address moves to the new certificate within seconds;
 * - `shared` (127.0.0.12 too, behind the same NAT) proves before T: its address is held on the old
 *   certificate by `late` until `late` is proven, and `truststore remove` is refused for it until then.
 * The status JSON carries oldCredentialServedUntil and graceUntil per sender; the renewal shows the
 * grace countdown and the senders in grace; the node's answer is compared with the table sent.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('New Root'), ['lb.test']);
const pem = (c: { der: Uint8Array }[]) => encodeCertificatesPem(c.map((x) => x.der));
const run = promisify(execFile);
const OLD = oldCred.chain[0]!.sha256;
const NEW = newCred.chain[0]!.sha256;

/** Which leaf a real TLS handshake from `localAddress` gets: 'old', 'new', or what went wrong. */
function leafFrom(localAddress: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    let leaf = 'closed before the handshake';
    const tcp = netConnect({ host: '127.0.0.1', port, localAddress });
    const timer = setTimeout(() => {
      leaf = 'timed out';
      tcp.destroy();
    }, 5000);
    tcp.once('error', (e) => {
      leaf = `error ${e.message}`;
    });
    tcp.once('close', () => {
      clearTimeout(timer);
      resolve(leaf);
    });
    const s = connect({ socket: tcp, servername: 'lb.test', rejectUnauthorized: false });
    s.once('error', (e) => {
      leaf = `error ${e.message}`;
    });
    s.once('secureConnect', () => {
      const fp = s.getPeerX509Certificate()?.fingerprint256.replace(/:/g, '').toLowerCase();
      leaf = fp === OLD ? 'old' : fp === NEW ? 'new' : `other ${fp}`;
      // A graceful close (not destroy): the client's Finished reaches the node, which counts a handshake.
      s.end();
      s.resume();
    });
  });
}

/**
 * curl (OpenSSL) from `localAddress` trusting only the root in `caFile`: it verifies inside the
 * handshake and sends the unknown_ca alert a node reacts to. 'ok' or the error.
 */
async function curlTrustingOnly(localAddress: string, port: number, caFile: string): Promise<string> {
  try {
    await run('curl', [
      '-sS',
      '--interface',
      localAddress,
      '--cacert',
      caFile,
      '--resolve',
      `lb.test:${port}:127.0.0.1`,
      `https://lb.test:${port}/`,
    ]);
    return 'ok';
  } catch (e) {
    return `error ${(e as Error).message}`;
  }
}

// biome-ignore lint/suspicious/noExplicitAny: API answers
type Any = any;

for (const backend of BACKENDS) {
  test(`grace across T: early, stragglers until the deadline, a late proof within seconds, a shared address held (${backend.name})`, {
    timeout: 120_000,
  }, async () => {
    const dir = tempDir('rollover-grace-');
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const w = await buildLandscape(co, dir, oldCred, newCred, 1, 3);
      const [ready, straggler, late] = [w.senders[0]!, w.senders[1]!, w.senders[2]!];
      // A fourth sender behind the same address as `late`.
      const sharedRow = await co.call('POST', '/api/v1/senders', {
        tenant: w.tenants[0]!.id,
        name: 'shared',
        contacts: ['ops@shared.test'],
        truststoreKind: 'pem',
        sourceAddresses: ['127.0.0.12'],
      });
      const shared = { id: sharedRow.id as string };
      const port = w.listenPort;
      const T = new Date(Date.now() + 9000);
      const graceUntil = new Date(T.getTime() + 14_000);
      const planned = await co.call('POST', '/api/v1/renewals', {
        virtualServerIds: [w.vsId],
        credentialId: w.newCredId,
        exchangeAt: T.toISOString(),
        rollbackWindow: '2s',
        gate: 'warn',
        grace: 'unready',
        graceUntil: graceUntil.toISOString(),
        early: 'proven',
      });
      const id = planned.id as string;
      const get = (): Promise<Any> => co.call('GET', `/api/v1/renewals/${id}`);
      const sender = (d: Any, sid: string): Any => d.senders.find((s: Any) => s.id === sid).status;
      const statusUrl = `${co.url}/api/v1/renewals/${id}/status.json`;
      const verdict = async (sid: string): Promise<Any> =>
        (await co.call('GET', `/api/v1/renewals/${id}/status.json?sender=${sid}`, undefined, '')).sender;
      const prove = (sid: string) =>
        co.call('POST', `/api/v1/renewals/${id}/evidence`, {
          kind: 'readiness',
          sender: sid,
          url: 'https://127.0.0.1/',
          servername: 'lb.test',
          truststore: { type: 'pem', anchors: [oldCred.root.sha256, newCred.root.sha256] },
          servedSha256: NEW,
          servedChain: [NEW],
          anchorSha256: newCred.root.sha256,
          result: 'trusted',
          checkedAt: new Date().toISOString(),
        });

      await co.call('POST', `/api/v1/renewals/${id}/announce`);
      await co.call('POST', `/api/v1/renewals/${id}/forward`, { tenantId: w.tenants[0]!.id });
      await until('staged', async () => (await get()).state === 'staged');
      await prove(ready.id);
      await prove(shared.id);

      // Before T: the proven sender switched early; the shared address stays old (late is not proven).
      await until('early switch', async () => (await leafFrom('127.0.0.10', port)) === 'new', 8000);
      assert.ok(Date.now() < T.getTime(), 'the early switch happened before T');
      assert.equal(await leafFrom('127.0.0.11', port), 'old');
      assert.equal(await leafFrom('127.0.0.12', port), 'old');
      let d = await get();
      assert.deepEqual(sender(d, ready.id).grace.earlyCidrs, ['127.0.0.10/32']);
      assert.match(sender(d, straggler.id).reason, /keep the old certificate until .* \(grace\)/);
      assert.deepEqual(
        sender(d, shared.id).grace.heldBy.map((h: Any) => h.id),
        [late.id],
        'the shared address is held by late',
      );
      const node = d.nodes[0];
      assert.equal(node.exceptions.outcome, 'applied', JSON.stringify(node.exceptions));

      // After T: ready new, straggler and the shared address old (grace), with the deadline in the status.
      await until('T passed', async () => Date.now() > T.getTime() + 500, 20_000);
      assert.equal(await leafFrom('127.0.0.10', port), 'new');
      assert.equal(await leafFrom('127.0.0.11', port), 'old');
      assert.equal(await leafFrom('127.0.0.12', port), 'old');
      d = await until('exchanged', async () => {
        const x = await get();
        return x.exchangedAt ? x : undefined;
      });
      assert.equal(sender(d, straggler.id).state, 'in-grace');
      assert.equal(sender(d, straggler.id).oldCredentialServedUntil, graceUntil.toISOString());
      assert.equal(sender(d, straggler.id).graceUntil, graceUntil.toISOString());
      assert.equal(sender(d, straggler.id).next.by, graceUntil.toISOString());
      assert.equal(sender(d, shared.id).state, 'in-grace');
      assert.match(sender(d, shared.id).headline, /held on the old certificate by s0-2/);
      assert.equal(sender(d, ready.id).oldCredentialServedUntil, null);
      assert.equal(d.status.grace.sendersInGrace, 3);
      assert.ok(d.status.grace.remainingMs > 0 && d.status.grace.remainingMs <= 14_000);
      assert.match(d.status.grace.text, /3 senders in grace until .*left/);
      assert.equal((await verdict(straggler.id)).oldCredentialServedUntil, graceUntil.toISOString());
      const human = await cli(['renewal', 'status', id, '--server', co.url, '--token', co.adminToken]);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /senders in grace/);
      assert.match(human.stdout, /s0-1\s+until /);
      assert.match(human.stdout, /shared\s+until .*held by s0-2/);

      // truststore remove: refused for the shared sender while its address is held on the old certificate.
      await until('retiring', async () => (await get()).state === 'retiring', 20_000);
      const store = join(dir, 'shared.pem');
      await fs.writeFile(store, pem([oldCred.root, newCred.root]));
      const remove = () =>
        cli([
          'truststore',
          'remove',
          store,
          '--fingerprint',
          oldCred.root.sha256,
          '--renewal-status',
          statusUrl,
          '--sender',
          shared.id,
          '--dry-run',
        ]);
      const refused = await remove();
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /REMOVAL_UNSAFE/);
      assert.match(refused.stderr, /served the old credential until/);

      // late's personal page tells it to prove against the preview listener (the virtual server serves
      // its address the old certificate), and it does so with a real handshake and sender verify --report.
      const notice = await until('late is told', async () =>
        smtp.to('ops@s0-2.test').find((m) => /rlk_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.test(m.flat)),
      );
      const token = /rlk_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.exec(notice.flat)![0];
      const page = await co.call('GET', `/api/v1/links/${token}`, undefined, '');
      const previewPort = Number(
        (await co.store.get('virtual_servers', w.vsId))!.preview_listen!.split(':').at(-1),
      );
      assert.match(page.verifyCommand, new RegExp(`--url https://127\\.0\\.0\\.1:${previewPort} `));
      assert.equal(page.status.state, 'in-grace');
      const lateStore = join(dir, 'late.pem');
      await fs.writeFile(lateStore, pem([oldCred.root, newCred.root]));
      // late proves after T: its address (and shared's) moves to the new certificate within seconds.
      const provedAt = Date.now();
      const verified = await cli([
        'sender',
        'verify',
        '--truststore',
        lateStore,
        '--url',
        `https://127.0.0.1:${previewPort}`,
        '--servername',
        'lb.test',
        '--report',
        `${co.url}/api/v1/renewals/${id}/evidence`,
        '--token',
        late.adminToken,
        '--sender',
        late.id,
      ]);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      await until('late on new', async () => (await leafFrom('127.0.0.12', port)) === 'new', 5000);
      const took = Date.now() - provedAt;
      assert.ok(took < 5000, `moved after ${took} ms`);
      assert.equal(await leafFrom('127.0.0.11', port), 'old', 'the straggler keeps its grace');
      d = await until('shared released', async () => {
        const x = await get();
        return sender(x, shared.id).oldCredentialServedUntil === null ? x : undefined;
      });
      assert.notEqual(sender(d, late.id).state, 'in-grace');
      // Automatic fallback: an unknown client (127.0.0.20, no sender claims it) trusting only the old
      // root fails once on the new certificate; the node graces it by itself, the coordinator keeps
      // that entry through its table replaces, records it and tells the lb-admins.
      const oldRootFile = join(dir, 'old-root.pem');
      await fs.writeFile(oldRootFile, pem([oldCred.root]));
      assert.match(await curlTrustingOnly('127.0.0.20', port, oldRootFile), /^error /);
      await until('the node graced it', async () => (await leafFrom('127.0.0.20', port)) === 'old', 5000);
      d = await until('the fallback recorded', async () => {
        const x = await get();
        return x.steps.some((s: Any) => s.kind === 'auto-grace' && s.detail.cidr === '127.0.0.20/32') &&
          x.nodes[0].exceptions.autoEntries >= 1
          ? x
          : undefined;
      });
      assert.equal(await curlTrustingOnly('127.0.0.20', port, oldRootFile), 'ok');
      const accepted = await remove();
      assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);

      // Completing while the straggler is in grace needs a confirmation; the page says so.
      assert.equal(d.status.grace.over, false);
      assert.match(d.status.actions.complete.reason, /ends their grace/);
      // The refusal names grace (not only the open items: a sender in grace is never proven).
      const refusedComplete = await co.call('POST', `/api/v1/renewals/${id}/complete`, {}, undefined, 409);
      assert.equal(refusedComplete.code, 'IN_GRACE');
      assert.match(refusedComplete.detail, /still served the old credential until .*ends their grace/);

      // After the deadline the straggler gets the new certificate (and fails on it: old root only).
      await until('grace over', async () => Date.now() > graceUntil.getTime() + 200, 30_000);
      assert.equal(await leafFrom('127.0.0.11', port), 'new');
      d = await get();
      assert.equal(sender(d, straggler.id).oldCredentialServedUntil, null);
      assert.notEqual(sender(d, straggler.id).state, 'in-grace');
      assert.equal(d.status.grace.over, true);
      assert.equal(d.status.grace.sendersInGrace, 0);
      await co.call('POST', `/api/v1/renewals/${id}/complete`, {
        force: true,
        reason: 'straggler on the phone',
      });
      d = await until('tables cleared', async () => {
        const x = await get();
        return x.nodes[0].exceptions?.entries === 0 ? x : undefined;
      });
      assert.equal(d.state, 'completed');
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
