/**
 * The fuzz targets: every decoder that reads outside input, each as `run(bytes)` that drives the
 * decoder the way the product does (and reads what it returned, so lazy parsing happens too), with the
 * seeds it starts from and a fast-check generator of structured input. A target returns or throws;
 * ./outcome.ts says which throws are findings.
 */
import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { createSecureContext } from 'node:tls';
import fc from 'fast-check';
import { CompactSign, type JWK } from 'jose';
import { readSenderCsv } from '../src/coordinator/sender-csv.js';
import { parseConfigText, resolveConfig } from '../src/lb/config.js';
import type { HandshakeFailureReason } from '../src/lb/telemetry.js';
import { createTlsFront } from '../src/lb/tls-front.js';
import { publicJwk, signAnnouncement, verifyAnnouncement } from '../src/notice/jws.js';
import { parseCertificate } from '../src/pki/certificate.js';
import { encodeTlv } from '../src/pki/formats/der.js';
import { detectFormat } from '../src/pki/formats/detect.js';
import { decodeJks, encodeJks, encodeJksTruststore } from '../src/pki/formats/jks.js';
import { decodePem, encodeCertificatesPem, readCertificateDers } from '../src/pki/formats/pem.js';
import { decodePkcs7, encodePkcs7, encodePkcs7Pem } from '../src/pki/formats/pkcs7.js';
import { decodePkcs12, encodePkcs12Keystore, encodePkcs12Truststore } from '../src/pki/formats/pkcs12.js';
import { privateKeyToPem } from '../src/pki/keys.js';
import { type CertFacts, certFacts } from '../src/truststore/anchor.js';
import { dirFormat } from '../src/truststore/formats/dir.js';
import { subjectHash } from '../src/truststore/subject-hash.js';
import { opensslPkcs12Seeds, seedMaterial } from './seeds.js';

/** One fuzz target. */
export interface Target {
  name: string;
  /** What it drives. */
  what: string;
  /** Seeds minted at run time (may hold keys: never written to the repository). */
  seeds(): Promise<Uint8Array[]>;
  /** Structured input (property-based generation). */
  generator(): Promise<fc.Arbitrary<Uint8Array>>;
  /** Drives the decoder with one input. */
  run(input: Uint8Array): Promise<void> | void;
  /** Per-process set-up (a temp directory, a listener); called once before the first run. */
  setup?(): Promise<void>;
}

const PASSWORD = 'changeit';
const te = new TextEncoder();
const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
const utf8 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/** Reads every fact the truststore commands show, so lazy parsing runs. */
function touch(f: CertFacts): void {
  void [f.sha256, f.subject, f.issuer, f.notBefore, f.notAfter, f.isCa, f.selfSigned];
}

// --- generic structure ------------------------------------------------------------------------

const TAGS = [0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x01, 0x0a, 0x80, 0x81, 0x82];
const CTAGS = [0x30, 0x31, 0xa0, 0xa1, 0xa3, 0x24];

/** A random DER tree (tags the X.509/PKCS parsers meet), encoded. */
function derTree(depth = 5): fc.Arbitrary<Uint8Array> {
  const { tree } = fc.letrec<{ tree: Uint8Array; leaf: Uint8Array }>((tie) => ({
    leaf: fc
      .tuple(fc.constantFrom(...TAGS), fc.uint8Array({ maxLength: 40 }))
      .map(([t, c]) => encodeTlv(t, c)),
    tree: fc.oneof(
      { depthSize: 'small', maxDepth: depth },
      tie('leaf'),
      fc
        .tuple(fc.constantFrom(...CTAGS), fc.array(tie('tree'), { maxLength: 5 }))
        .map(([t, kids]) => encodeTlv(t, ...kids)),
    ),
  }));
  return tree;
}

/** Bytes: a DER tree, a DER tree with one byte changed, or raw bytes. */
function derish(): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    derTree(),
    fc.tuple(derTree(), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, i, v]) => {
      const c = b.slice();
      if (c.length) c[i % c.length] = v;
      return c;
    }),
    fc.uint8Array({ maxLength: 200 }),
  );
}

/** A PEM-shaped text: armour lines with labels, base64 of DER-ish bodies, noise and line endings. */
async function pemText(): Promise<fc.Arbitrary<Uint8Array>> {
  const m = await seedMaterial();
  const realDers = [m.rootEc.cert.der, m.rootRsa.cert.der, ...m.cred.chain.map((c) => c.der)];
  const label = fc.constantFrom(
    'CERTIFICATE',
    'TRUSTED CERTIFICATE',
    'PRIVATE KEY',
    'PKCS7',
    'X509 CRL',
    'CERTIFICATE REQUEST',
    '',
    'CERTIFICATE ',
  );
  const body = fc.oneof(derish(), fc.constantFrom(...realDers));
  const b64 = body.map((b) => Buffer.from(b).toString('base64'));
  const block = fc
    .tuple(
      label,
      label,
      b64,
      fc.constantFrom('\n', '\r\n', '', ' \n'),
      fc.integer({ min: 1, max: 80 }),
      fc.boolean(),
    )
    .map(([l1, l2, data, nl, width, sameLabel]) => {
      const lines = data.match(new RegExp(`.{1,${width}}`, 'g')) ?? [];
      return `-----BEGIN ${l1}-----${nl}${lines.join(nl)}${nl}-----END ${sameLabel ? l1 : l2}-----${nl}`;
    });
  const noise = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom('Bag Attributes\n', 'subject=/CN=x\n', '\n'),
  );
  return fc
    .array(fc.oneof(block, block, noise), { minLength: 1, maxLength: 5 })
    .map((parts) => te.encode(parts.join('')));
}

// --- the targets -------------------------------------------------------------------------------

const pem: Target = {
  name: 'pem',
  what: 'PEM blocks and certificate bundles (decodePem, readCertificateDers, certFacts)',
  async seeds() {
    const m = await seedMaterial();
    return [
      te.encode(encodeCertificatesPem([m.rootEc.cert.der, m.rootRsa.cert.der])),
      te.encode(
        encodeCertificatesPem(m.cred.chain.map((c) => c.der)) + privateKeyToPem(m.cred.key.keyObject),
      ),
    ];
  },
  generator: pemText,
  run(input) {
    for (const b of decodePem(latin1(input))) void b.der.length;
    for (const der of readCertificateDers(input)) touch(certFacts(der));
  },
};

const x509: Target = {
  name: 'x509',
  what: 'DER certificates: certFacts (our DER reader, names, validity), subjectHash, parseCertificate',
  async seeds() {
    const m = await seedMaterial();
    return [m.rootEc.cert.der, m.rootRsa.cert.der, ...m.cred.chain.map((c) => c.der)];
  },
  async generator() {
    return derish();
  },
  run(input) {
    detectFormat(input);
    const f = certFacts(input);
    touch(f);
    subjectHash(f.der);
    parseCertificate(input);
  },
};

const pkcs12: Target = {
  name: 'pkcs12',
  what: 'PKCS#12 truststores and keystores (decodePkcs12, MAC, PBES2 and legacy PBE, bags)',
  async seeds() {
    const m = await seedMaterial();
    return [
      ...(await opensslPkcs12Seeds(PASSWORD)),
      await encodePkcs12Truststore([{ alias: 'root', cert: m.rootEc.cert.der }], PASSWORD),
      await encodePkcs12Keystore(
        m.pkcs8,
        m.cred.chain.map((c) => c.der),
        PASSWORD,
        'server',
      ),
    ];
  },
  async generator() {
    return derish();
  },
  async run(input) {
    const store = await decodePkcs12(input, PASSWORD);
    for (const e of store.entries) if (e.kind === 'trusted-cert') touch(certFacts(e.cert));
  },
};

const jks: Target = {
  name: 'jks',
  what: 'JKS stores (decodeJks with and without the password; entries read as the truststore does)',
  async seeds() {
    const m = await seedMaterial();
    const now = new Date();
    const trust = encodeJksTruststore(
      [
        { alias: 'ec', cert: m.rootEc.cert.der },
        { alias: 'rsa', cert: m.rootRsa.cert.der },
      ],
      PASSWORD,
      now,
    );
    // A key entry as Java writes it is opaque to us: a made-up protected key with a real chain.
    const chain = m.cred.chain.map((c) => c.der);
    const raw = Buffer.concat([
      u32(1),
      utfBytes('server'),
      Buffer.alloc(8),
      u32(40),
      Buffer.alloc(40, 7),
      u32(chain.length),
      ...chain.flatMap((c) => [utfBytes('X.509'), u32(c.length), Buffer.from(c)]),
    ]);
    const withKey = encodeJks(
      { entries: [{ kind: 'private-key', alias: 'server', date: now, chain, raw }] },
      PASSWORD,
    );
    return [trust, withKey];
  },
  async generator() {
    // A JKS-shaped file: magic, version, entries with random fields, and a correct integrity digest
    // (so the decoder goes past it) or a random one.
    const m = await seedMaterial();
    const cert = fc.oneof(fc.constant(m.rootEc.cert.der), derish());
    const entry = fc.oneof(
      fc
        .tuple(
          fc.string({ maxLength: 12 }),
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
          fc.string({ maxLength: 8 }),
          cert,
        )
        .map(([alias, date, type, c]) => {
          const d = Buffer.alloc(8);
          d.writeBigUInt64BE(date);
          return Buffer.concat([u32(2), utfBytes(alias), d, utfBytes(type), u32(c.length), Buffer.from(c)]);
        }),
      fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.concat([u32(1), Buffer.from(b)])),
    );
    return fc
      .tuple(
        fc.constantFrom(1, 2, 3),
        fc.array(entry, { maxLength: 3 }),
        fc.integer({ min: -1, max: 4 }),
        fc.boolean(),
      )
      .map(([version, entries, countDelta, goodDigest]) => {
        const body = Buffer.concat([
          u32(0xfeedfeed),
          u32(version),
          u32(Math.max(0, entries.length + countDelta)),
          ...entries,
        ]);
        const digest = goodDigest ? jksDigest(PASSWORD, body) : Buffer.alloc(20, 1);
        return new Uint8Array(Buffer.concat([body, digest]));
      });
  },
  run(input) {
    for (const password of [PASSWORD, undefined]) {
      try {
        const s = decodeJks(input, password);
        for (const e of s.entries) {
          if (e.kind === 'trusted-cert') touch(certFacts(e.cert));
          else for (const c of e.chain) touch(certFacts(c));
        }
      } catch (e) {
        if (password === undefined) throw e;
      }
    }
  },
};

const pkcs7: Target = {
  name: 'pkcs7',
  what: 'PKCS#7 certificate bundles, DER and PEM (decodePkcs7)',
  async seeds() {
    const m = await seedMaterial();
    const ders = [m.rootEc.cert.der, ...m.cred.chain.map((c) => c.der)];
    return [encodePkcs7(ders), te.encode(encodePkcs7Pem(ders))];
  },
  async generator() {
    return fc.oneof(
      derish(),
      derish().map((b) => te.encode(encodePkcs7PemRaw(b))),
    );
  },
  run(input) {
    const fromBytes = decodePkcs7(input);
    for (const der of fromBytes) touch(certFacts(der));
    if (input[0] === 0x2d) decodePkcs7(latin1(input));
  },
};

/** The hashed-directory spec: entries of [kind, link, nameLen, name…, contentLen(2), content…]. */
function dirSpec(
  entries: Array<{ kind: number; link: number; name: string; content: Uint8Array }>,
): Uint8Array {
  return new Uint8Array(
    Buffer.concat(
      entries.map((e) => {
        const n = Buffer.from(e.name);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(Math.min(e.content.length, 0xffff));
        return Buffer.concat([
          Buffer.from([e.kind, e.link, n.length]),
          n,
          len,
          Buffer.from(e.content.subarray(0, 0xffff)),
        ]);
      }),
    ),
  );
}

let dirBase = '';
let dirSeq = 0;
const dir: Target = {
  name: 'dir',
  what: 'hashed certificate directories (c_rehash layout): files, hash links, symlinks in and out',
  async setup() {
    const shm = '/dev/shm';
    let base = `${shm}/rollover-fuzz-dir-${process.pid}-${Math.random().toString(36).slice(2)}`;
    try {
      mkdirSync(base);
    } catch {
      base = `${tmpdir()}/rollover-fuzz-dir-${process.pid}`;
      mkdirSync(base, { recursive: true });
    }
    dirBase = base;
    process.once('exit', () => rmSync(base, { recursive: true, force: true }));
  },
  async seeds() {
    const m = await seedMaterial();
    const certs = [m.rootEc.cert.der, m.rootRsa.cert.der];
    const pemOf = (d: Uint8Array) => te.encode(encodeCertificatesPem([d]));
    return [
      dirSpec([
        { kind: 0, link: 0, name: 'ec.pem', content: pemOf(certs[0]!) },
        { kind: 1, link: 0, name: `${subjectHash(certs[0]!)}.0`, content: new Uint8Array() },
        { kind: 0, link: 0, name: 'rsa.crt', content: certs[1]! },
        { kind: 1, link: 2, name: `${subjectHash(certs[1]!)}.0`, content: new Uint8Array() },
      ]),
      dirSpec([
        { kind: 0, link: 0, name: `${subjectHash(certs[0]!)}.0`, content: pemOf(certs[0]!) },
        { kind: 2, link: 0, name: `${subjectHash(certs[0]!)}.1`, content: te.encode('../../etc/passwd') },
        { kind: 0, link: 0, name: 'both.pem', content: te.encode(encodeCertificatesPem(certs)) },
      ]),
    ];
  },
  async generator() {
    const m = await seedMaterial();
    const h = subjectHash(m.rootEc.cert.der);
    const name = fc.oneof(
      fc.integer({ min: 0, max: 3 }).map((n) => `${h}.${n}`),
      fc.constantFrom('a.pem', 'b.crt', 'c.cer', 'x.txt', `${h}.r0`, '00000000.0'),
      fc.stringMatching(/^[0-9a-f]{8}\.[0-9]{1,2}$/),
    );
    const content = fc.oneof(
      fc.constant(te.encode(encodeCertificatesPem([m.rootEc.cert.der]))),
      fc.constant(m.rootRsa.cert.der),
      derish(),
      await pemText(),
    );
    return fc
      .array(fc.record({ kind: fc.integer({ min: 0, max: 3 }), link: fc.nat(7), name, content }), {
        maxLength: 5,
      })
      .map(dirSpec);
  },
  async run(input) {
    const d = `${dirBase}/${++dirSeq}`;
    mkdirSync(d);
    try {
      const names: string[] = [];
      let o = 0;
      while (o + 3 <= input.length && names.length < 8) {
        const kind = input[o]!;
        const link = input[o + 1]!;
        const nl = input[o + 2]!;
        const name = Buffer.from(input.subarray(o + 3, o + 3 + Math.min(nl, 100)))
          .toString('latin1')
          .replace(/[/\0]/g, '_');
        o += 3 + nl;
        const cl = o + 2 <= input.length ? (input[o]! << 8) | input[o + 1]! : 0;
        const content = input.subarray(o + 2, o + 2 + cl);
        o += 2 + cl;
        if (!name || name === '.' || name === '..' || names.includes(name)) continue;
        const path = `${d}/${name}`;
        // Building the directory is the harness's work: what the file system refuses is skipped.
        try {
          if (kind % 4 === 1 && names.length) symlinkSync(names[link % names.length]!, path);
          else if (kind % 4 === 2)
            symlinkSync(latin1(content.subarray(0, 200)).replace(/\0/g, '') || 'missing', path);
          else if (kind % 4 === 3) mkdirSync(path);
          else writeFileSync(path, content);
          names.push(name);
        } catch {
          // skipped
        }
      }
      const store = await dirFormat.open(d, {});
      for (const e of store.entries) touch(e.cert);
      await store.problems();
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  },
};

let frontPort = 0;
let frontResult: ((r: string) => void) | undefined;
const REASONS = new Set<string>([
  'unknown_ca',
  'bad_certificate',
  'alert',
  'timeout',
  'closed',
  'other',
] satisfies HandshakeFailureReason[]);
const clientHello: Target = {
  name: 'clienthello',
  what: 'the TLS front: first bytes of a connection peeked, a context chosen, OpenSSL handed the rest',
  async setup() {
    const m = await seedMaterial();
    const context = createSecureContext({
      key: privateKeyToPem(m.cred.key.keyObject),
      cert: encodeCertificatesPem(m.cred.chain.map((c) => c.der)),
    });
    const front = createTlsFront({
      clock: { now: () => Date.now() },
      choose: () => ({ context, sha256: 'x', credentialIs: 'old' }),
      secured: (tls) => {
        tls.destroy();
        frontResult?.('secured');
      },
      failed: (_client, reason) => frontResult?.(reason),
      handshakeTimeoutMs: 500,
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    frontPort = (front.address() as AddressInfo).port;
    front.unref();
  },
  async seeds() {
    return [clientHelloSeed(true), clientHelloSeed(false)];
  },
  async generator() {
    const ext = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 40 }));
    return fc
      .tuple(
        fc.constantFrom(0x16, 0x15, 0x17, 0x80, 0x47),
        fc.constantFrom(0x0300, 0x0301, 0x0303, 0x0304, 0x0002, 0xffff),
        fc.array(ext, { maxLength: 6 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: -3, max: 3 }),
      )
      .map(([type, ver, exts, tail, lenDelta]) => {
        const extBytes = Buffer.concat(
          exts.map(([t, d]) => Buffer.concat([u16(t), u16(d.length), Buffer.from(d)])),
        );
        const hello = Buffer.concat([
          u16(0x0303),
          Buffer.alloc(32, 1),
          Buffer.from([0]),
          u16(4),
          u16(0x1301),
          u16(0xc02b),
          Buffer.from([1, 0]),
          u16(extBytes.length),
          extBytes,
          Buffer.from(tail),
        ]);
        const hs = Buffer.concat([Buffer.from([1]), u24(hello.length), hello]);
        return new Uint8Array(
          Buffer.concat([Buffer.from([type]), u16(ver), u16(Math.max(0, hs.length + lenDelta)), hs]),
        );
      });
  },
  run(input) {
    return new Promise<void>((resolve, reject) => {
      frontResult = (r) => {
        frontResult = undefined;
        if (r !== 'secured' && !REASONS.has(r))
          reject(new Error(`the front reported an unknown reason ${r}`));
        else resolve();
      };
      // A real connection: the input as the client's first bytes, then the client's end.
      const c = connect({ host: '127.0.0.1', port: frontPort }, () => c.end(Buffer.from(input)));
      c.on('error', () => {});
      c.on('data', () => {});
    });
  },
};

const csv: Target = {
  name: 'csv',
  what: 'the sender CSV import (readSenderCsv: quoting, headers, every column)',
  async seeds() {
    return [
      te.encode(
        'tenant,name,contacts,truststore,source addresses\nacme,billing,ops@acme.test;pay@acme.test,pem,192.0.2.0/24\n' +
          'acme,"orders, EU","x@y.test",pkcs12,"2001:db8::/32"\r\nglobex,ledger,a@b.test,dir,\n',
      ),
    ];
  },
  async generator() {
    const cell = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom(
        'pem',
        'jks',
        'pkcs12',
        'dir',
        'system',
        '192.0.2.0/24',
        '::1/128',
        'a@b.test',
        '""',
        '"a,b"',
        '"x\ny"',
      ),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );
    const header = fc.shuffledSubarray(
      ['tenant', 'name', 'contacts', 'truststore', 'source addresses', 'notes', 'Tenant', ' name'],
      { minLength: 0 },
    );
    return fc
      .tuple(
        header,
        fc.array(fc.array(cell, { maxLength: 7 }), { maxLength: 6 }),
        fc.constantFrom('\n', '\r\n', '\r'),
      )
      .map(([h, rows, nl]) =>
        te.encode(
          [
            h.join(','),
            ...rows.map((r) =>
              r
                .map((c) => (/[",\n]/.test(c) && !c.startsWith('"') ? `"${c.replace(/"/g, '""')}"` : c))
                .join(','),
            ),
          ].join(nl),
        ),
      );
  },
  run(input) {
    readSenderCsv(utf8(input));
  },
};

const config: Target = {
  name: 'config',
  what: 'the load balancer config file (JSON or YAML: parseConfigText, resolveConfig)',
  async seeds() {
    const yaml =
      'stateDir: /tmp/x\ncontrol: 127.0.0.1:0\nworkers: 1\nvirtualServers:\n  - name: shop\n    listen: 127.0.0.1:8443\n' +
      '    preview: 127.0.0.1:9443\n    hosts: [shop.test, 127.0.0.1]\n    credential: /tmp/cred\n' +
      '    backends: ["http://127.0.0.1:8081"]\n    healthCheck: { interval: 5s, timeout: 500ms }\n    drainTimeout: 30s\n';
    const json = JSON.stringify({
      stateDir: '/tmp/x',
      virtualServers: [
        {
          name: 'a',
          listen: '[::1]:443',
          hosts: ['a.test'],
          credential: '/c',
          backends: [{ url: 'http://127.0.0.1:1', weight: 2 }],
        },
      ],
    });
    return [te.encode(yaml), te.encode(json)];
  },
  async generator() {
    const value = fc.oneof(
      fc.string({ maxLength: 16 }),
      fc.constantFrom(
        '127.0.0.1:0',
        '[::1]:443',
        '0.0.0.0:99999',
        '5s',
        '-1ms',
        'http://127.0.0.1:1',
        '/tmp/x',
        '',
      ),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const vs = fc.dictionary(
      fc.constantFrom(
        'name',
        'listen',
        'preview',
        'hosts',
        'credential',
        'backends',
        'healthCheck',
        'drainTimeout',
        'x',
      ),
      fc.oneof(
        value,
        fc.array(value, { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 8 }), value, { maxKeys: 3 }),
      ),
    );
    const top = fc.record(
      {
        stateDir: value,
        control: value,
        workers: value,
        drainTimeout: value,
        virtualServers: fc.oneof(fc.array(vs, { maxLength: 3 }), value),
      },
      { requiredKeys: [] },
    );
    return fc
      .tuple(fc.oneof(top, fc.anything()), fc.boolean())
      .map(([o, asJson]) => te.encode(asJson ? (JSON.stringify(o) ?? 'null') : toYamlish(o)));
  },
  run(input) {
    const raw = parseConfigText(utf8(input), 'fuzz.yaml');
    resolveConfig(raw, { workers: 1 });
  },
};

let noticeJwk: JWK | undefined;
let noticeKey: KeyObject | undefined;
const notice: Target = {
  name: 'notice',
  what: 'the signed root announcement (verifyAnnouncement: JWS, header, payload schema)',
  async setup() {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    noticeKey = k.privateKey;
    noticeJwk = await publicJwk(k.publicKey);
  },
  async seeds() {
    if (!noticeKey) await notice.setup!();
    const m = await seedMaterial();
    const a = {
      type: 'rollover.root-announcement' as const,
      version: 1 as const,
      renewalId: 'ren_1',
      exchangeAt: '2026-12-01T02:00:00Z',
      safeRemovalAt: '2026-12-02T02:00:00Z',
      virtualServers: [{ id: 'vs_1', hosts: ['lb.example.test'] }],
      newRootSha256: m.rootEc.cert.sha256,
      newRootPem: encodeCertificatesPem([m.rootEc.cert.der]),
      issuedAt: '2026-11-27T10:00:00Z',
    };
    return [te.encode(await signAnnouncement(a, noticeKey!, 'kid'))];
  },
  async generator() {
    // Signed with the coordinator's key: the payload and header are what the verifier must survive.
    // Mostly headers the verifier accepts, so most inputs reach the payload checks.
    const header = fc.oneof(
      { weight: 4, arbitrary: fc.constant({ typ: 'rollover-announcement+jws' }) },
      {
        weight: 1,
        arbitrary: fc.record(
          {
            typ: fc.string({ maxLength: 10 }),
            kid: fc.string({ maxLength: 10 }),
            crit: fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
            b64: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
      },
    );
    const payload = fc.oneof(
      fc.json().map((j) => te.encode(j)),
      fc.uint8Array({ maxLength: 60 }),
      fc.string({ maxLength: 30 }).map((t) => te.encode(t)),
      fc
        .record(
          {
            type: fc.constantFrom('rollover.root-announcement', 'x'),
            version: fc.oneof(fc.constant(1), fc.integer()),
            exchangeAt: fc.oneof(fc.constant('2027-02-30T00:00:00Z'), fc.string()),
          },
          { requiredKeys: [] },
        )
        .map((o) => te.encode(JSON.stringify(o))),
    );
    return fc.tuple(header, payload).map(([h, p]) => {
      // Signing happens in run() (it is async): the input is the header and payload, length-prefixed.
      const hb = te.encode(JSON.stringify(h));
      return new Uint8Array(
        Buffer.concat([Buffer.from([0x7b, 0x01]), u16(hb.length), Buffer.from(hb), Buffer.from(p)]),
      );
    });
  },
  async run(input) {
    let jws = utf8(input);
    // Generated inputs (prefix `{\x01`) are header + payload to sign: a valid signature over any content.
    if (input[0] === 0x7b && input[1] === 0x01 && input.length >= 4) {
      const hl = (input[2]! << 8) | input[3]!;
      let header: Record<string, unknown> = {};
      try {
        header = JSON.parse(utf8(input.subarray(4, 4 + hl))) as Record<string, unknown>;
      } catch {
        header = {};
      }
      try {
        jws = await new CompactSign(input.subarray(4 + hl))
          .setProtectedHeader({ ...header, alg: 'ES256' })
          .sign(noticeKey!);
      } catch {
        return; // jose refuses to sign that header: nothing for the verifier to read
      }
    }
    await verifyAnnouncement(jws, noticeJwk!);
  },
};

/** Every target, by name. */
export const TARGETS: Target[] = [pem, x509, pkcs12, jks, pkcs7, dir, clientHello, csv, config, notice];

// --- helpers -----------------------------------------------------------------------------------

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}
function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}
function utfBytes(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  return Buffer.concat([u16(b.length), b]);
}
function jksDigest(password: string, body: Buffer): Buffer {
  const pw = Buffer.alloc(password.length * 2);
  for (let i = 0; i < password.length; i++) pw.writeUInt16BE(password.charCodeAt(i), i * 2);
  return createHash('sha1').update(pw).update('Mighty Aphrodite').update(body).digest();
}
function encodePkcs7PemRaw(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN PKCS7-----\n${b64}\n-----END PKCS7-----\n`;
}
function clientHelloSeed(sni: boolean): Uint8Array {
  const exts: Buffer[] = [];
  if (sni) {
    const host = Buffer.from('fuzz.test');
    const list = Buffer.concat([Buffer.from([0]), u16(host.length), host]);
    exts.push(Buffer.concat([u16(0), u16(list.length + 2), u16(list.length), list]));
  }
  exts.push(Buffer.concat([u16(0x2b), u16(3), Buffer.from([2, 0x03, 0x04])])); // supported_versions: TLS 1.3
  exts.push(Buffer.concat([u16(0x0a), u16(4), u16(2), u16(0x17)])); // groups: P-256
  exts.push(Buffer.concat([u16(0x0d), u16(4), u16(2), u16(0x0403)])); // signature algorithms
  const key = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 9)]);
  exts.push(
    Buffer.concat([u16(0x33), u16(key.length + 6), u16(key.length + 4), u16(0x17), u16(key.length), key]),
  );
  const e = Buffer.concat(exts);
  const hello = Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 3),
    Buffer.from([0]),
    u16(2),
    u16(0x1301),
    Buffer.from([1, 0]),
    u16(e.length),
    e,
  ]);
  const hs = Buffer.concat([Buffer.from([1]), u24(hello.length), hello]);
  return new Uint8Array(Buffer.concat([Buffer.from([0x16]), u16(0x0301), u16(hs.length), hs]));
}
/** A YAML-ish rendering of a value (flow style with some block lines), to reach the YAML parser. */
function toYamlish(v: unknown): string {
  const j = JSON.stringify(v) ?? 'null';
  return j.startsWith('{') ? `# fuzz\n${j.slice(1, -1).replace(/,"/g, '\n"')}` : j;
}
