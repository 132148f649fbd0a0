/**
 * Stores behind symbolic links, and stores changed by someone else while rollover edits them. A
 * write goes through a link to its target (the link stays, the backup sits beside the target), as
 * Debian's Java `cacerts` needs: the JDK's `lib/security/cacerts` is a link to
 * `/etc/ssl/certs/java/cacerts`, and Java reads the target. A store replaced or edited between the
 * read and the rename is left as the other program wrote it (FILE_CHANGED).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { promisify } from 'node:util';
import { decodePem, encodePem } from '../../src/pki/formats/pem.js';
import { certFacts } from '../../src/truststore/anchor.js';
import { openTruststore } from '../../src/truststore/formats/index.js';
import { mintCredential, mintRoot, saveCredential } from '../kit/ca.js';
import { cli } from '../kit/cli.js';
import { tempDir } from '../kit/tmp.js';

const exec = promisify(execFile);
const base = tempDir('rollover-ts-links-');
const PW = 'changeit';
let oldPem = '';
let newPem = '';
let newSha = '';
let n = 0;

/** keytool's colon-separated upper-case SHA-256 of a hex fingerprint. */
const colons = (hex: string) => hex.toUpperCase().match(/../g)!.join(':');

before(async () => {
  const oldRoot = await mintRoot('Links Old Root');
  const newRoot = await mintRoot('Links New Root');
  oldPem = join(base, 'old-root.pem');
  newPem = join(base, 'new-root.pem');
  writeFileSync(oldPem, encodePem('CERTIFICATE', oldRoot.cert.der));
  writeFileSync(newPem, encodePem('CERTIFICATE', newRoot.cert.der));
  newSha = newRoot.cert.sha256;
  await saveCredential(join(base, 'cred'), await mintCredential(newRoot, ['app.test']));
});

/** A fresh case directory. */
function caseDir(): string {
  const d = join(base, `case-${++n}`);
  mkdirSync(d);
  return d;
}

/** A Debian-like tree: etc/ssl/certs/java/cacerts (JKS by keytool) and the JDK's link to it. */
async function debianCacerts(): Promise<{ target: string; link: string }> {
  const root = caseDir();
  const target = join(root, 'etc/ssl/certs/java/cacerts');
  const link = join(root, 'usr/lib/jvm/java-17-openjdk-amd64/lib/security/cacerts');
  mkdirSync(dirname(target), { recursive: true });
  mkdirSync(dirname(link), { recursive: true });
  await exec('keytool', [
    '-importcert',
    '-noprompt',
    '-alias',
    'oldroot',
    '-file',
    oldPem,
    '-keystore',
    target,
    '-storetype',
    'JKS',
    '-storepass',
    PW,
  ]);
  symlinkSync(target, link);
  return { target, link };
}

test('truststore add on the JDK cacerts link writes the Debian target: keytool on the target lists the new root, the link stays', async () => {
  const { target, link } = await debianCacerts();
  const r = await cli(['truststore', 'add', link, newPem, '--password', PW, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link was replaced by a file');
  assert.equal(readlinkSync(link), target);
  const listed = (
    await exec('keytool', ['-list', '-keystore', target, '-storetype', 'JKS', '-storepass', PW])
  ).stdout;
  assert.ok(listed.includes(colons(newSha)), `keytool on the target does not list the new root:\n${listed}`);
  assert.match(listed, /oldroot/);
  // The backup of what was replaced sits beside the target, none beside the link.
  const backups = r.json().backups as string[];
  assert.equal(backups.length, 1);
  assert.equal(dirname(backups[0]!), dirname(target));
  assert.deepEqual(readdirSync(dirname(link)), ['cacerts']);
  assert.equal(readdirSync(dirname(target)).filter((x) => x.startsWith('cacerts.bak-')).length, 1);
});

test('truststore remove through a relative link to a PEM bundle edits the target and keeps the link', async () => {
  const d = caseDir();
  mkdirSync(join(d, 'real'));
  mkdirSync(join(d, 'app'));
  const target = join(d, 'real', 'ca.pem');
  writeFileSync(target, `${readFileSync(oldPem, 'latin1')}${readFileSync(newPem, 'latin1')}`);
  symlinkSync('../real/ca.pem', join(d, 'app', 'ca.pem'));
  const r = await cli([
    'truststore',
    'remove',
    join(d, 'app', 'ca.pem'),
    '--fingerprint',
    newSha,
    '--force',
    '--reason',
    'test',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readlinkSync(join(d, 'app', 'ca.pem')), '../real/ca.pem');
  const left = readFileSync(target, 'latin1');
  assert.ok(left.includes(readFileSync(oldPem, 'latin1').trim()));
  // Judged by fingerprint: one base64 line of the new root can also occur in the old one (same
  // validity second, names differing further on), which made a line-based check fail by chance.
  const left256 = (left.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map(
    (b) => new X509Certificate(b).fingerprint256.replaceAll(':', '').toLowerCase(),
  );
  assert.equal(left256.length, 1, 'exactly the old root is left');
  assert.ok(!left256.includes(newSha), `the new root is still there; remove said:\n${r.stdout}${r.stderr}`);
  assert.deepEqual(readdirSync(join(d, 'app')), ['ca.pem']);
  assert.equal(readdirSync(join(d, 'real')).filter((x) => x.startsWith('ca.pem.bak-')).length, 1);
});

test('cert export --force through a link writes the keystore at its target and keeps the link', async () => {
  const d = caseDir();
  const target = join(d, 'keystore.p12');
  writeFileSync(target, 'old keystore');
  symlinkSync('keystore.p12', join(d, 'app.p12'));
  const r = await cli([
    'cert',
    'export',
    '--credential',
    join(base, 'cred'),
    '--format',
    'pkcs12',
    '--out',
    join(d, 'app.p12'),
    '--password',
    's3cret-pw',
    '--force',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(lstatSync(join(d, 'app.p12')).isSymbolicLink());
  const listed = (await exec('keytool', ['-list', '-keystore', target, '-storepass', 's3cret-pw'])).stdout;
  assert.match(listed, /PrivateKeyEntry/);
  assert.equal(statSync(target).mode & 0o777, 0o600);
});

test('cert export to a dangling link is refused and creates nothing', async () => {
  const d = caseDir();
  symlinkSync(join(d, 'missing', 'app.p12'), join(d, 'app.p12'));
  const r = await cli([
    'cert',
    'export',
    '--credential',
    join(base, 'cred'),
    '--format',
    'pkcs12',
    '--out',
    join(d, 'app.p12'),
    '--password',
    's3cret-pw',
    '--force',
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error\[LINK_UNSAFE\]: .*does not exist/);
  assert.deepEqual(readdirSync(d), ['app.p12']);
  assert.ok(lstatSync(join(d, 'app.p12')).isSymbolicLink());
});

/** Opens a store, lets `meddle` change the file, then applies an add; returns the error code. */
async function raced(
  file: string,
  opts: { password?: string; create?: boolean },
  meddle: () => void,
): Promise<string | undefined> {
  const store = await openTruststore(file, opts);
  meddle();
  const cert = certFacts(decodePem(readFileSync(newPem, 'latin1'))[0]!.der);
  try {
    await store.apply({ add: [{ alias: 'newroot', cert }], remove: [] }, new Date());
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}

test('a store replaced by another program between read and write is left as that program wrote it', async () => {
  const d = caseDir();
  const file = join(d, 'ca.pem');
  writeFileSync(file, readFileSync(oldPem));
  const theirs = `# alias: theirs\n${readFileSync(newPem, 'latin1')}`;
  const code = await raced(file, {}, () => {
    writeFileSync(join(d, 'incoming'), theirs);
    renameSync(join(d, 'incoming'), file);
  });
  assert.equal(code, 'FILE_CHANGED');
  assert.equal(readFileSync(file, 'latin1'), theirs);
  assert.deepEqual(readdirSync(d), ['ca.pem'], 'a temporary file or backup was left behind');
});

test('a PKCS#12 edited in place with the same size and mtime is detected by its content', async () => {
  const d = caseDir();
  const file = join(d, 'trust.p12');
  assert.equal((await cli(['truststore', 'add', file, oldPem, '--password', PW])).code, 0);
  const before = readFileSync(file);
  const st = statSync(file);
  const edited = Buffer.from(before);
  edited[edited.length - 1]! ^= 0xff;
  const code = await raced(file, { password: PW }, () => {
    writeFileSync(file, edited);
    utimesSync(file, st.atime, st.mtime);
  });
  assert.equal(code, 'FILE_CHANGED');
  assert.ok(readFileSync(file).equals(edited));
  assert.deepEqual(readdirSync(d), ['trust.p12']);
});

test('a new store created by another program while rollover creates one is not overwritten', async () => {
  const d = caseDir();
  const file = join(d, 'new.pem');
  const code = await raced(file, { create: true }, () => writeFileSync(file, readFileSync(oldPem)));
  assert.equal(code, 'FILE_CHANGED');
  assert.ok(readFileSync(file).equals(readFileSync(oldPem)));
  assert.deepEqual(readdirSync(d), ['new.pem']);
});

test('an unchanged store is written as before (the check does not refuse its own read)', async () => {
  const d = caseDir();
  const file = join(d, 'ca.pem');
  writeFileSync(file, readFileSync(oldPem));
  assert.equal(await raced(file, {}, () => {}), undefined);
  assert.ok(readFileSync(file, 'latin1').includes('# alias: newroot'));
});
