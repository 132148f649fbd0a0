/**
 * PKCS#12 and JKS truststores made by keytool and by openssl, changed by rollover, proven with a
 * Java 17 HttpClient (one JVM per phase, checking every store) and `keytool -list`, which must still
 * open each store with the same password. Private keys in a keystore survive an edit unchanged.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { encodePem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { mintCredential, mintIntermediate, mintRoot } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { startTlsServer } from '../kit/tls-server.js';
import { tempDir } from '../kit/tmp.js';

const exec = promisify(execFile);
const dir = tempDir('rollover-ts-ks-');
const p = (...parts: string[]) => join(dir, ...parts);
const PW = 'changeit';
let port = 0;
let newSha = '';

const JAVA = `
import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

public class TrustProbe {
  public static void main(String[] a) throws Exception {
    String url = a[0];
    for (int i = 1; i + 2 < a.length; i += 3) {
      try {
        KeyStore ks = KeyStore.getInstance(a[i + 1]);
        try (FileInputStream in = new FileInputStream(a[i])) { ks.load(in, a[i + 2].toCharArray()); }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        HttpClient c = HttpClient.newBuilder().sslContext(ctx).build();
        HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("OK " + a[i] + " " + r.statusCode());
      } catch (Exception e) {
        System.out.println("FAIL " + a[i] + " " + e);
      }
    }
  }
}
`;

/** Runs the Java probe once for every store; returns file → trusted. */
async function javaTrusts(stores: Array<[string, string]>): Promise<Record<string, boolean>> {
  const args = [p('TrustProbe.java'), `https://127.0.0.1:${port}/`];
  for (const [file, type] of stores) args.push(file, type, PW);
  const r = await exec('java', args, { timeout: 120_000 });
  const out: Record<string, boolean> = {};
  for (const line of r.stdout.trim().split('\n')) {
    const [verdict, file] = line.split(' ');
    out[file!] = verdict === 'OK';
  }
  return out;
}

async function keytoolList(file: string, type: string): Promise<string> {
  const r = await exec('keytool', ['-list', '-keystore', file, '-storetype', type, '-storepass', PW], {
    timeout: 60_000,
  });
  return r.stdout;
}

const sha256Hex = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

before(async () => {
  const oldRoot = await mintRoot('Keystore Old Root');
  const newRoot = await mintRoot('Keystore New Root');
  const cred = await mintCredential(await mintIntermediate(newRoot, 'Keystore Issuing CA'), ['lb.test']);
  writeFileSync(p('old-root.pem'), encodePem('CERTIFICATE', oldRoot.cert.der));
  writeFileSync(p('new-root.pem'), encodePem('CERTIFICATE', newRoot.cert.der));
  writeFileSync(p('client.crt'), encodePem('CERTIFICATE', cred.chain[0]!.der));
  writeFileSync(p('client.key'), privateKeyToPem(cred.key.keyObject));
  writeFileSync(p('TrustProbe.java'), JAVA);
  newSha = newRoot.cert.sha256;
  port = (await startTlsServer(cred)).port;
  const importOld = (file: string, type: string) =>
    exec(
      'keytool',
      [
        '-importcert',
        '-noprompt',
        '-alias',
        'oldroot',
        '-file',
        p('old-root.pem'),
        '-keystore',
        file,
        '-storetype',
        type,
        '-storepass',
        PW,
      ],
      {
        timeout: 60_000,
      },
    );
  await Promise.all([importOld(p('keytool.p12'), 'PKCS12'), importOld(p('keytool.jks'), 'JKS')]);
  // openssl: a certificate-only PKCS#12 (no Java trust attribute), and a keystore with a key.
  await exec('openssl', [
    'pkcs12',
    '-export',
    '-nokeys',
    '-in',
    p('old-root.pem'),
    '-out',
    p('openssl.p12'),
    '-passout',
    `pass:${PW}`,
  ]);
  await exec('openssl', [
    'pkcs12',
    '-export',
    '-inkey',
    p('client.key'),
    '-in',
    p('client.crt'),
    '-name',
    'client',
    '-out',
    p('with-key.p12'),
    '-passout',
    `pass:${PW}`,
  ]);
});

test('keytool and openssl stores gain the new root: Java trusts the server, keytool lists it, and removal undoes it', async () => {
  const stores: Array<[string, string]> = [
    [p('keytool.p12'), 'PKCS12'],
    [p('keytool.jks'), 'JKS'],
    [p('openssl.p12'), 'PKCS12'],
  ];
  const before = await javaTrusts(stores);
  assert.deepEqual(Object.values(before), [false, false, false], 'only the old root: Java must refuse');

  for (const [file] of stores) {
    const r = await cli(['truststore', 'add', file, p('new-root.pem'), '--password', PW, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json().changed, true);
    const again = await cli(['truststore', 'add', file, p('new-root.pem'), '--password', PW]);
    assert.match(again.stdout, /already trusted/);
  }
  const listed = (await cli(['truststore', 'list', p('keytool.jks'), '--password', PW, '--json'])).json();
  assert.deepEqual(
    listed.entries.map((e: { alias: string }) => e.alias),
    ['oldroot', 'keystore-new-root'],
  );

  const after = await javaTrusts(stores);
  assert.deepEqual(after, Object.fromEntries(stores.map(([f]) => [f, true])));
  for (const [file, type] of stores) {
    const out = await keytoolList(file, type);
    assert.match(out, /keystore-new-root, .*trustedCertEntry/, `${file}: ${out}`);
    assert.match(out, /Your keystore contains 2 entries/, `${file}: ${out}`);
  }

  for (const [file] of stores) {
    const r = await cli(['truststore', 'remove', file, '--password', PW, '--fingerprint', newSha]);
    assert.equal(r.code, 0, r.stderr);
  }
  const removed = await javaTrusts(stores);
  assert.deepEqual(
    Object.values(removed),
    [false, false, false],
    'without the new root Java must refuse again',
  );
  for (const [file, type] of stores) {
    const out = await keytoolList(file, type);
    assert.match(out, /Your keystore contains 1 entry/, `${file}: ${out}`);
    // keytool named the entry; openssl gave none, so the CN stands in.
    assert.match(out, /(oldroot|keystore old root), .*trustedCertEntry/);
  }
});

test('a keystore with a private key is refused unless asked, and then keeps its key unchanged', async () => {
  const file = p('with-key.p12');
  const beforeHash = sha256Hex(file);
  const refused = await cli(['truststore', 'add', file, p('new-root.pem'), '--password', PW]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /PRIVATE_KEY_IN_TRUSTSTORE/);
  assert.equal(sha256Hex(file), beforeHash);

  const r = await cli([
    'truststore',
    'add',
    file,
    p('new-root.pem'),
    '--password',
    PW,
    '--allow-private-keys',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = await keytoolList(file, 'PKCS12');
  assert.match(out, /client, .*PrivateKeyEntry/);
  assert.match(out, /keystore-new-root, .*trustedCertEntry/);
  // The key still opens with the same password and is the same key.
  const key = await exec('openssl', ['pkcs12', '-in', file, '-nocerts', '-nodes', '-passin', `pass:${PW}`]);
  const a = await exec('sh', ['-c', `openssl pkey -pubout -in "${p('client.key')}"`]);
  writeFileSync(p('extracted.key'), key.stdout);
  const b = await exec('sh', ['-c', `openssl pkey -pubout -in "${p('extracted.key')}"`]);
  assert.equal(b.stdout, a.stdout);
});
