/**
 * The sender kit against the clients senders really run: keytool lists its stores as trusted
 * entries, a Java 17 HttpClient, curl and Python complete a handshake with a server presenting a
 * credential under the new root, and Java fails with a store that holds only the old root.
 * Child processes run asynchronously: the TLS server lives in this process's event loop.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { mintCredential, mintIntermediate, mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { startTlsServer } from '../kit/tls-server.js';
import { tempDir } from '../kit/tmp.js';

const run = promisify(execFile);
const dir = tempDir('rollover-kit-');
const p = (...parts: string[]) => join(dir, ...parts);

const newRoot = await mintRoot('Kit New Root');
const oldRoot = await mintRoot('Kit Old Root');
const inter = await mintIntermediate(newRoot, 'Kit Intermediate');
const cred = await mintCredential(inter, ['lb.test'], { ips: ['127.0.0.1'] });
writeFileSync(p('new-root.pem'), encodeCertificatesPem([newRoot.root.der]));
writeFileSync(p('old-root.pem'), encodeCertificatesPem([oldRoot.root.der]));
writeFileSync(p('leaf.pem'), encodeCertificatesPem([cred.chain[0]!.der]));
const server = await startTlsServer(cred);

// A kit with both roots (the normal case) and one holding only the old root (the negative control).
const made = await cli([
  'kit',
  '--root',
  p('new-root.pem'),
  '--old-root',
  p('old-root.pem'),
  '--out',
  p('kit'),
]);
const oldOnly = await cli([
  'kit',
  '--root',
  p('old-root.pem'),
  '--out',
  p('old-kit'),
  '--password',
  'other-pw',
]);

const JAVA_CLIENT = `
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

public class KitClient {
  public static void main(String[] args) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    try {
      HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(args[0])).build(),
          HttpResponse.BodyHandlers.ofString());
      System.out.println("HANDSHAKE-OK " + r.statusCode() + " " + r.body());
    } catch (Exception e) {
      System.out.println("HANDSHAKE-FAILED " + e);
      System.exit(1);
    }
  }
}
`;

async function javaGet(store: string, type: string, password: string): Promise<{ ok: boolean; out: string }> {
  try {
    const r = await run('java', [
      `-Djavax.net.ssl.trustStore=${store}`,
      `-Djavax.net.ssl.trustStoreType=${type}`,
      `-Djavax.net.ssl.trustStorePassword=${password}`,
      '-cp',
      p('java'),
      'KitClient',
      server.url,
    ]);
    return { ok: true, out: r.stdout };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

test('rollover kit writes every file of the kit', () => {
  assert.equal(made.code, 0, made.stderr);
  assert.equal(oldOnly.code, 0, oldOnly.stderr);
  for (const f of [
    'root.pem',
    'root.cer',
    'root.p7b',
    'truststore.p12',
    'truststore.jks',
    'FINGERPRINTS.txt',
    'INSTRUCTIONS.md',
  ]) {
    assert.ok(statSync(p('kit', f)).size > 0, f);
  }
  const fp = readFileSync(p('kit', 'FINGERPRINTS.txt'), 'utf8');
  assert.ok(fp.includes(newRoot.root.sha256) && fp.includes(oldRoot.root.sha256));
  assert.ok(fp.includes(newRoot.root.sha1));
  assert.ok(fp.includes(newRoot.root.sha256.toUpperCase().match(/.{2}/g)!.join(':')));
  const howto = readFileSync(p('kit', 'INSTRUCTIONS.md'), 'utf8');
  for (const word of [
    'update-ca-certificates',
    'update-ca-trust',
    'keytool',
    'NODE_EXTRA_CA_CERTS',
    '--renewal-status',
    'create_default_context',
    'curl',
    'certutil',
  ]) {
    assert.ok(howto.includes(word), `INSTRUCTIONS.md mentions ${word}`);
  }
  assert.match(howto, /Keep the current root until the announced removal time/);
});

test('keytool lists both roots of the PKCS#12 and the JKS store as trustedCertEntry', async () => {
  for (const [file, type] of [
    ['truststore.p12', 'PKCS12'],
    ['truststore.jks', 'JKS'],
  ] as const) {
    const { stdout } = await run('keytool', [
      '-list',
      '-keystore',
      p('kit', file),
      '-storepass',
      'changeit',
      '-storetype',
      type,
    ]);
    assert.equal((stdout.match(/trustedCertEntry/g) ?? []).length, 2, `${file}:\n${stdout}`);
    const fps = newRoot.root.sha256.toUpperCase().match(/.{2}/g)!.join(':');
    assert.ok(stdout.includes(fps), `${file} lists the new root's fingerprint`);
  }
});

test('a Java 17 HttpClient trusts the server with either kit store and fails with only the old root', async () => {
  writeFileSync(p('KitClient.java'), JAVA_CLIENT);
  await run('javac', ['-d', p('java'), p('KitClient.java')]);
  const p12 = await javaGet(p('kit', 'truststore.p12'), 'PKCS12', 'changeit');
  assert.ok(p12.ok && p12.out.includes('HANDSHAKE-OK 200 ok'), p12.out);
  const jks = await javaGet(p('kit', 'truststore.jks'), 'JKS', 'changeit');
  assert.ok(jks.ok && jks.out.includes('HANDSHAKE-OK 200 ok'), jks.out);
  const old = await javaGet(p('old-kit', 'truststore.p12'), 'PKCS12', 'other-pw');
  assert.equal(old.ok, false, old.out);
  assert.match(old.out, /HANDSHAKE-FAILED.*(SSLHandshakeException|PKIX)/);
});

test('curl --cacert root.pem and Python ssl.create_default_context(cafile=…) complete the handshake', async () => {
  const curl = await run('curl', ['-sS', '--cacert', p('kit', 'root.pem'), server.url]);
  assert.equal(curl.stdout, 'ok');
  const script = [
    'import ssl, sys, urllib.request',
    'ctx = ssl.create_default_context(cafile=sys.argv[1])',
    'print(urllib.request.urlopen(sys.argv[2], context=ctx).read().decode())',
  ].join('\n');
  const py = await run('python3', ['-c', script, p('kit', 'root.pem'), server.url]);
  assert.equal(py.stdout.trim(), 'ok');
  // The control: curl with only the old root refuses the same server.
  await assert.rejects(run('curl', ['-sS', '--cacert', p('old-kit', 'root.pem'), server.url]));
});

test('root.cer and root.p7b hold the new root as openssl reads them', async () => {
  const der = await run('openssl', [
    'x509',
    '-inform',
    'DER',
    '-in',
    p('kit', 'root.cer'),
    '-noout',
    '-fingerprint',
    '-sha256',
  ]);
  assert.ok(der.stdout.replace(/:/g, '').toLowerCase().includes(newRoot.root.sha256));
  const p7 = await run('openssl', [
    'pkcs7',
    '-inform',
    'DER',
    '-in',
    p('kit', 'root.p7b'),
    '-print_certs',
    '-noout',
  ]);
  assert.match(p7.stdout, /Kit New Root/);
});

test('rollover cert inspect reads the kit stores with their aliases', async () => {
  const r = await cli(['cert', 'inspect', p('kit', 'truststore.jks'), '--password', 'changeit', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = r.json();
  assert.equal(report.format, 'jks');
  assert.deepEqual(
    report.certificates.map((c: { sha256: string }) => c.sha256),
    [newRoot.root.sha256, oldRoot.root.sha256],
  );
  assert.ok(
    report.certificates.every((c: { alias?: string }) => typeof c.alias === 'string' && c.alias.length > 0),
  );
  const wrong = await cli(['cert', 'inspect', p('kit', 'truststore.p12'), '--password', 'nope']);
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /error\[WRONG_PASSWORD\]/);
});

test('an existing kit is refused without --force and replaced with it', async () => {
  const before = readFileSync(p('kit', 'truststore.p12'));
  const again = await cli(['kit', '--root', p('new-root.pem'), '--out', p('kit')]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /error\[FILE_EXISTS\]/);
  assert.ok(readFileSync(p('kit', 'truststore.p12')).equals(before));
  const forced = await cli(['kit', '--root', p('new-root.pem'), '--out', p('kit'), '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.ok(!readFileSync(p('kit', 'truststore.p12')).equals(before));
});

test('a server certificate given as --root is refused and nothing is written', async () => {
  const r = await cli(['kit', '--root', p('leaf.pem'), '--out', p('leaf-kit')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error\[NOT_A_CA_CERT\]/);
  assert.throws(() => statSync(p('leaf-kit')));
});
