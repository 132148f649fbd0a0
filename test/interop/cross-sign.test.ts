/**
 * Bridges between two roots, proved with outside clients: a leaf under the new root served with the
 * forward bridge (and an old leaf with the reverse bridge) validates for `openssl verify -x509_strict`,
 * `openssl s_client -verify_return_error`, curl and Python `ssl` trusting only the old root and only the
 * new root, against a real node:tls server. Bad input is refused with a stable code and nothing written.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { onFileEnd } from '../kit/cleanup.js';
import { cli } from '../kit/cli.js';
import { openssl, opensslTry } from '../kit/openssl.js';
import { tempDir } from '../kit/tmp.js';

const run = promisify(execFile);
const dir = tempDir();
const p = (...parts: string[]) => join(dir, ...parts);

async function ok(args: string[]): Promise<string> {
  const r = await cli(args);
  assert.equal(r.code, 0, `rollover ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

function root(name: string, keyType: string, days: number, out: string, extra: string[] = []) {
  return ok([
    'ca',
    'create',
    '--subject',
    `CN=${name},O=rollover bridge`,
    '--key-type',
    keyType,
    '--days',
    `${days}`,
    '--out',
    p(out),
    ...extra,
  ]);
}

function leaf(ca: string, out: string) {
  return ok([
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
  ]);
}

/** openssl verify -x509_strict of a leaf with `untrusted` certificates against one CA file. */
function verify(caFile: string, leafDir: string, untrusted?: string) {
  const args = ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', caFile];
  if (untrusted) args.push('-untrusted', untrusted);
  return opensslTry([...args, join(leafDir, 'tls.crt')]);
}

/** A real TLS server (node:tls via https) presenting the leaf followed by `extra` PEM certificates. */
async function serve(leafDir: string, extra: string[]): Promise<string> {
  const cert = [
    readFileSync(join(leafDir, 'tls.crt'), 'utf8'),
    ...extra.map((f) => readFileSync(f, 'utf8')),
  ].join('');
  const server = https.createServer({ key: readFileSync(join(leafDir, 'tls.key')), cert }, (_q, res) =>
    res.end('ok'),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onFileEnd(() => {
    server.closeAllConnections();
    server.close();
  });
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Whether s_client, curl and Python ssl each complete a verified handshake trusting only `caFile`. */
async function clients(url: string, caFile: string): Promise<Record<string, boolean>> {
  const port = new URL(url).port;
  const tryRun = async (cmd: string, args: string[], input?: string) => {
    try {
      const child = run(cmd, args, { timeout: 20_000 });
      if (input !== undefined) child.child.stdin?.end(input);
      const r = await child;
      return { ok: true, out: r.stdout };
    } catch (e) {
      return { ok: false, out: String(e) };
    }
  };
  const s = await tryRun(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-verify_return_error', '-x509_strict'],
    '',
  );
  const c = await tryRun('curl', ['-sS', '--cacert', caFile, url]);
  const py = await tryRun('python3', [
    '-c',
    'import ssl,sys,urllib.request\nctx=ssl.create_default_context(cafile=sys.argv[1])\nprint(urllib.request.urlopen(sys.argv[2],context=ctx).read().decode())',
    caFile,
    url,
  ]);
  return {
    s_client: s.ok && /Verify return code: 0 \(ok\)/.test(s.out),
    curl: c.ok && c.out === 'ok',
    python: py.ok && py.out.trim() === 'ok',
  };
}

const ALL = { s_client: true, curl: true, python: true };
const NONE = { s_client: false, curl: false, python: false };

before(async () => {
  await root('Old Root', 'ec-p256', 1000, 'old');
  await root('New Root', 'ec-p384', 3650, 'new');
  await leaf('new', 'leaf-new');
  await leaf('old', 'leaf-old');
});

describe('ca cross-sign', () => {
  test("the forward bridge carries the new root's name, key and SKI, issued by the old root, and ends with it", async () => {
    const r = await cli([
      'ca',
      'cross-sign',
      '--ca',
      p('old'),
      '--subject-ca',
      p('new'),
      '--out',
      p('forward.pem'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = r.json();
    const text = openssl([
      'x509',
      '-in',
      p('forward.pem'),
      '-noout',
      '-text',
      '-subject',
      '-issuer',
      '-enddate',
    ]);
    assert.match(text, /subject=CN\s*=\s*New Root/);
    assert.match(text, /issuer=CN\s*=\s*Old Root/);
    assert.match(text, /CA:TRUE/);
    assert.match(text, /Certificate Sign, CRL Sign/);
    const key = (f: string) => openssl(['x509', '-in', f, '-noout', '-pubkey']);
    assert.equal(key(p('forward.pem')), key(p('new', 'ca.crt')));
    const ski = (f: string) =>
      /Subject Key Identifier:\s*\n\s*([0-9A-F:]+)/.exec(openssl(['x509', '-in', f, '-noout', '-text']))![1];
    assert.equal(ski(p('forward.pem')), ski(p('new', 'ca.crt')));
    assert.match(text, new RegExp(`Authority Key Identifier:\\s*\\n\\s*(keyid:)?${ski(p('old', 'ca.crt'))}`));
    const oldEnd = openssl(['x509', '-in', p('old', 'ca.crt'), '-noout', '-enddate']).trim();
    assert.ok(text.includes(oldEnd), `${oldEnd} in\n${text}`);
    assert.equal(out.subjectRootSha256.length, 64);
    assert.equal(out.issuerRootSha256.length, 64);
    assert.notEqual(out.subjectRootSha256, out.issuerRootSha256);
    const human = await cli([
      'ca',
      'cross-sign',
      '--ca',
      p('new'),
      '--subject-ca',
      p('old'),
      '--out',
      p('reverse.pem'),
    ]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /bridge written/);
    assert.ok(human.stdout.includes(out.subjectRootSha256.toUpperCase().match(/.{2}/g)!.join(':')));
  });

  test('openssl verify -x509_strict: leaf+forward bridge validates to only the old root and to only the new root', () => {
    assert.deepEqual(verify(p('old', 'ca.crt'), p('leaf-new'), p('forward.pem')).ok, true);
    assert.deepEqual(verify(p('new', 'ca.crt'), p('leaf-new'), p('forward.pem')).ok, true);
    // The control: without the bridge the old root does not validate the new leaf.
    assert.equal(verify(p('old', 'ca.crt'), p('leaf-new')).ok, false);
  });

  test('openssl verify -x509_strict: old leaf+reverse bridge validates to only the new root and to only the old root', () => {
    assert.equal(verify(p('new', 'ca.crt'), p('leaf-old'), p('reverse.pem')).ok, true);
    assert.equal(verify(p('old', 'ca.crt'), p('leaf-old'), p('reverse.pem')).ok, true);
    assert.equal(verify(p('new', 'ca.crt'), p('leaf-old')).ok, false);
  });

  test('a node:tls server with leaf+forward bridge is accepted by s_client, curl and Python trusting only either root', async () => {
    const bridged = await serve(p('leaf-new'), [p('forward.pem')]);
    assert.deepEqual(await clients(bridged, p('old', 'ca.crt')), ALL);
    assert.deepEqual(await clients(bridged, p('new', 'ca.crt')), ALL);
    const plain = await serve(p('leaf-new'), []);
    assert.deepEqual(await clients(plain, p('old', 'ca.crt')), NONE);
  });

  test('a node:tls server with old leaf+reverse bridge is accepted by clients trusting only the new root', async () => {
    const bridged = await serve(p('leaf-old'), [p('reverse.pem')]);
    assert.deepEqual(await clients(bridged, p('new', 'ca.crt')), ALL);
    assert.deepEqual(await clients(bridged, p('old', 'ca.crt')), ALL);
  });
});

describe('ca cross-sign refuses bad input, writing nothing', () => {
  before(async () => {
    await ok([
      'ca',
      'create',
      '--subject',
      'CN=Issuing,O=rollover bridge',
      '--days',
      '500',
      '--issuer',
      p('old'),
      '--out',
      p('int'),
    ]);
    await root('Old Root', 'ec-p256', 900, 'same-name');
    await root('Plain Root', 'ec-p256', 900, 'plain', ['--no-encrypt']);
    // A root with the plain root's key under another name, as an outside tool would make it.
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      p('plain', 'ca.key'),
      '-subj',
      '/CN=Same Key Root',
      '-days',
      '800',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      p('same-key.crt'),
    ]);
  });

  const listing = () => readdirSync(dir).sort().join(' ');

  for (const [name, args, code, env] of [
    ['an intermediate as issuer', ['--ca', 'int', '--subject-ca', 'new'], 'NOT_A_ROOT', {}],
    ['an intermediate as subject', ['--ca', 'new', '--subject-ca', 'int'], 'NOT_A_ROOT', {}],
    ['two roots of one name', ['--ca', 'old', '--subject-ca', 'same-name'], 'ROOTS_SHARE_SUBJECT', {}],
    [
      'a bridge outliving the old root',
      ['--ca', 'old', '--subject-ca', 'new', '--days', '2000'],
      'ROOT_EXPIRES_FIRST',
      {},
    ],
    [
      'a wrong passphrase',
      ['--ca', 'old', '--subject-ca', 'new'],
      'WRONG_PASSPHRASE',
      { ROLLOVER_PASSPHRASE: 'not-it' },
    ],
  ] as const) {
    test(name, async () => {
      const before = listing();
      const full = args.map((a, i) => (i % 2 === 1 && args[i - 1] !== '--days' ? p(a) : a));
      const r = await cli(['ca', 'cross-sign', ...full, '--out', p('refused.pem'), '--json'], {
        env: { ...env },
      });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr + r.stdout, new RegExp(code));
      assert.equal(existsSync(p('refused.pem')), false);
      assert.equal(listing(), before);
    });
  }

  test('two roots sharing a key', async () => {
    const sameKeyDir = p('same-key');
    await ok([
      'ca',
      'create',
      '--subject',
      'CN=Placeholder',
      '--days',
      '10',
      '--out',
      sameKeyDir,
      '--no-encrypt',
    ]);
    writeFileSync(join(sameKeyDir, 'ca.crt'), readFileSync(p('same-key.crt')));
    const r = await cli([
      'ca',
      'cross-sign',
      '--ca',
      p('plain'),
      '--subject-ca',
      sameKeyDir,
      '--out',
      p('refused.pem'),
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /ROOTS_SHARE_KEY/);
    assert.equal(existsSync(p('refused.pem')), false);
  });

  test('an existing --out is kept unless --force', async () => {
    const before = readFileSync(p('forward.pem'));
    const r = await cli([
      'ca',
      'cross-sign',
      '--ca',
      p('old'),
      '--subject-ca',
      p('new'),
      '--out',
      p('forward.pem'),
    ]);
    assert.match(r.stderr + r.stdout, /FILE_EXISTS/);
    assert.deepEqual(readFileSync(p('forward.pem')), before);
  });
});

describe('cert issue --bridge', () => {
  test('tls.crt is leaf + bridge; cert check passes against the new root and against --root OLD', async () => {
    const r = await cli([
      'cert',
      'issue',
      '--ca',
      p('new'),
      '--host',
      'lb.test',
      '--ip',
      '127.0.0.1',
      '--days',
      '90',
      '--bridge',
      p('forward.pem'),
      '--out',
      p('bridged'),
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.json().bridge.issuer, /Old Root/);
    const pems = readFileSync(p('bridged', 'tls.crt'), 'utf8').match(/-----BEGIN CERTIFICATE-----/g) ?? [];
    assert.equal(pems.length, 2);
    assert.ok(readFileSync(p('bridged', 'tls.crt'), 'utf8').endsWith(readFileSync(p('forward.pem'), 'utf8')));
    const check = await cli(['cert', 'check', '--credential', p('bridged')]);
    assert.equal(check.code, 0, check.stderr + check.stdout);
    assert.match(check.stdout, /the bridge to "CN=Old Root.*" \(until .*\) is served but not checked/);
    const old = await cli(['cert', 'check', '--credential', p('bridged'), '--root', p('old', 'ca.crt')]);
    assert.equal(old.code, 0, old.stderr + old.stdout);
    assert.match(
      old.stdout,
      /validates to the new root \(CN=New Root.*\) and, through the bridge, to the old root \(CN=Old Root.*\) until \d{4}-/,
    );
    // The control: an unbridged credential under the new root does not pass --root OLD.
    const plain = await cli(['cert', 'check', '--credential', p('leaf-new'), '--root', p('old', 'ca.crt')]);
    assert.notEqual(plain.code, 0);
    const inspect = await cli(['cert', 'inspect', p('bridged', 'tls.crt')]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(
      inspect.stdout,
      /\[2\] is a bridge: it stands for the root CN=New Root.*, issued by CN=Old Root/,
    );
    const explicit = await cli(['cert', 'inspect', p('forward.pem'), '--root', p('new', 'ca.crt')]);
    assert.doesNotMatch(explicit.stdout, /is a bridge/, 'a lone certificate is not a served chain');
    writeFileSync(p('bridged-copy.pem'), readFileSync(p('bridged', 'tls.crt')));
    const json = (
      await cli(['cert', 'inspect', p('bridged-copy.pem'), '--root', p('new', 'ca.crt'), '--json'])
    ).json();
    assert.equal(json.bridge.index, 1);
    assert.match(json.bridge.issuer, /Old Root/);
    // The control: a chain without a bridge names none.
    assert.doesNotMatch((await cli(['cert', 'inspect', p('leaf-new', 'tls.crt')])).stdout, /is a bridge/);
    const url = await serve(p('bridged'), []);
    assert.deepEqual(await clients(url, p('old', 'ca.crt')), ALL);
    assert.deepEqual(await clients(url, p('new', 'ca.crt')), ALL);
  });

  test('cert check --root OLD fails once the bridge has expired, and passes before', async () => {
    await ok([
      'ca',
      'cross-sign',
      '--ca',
      p('old'),
      '--subject-ca',
      p('new'),
      '--days',
      '30',
      '--out',
      p('short.pem'),
    ]);
    await ok([
      'cert',
      'issue',
      '--ca',
      p('new'),
      '--host',
      'lb.test',
      '--days',
      '90',
      '--bridge',
      p('short.pem'),
      '--out',
      p('short'),
    ]);
    const at = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
    const args = ['cert', 'check', '--credential', p('short'), '--root', p('old', 'ca.crt'), '--valid-at'];
    const early = await cli([...args, at(10)]);
    assert.equal(early.code, 0, early.stdout);
    const late = await cli([...args, at(60)]);
    assert.notEqual(late.code, 0, late.stdout);
    assert.match(late.stdout, /✗ not-expired/);
  });

  test('cert import --bridge: tls.crt is the leaf + bridge and cert check --root OLD passes; a wrong bridge is refused', async () => {
    const base = [
      'cert',
      'import',
      '--key',
      p('leaf-new', 'tls.key'),
      '--cert',
      p('leaf-new', 'tls.crt'),
      '--root',
      p('new', 'ca.crt'),
    ];
    await ok([...base, '--bridge', p('forward.pem'), '--out', p('imported')]);
    const text = readFileSync(p('imported', 'tls.crt'), 'utf8');
    assert.equal((text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length, 2);
    assert.ok(text.endsWith(readFileSync(p('forward.pem'), 'utf8')));
    const check = await cli(['cert', 'check', '--credential', p('imported'), '--root', p('old', 'ca.crt')]);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /through the bridge, to the old root/);
    const wrong = await cli([...base, '--bridge', p('reverse.pem'), '--out', p('imported-wrong')]);
    assert.match(wrong.stderr + wrong.stdout, /BRIDGE_MISMATCH/);
    assert.equal(existsSync(p('imported-wrong')), false);
  });

  test('a bridge for another root is refused and nothing is written', async () => {
    const r = await cli([
      'cert',
      'issue',
      '--ca',
      p('new'),
      '--host',
      'lb.test',
      '--days',
      '90',
      '--bridge',
      p('reverse.pem'),
      '--out',
      p('wrong-bridge'),
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /BRIDGE_MISMATCH/);
    assert.equal(existsSync(p('wrong-bridge')), false);
  });
});
