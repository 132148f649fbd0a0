/**
 * TLS profiles of the built-in data plane, judged by real handshakes: each profile offers the
 * protocol versions and suites Mozilla's recommendation of that name allows and nothing else (no CBC
 * suite in intermediate), refuses client-initiated renegotiation, keeps the same policy on the staged
 * credential, after the exchange at T and on the preview listener, and refuses to stage a key it does
 * not serve (KEY_NOT_IN_TLS_PROFILE) without changing anything.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, type TLSSocket } from 'node:tls';
import pino from 'pino';
import { resolveConfig } from '../../src/lb/config.js';
import { startLbNode } from '../../src/lb/node.js';
import { STATE_FILE } from '../../src/lb/state-store.js';
import { nodeConfig } from '../../src/main/lb-node.js';
import { issueCredential } from '../../src/pki/credential.js';
import { systemClock } from '../../src/shared/time.js';
import { mintCredential, mintIntermediate, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';
import { get, oneServerConfig, portOf, startBackend, startNode, trusting } from './kit.js';

const dir = tempDir();
const oldRoot = await mintRoot('Old Root');
const newRoot = await mintRoot('New Root');
const ecOld = await mintCredential(oldRoot, ['lb.test']);
const ecNew = await mintCredential(newRoot, ['lb.test']);
const rsaOld = await mintCredential(oldRoot, ['lb.test'], { keyType: 'rsa-2048' });
const rsaNew = await mintCredential(newRoot, ['lb.test'], { keyType: 'rsa-2048' });
const backend = await startBackend();

/** What one handshake got. */
interface Hand {
  ok: boolean;
  protocol?: string;
  cipher?: string;
  sha256?: string;
  error?: string;
}

/** One handshake with the given client limits; never throws. */
function hand(
  port: number,
  o: { min?: string; max?: string; ciphers?: string } = {},
  then?: (s: TLSSocket) => Promise<string | undefined>,
): Promise<Hand & { after?: string | undefined }> {
  return new Promise((resolve) => {
    let s: TLSSocket;
    try {
      s = connect({
        host: '127.0.0.1',
        port,
        servername: 'lb.test',
        rejectUnauthorized: false,
        ...(o.min ? { minVersion: o.min as 'TLSv1' } : {}),
        ...(o.max ? { maxVersion: o.max as 'TLSv1' } : {}),
        ...(o.ciphers ? { ciphers: o.ciphers } : {}),
      });
    } catch (e) {
      resolve({ ok: false, error: (e as NodeJS.ErrnoException).code ?? String(e) });
      return;
    }
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, error: 'timeout' });
    }, 8000);
    let lateError = '';
    s.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code ?? e.message;
      if (s.listenerCount('secureConnect') === 0) {
        lateError ||= code;
        return;
      }
      clearTimeout(timer);
      resolve({ ok: false, error: code });
    });
    s.once('secureConnect', async () => {
      clearTimeout(timer);
      const r: Hand = {
        ok: true,
        protocol: s.getProtocol() ?? '',
        cipher: s.getCipher().standardName,
        sha256: (s.getPeerCertificate().fingerprint256 ?? '').replace(/:/g, '').toLowerCase(),
      };
      const after = then ? await then(s) : undefined;
      s.destroy();
      resolve({ ...r, after: lateError ? `${after} (${lateError})` : after });
    });
  });
}

/** Runs `openssl s_client`, sends `input` slowly, and returns its exit code and output (never blocks the loop). */
function sClient(args: string[], input: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('openssl', ['s_client', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill(), 15_000);
    let i = 0;
    const tick = setInterval(() => {
      if (i < input.length) p.stdin.write(`${input[i++]}\n`);
      else {
        clearInterval(tick);
        p.stdin.end();
      }
    }, 700);
    p.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(tick);
      resolve({ code, out });
    });
  });
}

const CBC12 =
  'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA';
const TLS12 = { min: 'TLSv1.2', max: 'TLSv1.2' };

async function node(name: string, cred: typeof ecOld, tls?: Record<string, unknown>, preview = false) {
  const stateDir = join(dir, name);
  const n = await startNode(
    oneServerConfig({
      stateDir,
      credential: await saveCredential(join(dir, `${name}-cred`), cred),
      backends: [backend.url],
      preview,
      ...(tls ? { tls } : {}),
    }),
  );
  return { n, stateDir, port: portOf(n), previewPort: preview ? portOf(n, 'preview') : 0 };
}

const inter = await node('intermediate', ecOld, undefined, true);

test('intermediate (the default): TLS 1.2 and 1.3, AEAD suites only, no TLS 1.1', async () => {
  const t13 = await hand(inter.port);
  assert.equal(t13.protocol, 'TLSv1.3');
  const gcm = await hand(inter.port, { ...TLS12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
  assert.deepEqual([gcm.ok, gcm.protocol], [true, 'TLSv1.2']);
  const chacha = await hand(inter.port, { ...TLS12, ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' });
  assert.equal(chacha.ok, true);
  const cbc = await hand(inter.port, { ...TLS12, ciphers: CBC12 });
  assert.equal(cbc.ok, false, `a CBC suite was negotiated: ${cbc.cipher}`);
  const t11 = await hand(inter.port, {
    min: 'TLSv1.1',
    max: 'TLSv1.1',
    ciphers: 'ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0',
  });
  assert.equal(t11.ok, false);
});

test('client-initiated renegotiation is refused (Node client and openssl s_client "R")', async () => {
  const r = await hand(inter.port, TLS12, (s) => {
    return new Promise((res) => {
      // A refused renegotiation surfaces as an error on the socket (the callback only reports success).
      s.once('error', (e) => res(`refused: ${(e as NodeJS.ErrnoException).code}`));
      s.once('close', () => res('closed'));
      const ok = s.renegotiate({ rejectUnauthorized: false }, (err) =>
        res(err ? `refused: ${err.message}` : 'renegotiated'),
      );
      if (!ok) res('refused at once');
    });
  });
  assert.equal(r.ok, true, r.error);
  assert.match(r.after ?? '', /refused: ERR_SSL_NO_RENEGOTIATION/);
  const sc = await sClient(
    ['-connect', `127.0.0.1:${inter.port}`, '-tls1_2', '-servername', 'lb.test'],
    ['R'],
  );
  assert.match(sc.out, /RENEGOTIATING/);
  assert.match(sc.out, /no renegotiation/);
  assert.notEqual(sc.code, 0, sc.out);
});

test('lb status shows the TLS profile of each virtual server', async () => {
  const s = (await cli(['lb', 'status', '--state-dir', inter.stateDir, '--json'])).json();
  assert.deepEqual(s.virtualServers[0].tlsProfile, {
    name: 'intermediate',
    protocols: ['TLSv1.2', 'TLSv1.3'],
  });
  const text = await cli(['lb', 'status', '--state-dir', inter.stateDir]);
  assert.match(text.stdout, /tls +intermediate \(TLSv1\.2, TLSv1\.3\)/);
});

test('the staged credential, the preview listener and the exchange at T keep the same policy', async () => {
  const T = new Date(Date.now() + 2500);
  const credDir = await saveCredential(join(dir, 'inter-new'), rsaNew);
  const r = await cli([
    'lb',
    'stage',
    '--state-dir',
    inter.stateDir,
    '--credential',
    credDir,
    '--at',
    T.toISOString(),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const newSha = rsaNew.chain[0]!.sha256;
  // Before T: the preview serves the staged RSA credential under the same policy.
  const pv = await hand(inter.previewPort, { ...TLS12, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
  assert.deepEqual([pv.ok, pv.sha256], [true, newSha]);
  const pvCbc = await hand(inter.previewPort, { ...TLS12, ciphers: 'ECDHE-RSA-AES128-SHA:AES128-SHA' });
  assert.equal(pvCbc.ok, false);
  const before = await hand(inter.port);
  assert.equal(before.sha256, ecOld.chain[0]!.sha256);
  await new Promise((res) => setTimeout(res, Math.max(0, T.getTime() - Date.now() + 100)));
  const after = await hand(inter.port, { ...TLS12, ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' });
  assert.deepEqual([after.ok, after.sha256], [true, newSha]);
  const afterCbc = await hand(inter.port, {
    ...TLS12,
    ciphers: 'ECDHE-RSA-AES128-SHA:AES128-SHA:AES256-SHA',
  });
  assert.equal(afterCbc.ok, false);
  const after13 = await hand(inter.port);
  assert.deepEqual([after13.protocol, after13.sha256], ['TLSv1.3', newSha]);
});

test('modern: TLS 1.3 only; staging an RSA key is refused with KEY_NOT_IN_TLS_PROFILE and changes nothing', async () => {
  const m = await node('modern', ecOld, { tlsProfile: 'modern' });
  assert.equal((await hand(m.port)).protocol, 'TLSv1.3');
  assert.equal((await hand(m.port, { ...TLS12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).ok, false);
  const before = readFileSync(join(m.stateDir, STATE_FILE));
  const credDir = await saveCredential(join(dir, 'modern-rsa'), rsaNew);
  const at = new Date(Date.now() + 3_600_000).toISOString();
  const r = await cli(['lb', 'stage', '--state-dir', m.stateDir, '--credential', credDir, '--at', at]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error\[KEY_NOT_IN_TLS_PROFILE\]/);
  assert.match(r.stderr, /modern TLS profile serves ECDSA certificates only/);
  assert.deepEqual(readFileSync(join(m.stateDir, STATE_FILE)), before);
  const ok = await cli([
    'lb',
    'stage',
    '--state-dir',
    m.stateDir,
    '--credential',
    await saveCredential(join(dir, 'modern-ec'), ecNew),
    '--at',
    at,
  ]);
  assert.equal(ok.code, 0, ok.stderr);
});

test('old: TLS 1.0 with a CBC suite for the oldest clients, an RSA certificate only', async () => {
  const o = await node('old', rsaOld, { tlsProfile: 'old' });
  const t10 = await hand(o.port, { min: 'TLSv1', max: 'TLSv1', ciphers: 'ECDHE-RSA-AES128-SHA:@SECLEVEL=0' });
  assert.deepEqual([t10.ok, t10.protocol], [true, 'TLSv1'], t10.error);
  assert.equal((await hand(o.port)).protocol, 'TLSv1.3');
  const cbc = await hand(o.port, { ...TLS12, ciphers: 'AES256-SHA:@SECLEVEL=0' });
  assert.deepEqual([cbc.ok, cbc.cipher], [true, 'TLS_RSA_WITH_AES_256_CBC_SHA'], cbc.error);
  const at = new Date(Date.now() + 3_600_000).toISOString();
  const credDir = await saveCredential(join(dir, 'old-ec'), ecNew);
  const r = await cli(['lb', 'stage', '--state-dir', o.stateDir, '--credential', credDir, '--at', at]);
  assert.match(r.stderr, /error\[KEY_NOT_IN_TLS_PROFILE\]/);
  const s = (await cli(['lb', 'status', '--state-dir', o.stateDir, '--json'])).json();
  assert.deepEqual(s.virtualServers[0].tlsProfile.protocols, ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
});

test('overrides: minVersion and ciphers replace the profile, and status names them', async () => {
  const v = await node('override', ecOld, {
    minVersion: 'TLSv1.3',
  });
  assert.equal((await hand(v.port, { ...TLS12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).ok, false);
  const c = await node('ciphers', ecOld, { ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
  assert.equal((await hand(c.port, { ...TLS12, ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' })).ok, false);
  assert.equal((await hand(c.port, { ...TLS12, ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' })).ok, true);
  const s = (await cli(['lb', 'status', '--state-dir', c.stateDir, '--json'])).json();
  assert.deepEqual(s.virtualServers[0].tlsProfile.overrides, { ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' });
});

test('hsts adds Strict-Transport-Security to every proxied response in http mode; refused in tcp mode', async () => {
  const h = await node('hsts', ecOld, { hsts: { maxAge: '730d', includeSubDomains: true } });
  const a = await get(h.port, { ctx: trusting(ecOld), servername: 'lb.test' });
  assert.equal(a.status, 200);
  assert.equal(a.headers['strict-transport-security'], 'max-age=63072000; includeSubDomains');
  const plain = await get(inter.port, { ctx: trusting(ecOld, rsaNew), servername: 'lb.test' });
  assert.equal(plain.headers['strict-transport-security'], undefined);
  const tcp = {
    stateDir: dir,
    virtualServers: [
      {
        name: 't',
        mode: 'tcp',
        listen: '127.0.0.1:0',
        hosts: ['lb.test'],
        credential: dir,
        backends: ['tcp://127.0.0.1:1'],
        hsts: { maxAge: '1d' },
      },
    ],
  };
  assert.throws(() => resolveConfig(tcp, { workers: 1 }), /hsts needs mode: http/);
});

test('a chained credential naming an unreachable OCSP responder is served without a staple; the node logs the failed fetch', async () => {
  const ica = await mintIntermediate(oldRoot, 'OCSP Inter');
  const cred = await issueCredential({
    ca: ica,
    keyType: 'ec-p256',
    hosts: ['lb.test'],
    ips: ['127.0.0.1'],
    days: 30,
    now: new Date(),
    revocation: { ocspUrl: 'http://ocsp.example.test/' },
  });
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  const n = await startLbNode(
    oneServerConfig({
      stateDir: join(dir, 'ocsp'),
      credential: await saveCredential(join(dir, 'ocsp-cred'), cred),
      backends: [backend.url],
    }),
    { clock: systemClock, log },
  );
  try {
    const a = await get(portOf(n), { ctx: trusting(cred), servername: 'lb.test' });
    assert.equal(a.status, 200);
    const failedFetch = () =>
      lines.map((l) => JSON.parse(l)).find((l) => /OCSP stapling: fetch failed/.test(l.msg));
    for (let i = 0; i < 100 && !failedFetch(); i++) await new Promise((r) => setTimeout(r, 100));
    const said = failedFetch();
    assert.ok(said, lines.join(''));
    assert.equal(said.ocsp, 'http://ocsp.example.test/');
    assert.equal(said.stapling, false);
    assert.equal((await get(portOf(n), { ctx: trusting(cred), servername: 'lb.test' })).status, 200);
    assert.equal(lines.map((l) => JSON.parse(l)).filter((l) => l.code === 'NOT_YET').length, 0);
  } finally {
    await n.stop();
  }
});

test('the configuration refuses an unknown profile, version or cipher list', () => {
  const base = (extra: Record<string, unknown>) => ({
    stateDir: dir,
    virtualServers: [
      {
        name: 'a',
        listen: '127.0.0.1:0',
        hosts: ['lb.test'],
        credential: dir,
        backends: ['http://x'],
        ...extra,
      },
    ],
  });
  for (const extra of [{ tlsProfile: 'paranoid' }, { minVersion: 'SSLv3' }, { ciphers: 'NO-SUCH-CIPHER' }]) {
    assert.throws(
      () => resolveConfig(base(extra), { workers: 1 }),
      { code: 'BAD_ARGUMENT' },
      JSON.stringify(extra),
    );
  }
  assert.equal(resolveConfig(base({}), { workers: 1 }).virtualServers[0]!.tls.profile, 'intermediate');
});

test('lb run --tls-profile and overrides for one virtual server; refused beside --config', async () => {
  const flags = {
    host: ['lb.test'],
    backend: ['http://127.0.0.1:1'],
    name: 'default',
    control: '127.0.0.1:0',
    healthPath: '/',
    logLevel: 'info',
    listen: '127.0.0.1:0',
    credential: dir,
    stateDir: dir,
  };
  const c = await nodeConfig({ ...flags, tlsProfile: 'modern' }, dir);
  assert.equal(c.virtualServers[0]!.tls.profile, 'modern');
  const o = await nodeConfig(
    { ...flags, minVersion: 'TLSv1.3', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
    dir,
  );
  assert.deepEqual(o.virtualServers[0]!.tls.overrides, {
    minVersion: 'TLSv1.3',
    ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  });
  const file = join(dir, 'lb.json');
  writeFileSync(file, JSON.stringify({ stateDir: dir, virtualServers: [] }));
  await assert.rejects(
    nodeConfig(
      { ...flags, listen: undefined, credential: undefined, backend: [], config: file, tlsProfile: 'old' },
      dir,
    ),
    (e: Error & { code?: string }) =>
      e.code === 'BAD_ARGUMENT' && /per virtual server in the file/.test(e.message),
  );
});
