/**
 * Bridged chains served by the built-in LB, proved with the clients senders run: Node `tls`, a Java 17
 * HttpClient with PKCS#12 and JKS truststores (written by `rollover kit`), `openssl s_client
 * -x509_strict`, curl and Python `ssl`, each trusting only the old root, only the new root, and both. Before T the node serves
 * the old leaf with the reverse bridge; from T (staged through the data plane) the new leaf with the
 * forward bridge; every client succeeds in both phases. The control: the new leaf without a bridge is
 * refused by every old-root-only client, and the old leaf without one by every new-root-only client.
 * HAProxy and nginx serving the same bridged chain files pass the same clients.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import type { LbNode } from '../../src/lb/node.js';
import { cli } from '../kit/cli.js';
import { startHaproxy } from '../kit/haproxy.js';
import { freePort } from '../kit/net.js';
import { startNginx } from '../kit/nginx.js';
import { tempDir } from '../kit/tmp.js';
import { oneServerConfig, portOf, sleep, startBackend, startNode } from '../lb/kit.js';

const run = promisify(execFile);
const dir = tempDir('rollover-bridge-lb-');
const p = (...parts: string[]) => join(dir, ...parts);
const TRUST = ['old', 'new', 'both'] as const;
type Trust = (typeof TRUST)[number];
let node: LbNode;
let port = 0;
let backend: Awaited<ReturnType<typeof startBackend>>;

async function ok(args: string[]): Promise<void> {
  const r = await cli(args);
  assert.equal(r.code, 0, `rollover ${args.join(' ')}: ${r.stderr}${r.stdout}`);
}

/** The PEM file holding the roots a client trusts. */
const caFile = (t: Trust) => p(`trust-${t}.pem`);

const JAVA = `
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class BridgeProbe {
  public static void main(String[] a) throws Exception {
    for (int i = 1; i + 2 < a.length; i += 3) {
      try {
        KeyStore ks = KeyStore.getInstance(a[i + 1]);
        try (FileInputStream in = new FileInputStream(a[i])) { ks.load(in, a[i + 2].toCharArray()); }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpClient c = HttpClient.newBuilder().sslContext(ctx).build();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(a[0])).build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("OK " + a[i] + " " + r.statusCode());
      } catch (Exception e) {
        System.out.println("FAIL " + a[i] + " " + e);
      }
    }
  }
}
`;

/** Node `tls`: a verified handshake trusting only `t`'s roots; returns the leaf's SHA-256 or an error. */
function nodeTls(t: Trust): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, ca: readFileSync(caFile(t)), servername: 'lb.test' });
    s.setTimeout(10_000, () => s.destroy(new Error('timeout')));
    s.once('secureConnect', () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve({ ok: true, out: fp });
    });
    s.once('error', (e) => resolve({ ok: false, out: String(e) }));
  });
}

/** The Java HttpClient, one JVM for the six stores (PKCS#12 and JKS per trust case): store → verdict. */
async function java(): Promise<Record<string, boolean>> {
  const args = ['-cp', p('java'), 'BridgeProbe', `https://127.0.0.1:${port}/`];
  for (const t of TRUST) {
    args.push(p(`kit-${t}`, 'truststore.p12'), 'PKCS12', 'changeit');
    args.push(p(`kit-${t}`, 'truststore.jks'), 'JKS', 'changeit');
  }
  const r = await run('java', args, { timeout: 120_000 });
  const out: Record<string, boolean> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [verdict, file] = line.split(' ');
    out[file!.slice(dir.length + 1)] = verdict === 'OK';
  }
  return out;
}

/** `openssl s_client -x509_strict -verify_return_error` trusting only `t`'s roots. */
async function sClient(t: Trust): Promise<{ ok: boolean; out: string }> {
  try {
    const child = run(
      'openssl',
      [
        's_client',
        '-connect',
        `127.0.0.1:${port}`,
        '-servername',
        'lb.test',
        '-CAfile',
        caFile(t),
        '-no-CApath',
        '-no-CAstore',
        '-verify_return_error',
        '-x509_strict',
      ],
      { timeout: 20_000 },
    );
    child.child.stdin?.end('');
    const r = await child;
    return { ok: /Verify return code: 0 \(ok\)/.test(r.stdout), out: r.stdout };
  } catch (e) {
    return { ok: false, out: String(e) };
  }
}

/** curl --cacert (with lb.test resolved to 127.0.0.1): a verified request. */
async function curlTrusts(t: Trust): Promise<boolean> {
  try {
    const r = await run(
      'curl',
      [
        '-sS',
        '--max-time',
        '10',
        '--cacert',
        caFile(t),
        '--resolve',
        `lb.test:${port}:127.0.0.1`,
        `https://lb.test:${port}/`,
      ],
      { timeout: 20_000 },
    );
    return r.stdout.length > 0;
  } catch {
    return false;
  }
}

const PY = `
import ssl, socket, sys
ctx = ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10) as s:
    with ctx.wrap_socket(s, server_hostname='lb.test') as t:
        print('ok', t.version())
`;

/** Python's ssl with create_default_context(cafile=…): a verified handshake. */
async function pythonTrusts(t: Trust): Promise<boolean> {
  try {
    const r = await run('python3', ['-c', PY, String(port), caFile(t)], { timeout: 20_000 });
    return r.stdout.startsWith('ok');
  } catch {
    return false;
  }
}

/** Every client in every trust case: name → succeeded. */
async function everyClient(): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  const javaRuns = java();
  for (const t of TRUST) {
    out[`node tls trusting ${t}`] = (await nodeTls(t)).ok;
    out[`s_client -x509_strict trusting ${t}`] = (await sClient(t)).ok;
    out[`curl trusting ${t}`] = await curlTrusts(t);
    out[`python ssl trusting ${t}`] = await pythonTrusts(t);
  }
  for (const [store, verdict] of Object.entries(await javaRuns)) out[`java ${store}`] = verdict;
  return out;
}

const expectAll = (verdict: (t: Trust) => boolean) => {
  const out: Record<string, boolean> = {};
  for (const t of TRUST) {
    out[`node tls trusting ${t}`] = verdict(t);
    out[`s_client -x509_strict trusting ${t}`] = verdict(t);
    out[`curl trusting ${t}`] = verdict(t);
    out[`python ssl trusting ${t}`] = verdict(t);
  }
  for (const t of TRUST) {
    out[`java kit-${t}/truststore.p12`] = verdict(t);
    out[`java kit-${t}/truststore.jks`] = verdict(t);
  }
  return out;
};

/** The stage request for a credential directory, taking over at `at`. */
const stageOf = (cred: string, at: number) => ({
  keyPem: readFileSync(p(cred, 'tls.key'), 'utf8'),
  certPem: readFileSync(p(cred, 'tls.crt'), 'utf8'),
  rootPem: readFileSync(p(cred, 'ca.crt'), 'utf8'),
  activateAt: new Date(at),
});

const leafSha = (cred: string) => new X509Certificate(readFileSync(p(cred, 'tls.crt'))).fingerprint256;

// Set up at the top level: the node and backend are stopped when the file ends (after() in a hook
// would stop them when the hook ends).
{
  const root = (name: string, keyType: string, out: string) =>
    ok([
      'ca',
      'create',
      '--subject',
      `CN=${name},O=rollover bridge`,
      '--key-type',
      keyType,
      '--days',
      '1000',
      '--out',
      p(out),
    ]);
  await root('Bridge Old Root', 'ec-p256', 'old');
  await root('Bridge New Root', 'ec-p384', 'new');
  await ok(['ca', 'cross-sign', '--ca', p('old'), '--subject-ca', p('new'), '--out', p('forward.pem')]);
  await ok(['ca', 'cross-sign', '--ca', p('new'), '--subject-ca', p('old'), '--out', p('reverse.pem')]);
  const issue = (ca: string, out: string, extra: string[] = []) =>
    ok([
      'cert',
      'issue',
      '--ca',
      p(ca),
      '--host',
      'lb.test',
      '--ip',
      '127.0.0.1',
      '--days',
      '90',
      '--out',
      p(out),
      ...extra,
    ]);
  await issue('new', 'new-bridged', ['--bridge', p('forward.pem')]);
  await issue('new', 'new-plain');
  await issue('old', 'old-plain');
  await ok([
    'cert',
    'import',
    '--key',
    p('old-plain', 'tls.key'),
    '--cert',
    p('old-plain', 'tls.crt'),
    '--root',
    p('old', 'ca.crt'),
    '--bridge',
    p('reverse.pem'),
    '--out',
    p('old-bridged'),
  ]);
  const oldPem = readFileSync(p('old', 'ca.crt'), 'utf8');
  const newPem = readFileSync(p('new', 'ca.crt'), 'utf8');
  writeFileSync(caFile('old'), oldPem);
  writeFileSync(caFile('new'), newPem);
  writeFileSync(caFile('both'), oldPem + newPem);
  await ok(['kit', '--root', p('old', 'ca.crt'), '--out', p('kit-old')]);
  await ok(['kit', '--root', p('new', 'ca.crt'), '--out', p('kit-new')]);
  await ok(['kit', '--root', p('new', 'ca.crt'), '--old-root', p('old', 'ca.crt'), '--out', p('kit-both')]);
  writeFileSync(p('BridgeProbe.java'), JAVA);
  await run('javac', ['-d', p('java'), p('BridgeProbe.java')], { timeout: 120_000 });
  backend = await startBackend();
  node = await startNode(
    oneServerConfig({
      stateDir: p('state'),
      credential: p('old-bridged'),
      backends: [backend.url],
      preview: true,
    }),
  );
  port = portOf(node);
}

test('before T: the old leaf with the reverse bridge is accepted trusting only the old root, only the new root, and both', async () => {
  const served = await nodeTls('new');
  assert.equal(served.out, leafSha('old-bridged'), 'the old leaf is served');
  assert.deepEqual(
    await everyClient(),
    expectAll(() => true),
  );
});

test('from T: the new leaf with the forward bridge is accepted trusting only the old root, only the new root, and both', async () => {
  const at = Date.now() + 1500;
  await node.dataPlane.stage('web', stageOf('new-bridged', at));
  await sleep(at - Date.now() + 50);
  const served = await nodeTls('new');
  assert.equal(served.out, leafSha('new-bridged'), 'the new leaf is served');
  assert.deepEqual(
    await everyClient(),
    expectAll(() => true),
  );
});

test('the control: the new leaf without a bridge is refused by every client trusting only the old root', async () => {
  const at = Date.now() + 1500;
  await node.dataPlane.stage('web', stageOf('new-plain', at));
  await sleep(at - Date.now() + 50);
  assert.deepEqual(
    await everyClient(),
    expectAll((t) => t !== 'old'),
  );
});

test('the control: the old leaf without the reverse bridge is refused by every client trusting only the new root', async () => {
  const at = Date.now() + 1500;
  await node.dataPlane.stage('web', stageOf('old-plain', at));
  await sleep(at - Date.now() + 50);
  assert.deepEqual(
    await everyClient(),
    expectAll((t) => t !== 'new'),
  );
});

// The same chains served by HAProxy and nginx (the files an operator would give them).
for (const [server, cred] of [
  ['HAProxy', 'new-bridged'],
  ['nginx', 'new-bridged'],
  ['HAProxy', 'old-bridged'],
  ['nginx', 'old-bridged'],
] as const) {
  test(`${server} serving the ${cred === 'new-bridged' ? 'new leaf with the forward' : 'old leaf with the reverse'} bridge: every client trusting only the old root, only the new root, or both succeeds`, async () => {
    const d = p(`${server}-${cred}`);
    mkdirSync(d, { recursive: true });
    chmodSync(d, 0o755);
    const chain = readFileSync(p(cred, 'tls.crt'), 'utf8');
    const key = readFileSync(p(cred, 'tls.key'), 'utf8');
    const at = await freePort();
    if (server === 'HAProxy') {
      writeFileSync(join(d, 'combined.pem'), chain + key, { mode: 0o600 });
      await startHaproxy({ dir: d, port: at, crtPath: join(d, 'combined.pem'), backendPort: backend.port });
    } else {
      writeFileSync(join(d, 'tls.crt'), chain);
      writeFileSync(join(d, 'tls.key'), key, { mode: 0o600 });
      await startNginx({ dir: d, port: at, backendPort: backend.port, serverName: 'lb.test' });
    }
    port = at;
    const served = await nodeTls('both');
    assert.equal(served.out, leafSha(cred));
    assert.deepEqual(
      await everyClient(),
      expectAll(() => true),
    );
  });
}
