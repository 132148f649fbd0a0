/**
 * Notifications over real protocols: mail through an SMTP conversation with a real server (the
 * smtp-server package as the sink), webhooks over HTTP with their HMAC signature checked by the receiver.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { renewalSettingsFromEnv } from '../../src/main/renewal-runtime.js';
import { smtpMailSender } from '../../src/notify/mail.js';
import { announcementToTenant, type ExchangeFacts, noticeToSender } from '../../src/notify/messages.js';
import { postWebhook, SIGNATURE_HEADER, verifyWebhook } from '../../src/notify/webhook.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';

/** The test targets listen on loopback over plain HTTP: the operator allow-lists exactly that. */
const LOOPBACK = { allowHttp: true, allow: ['127.0.0.0/8'] };

const received: ParsedMail[] = [];
let smtpPort = 0;
let smtp: SMTPServer;
let facts: ExchangeFacts;

describe('notifications', () => {
  before(async () => {
    const root = await mintRoot('Mail Root');
    facts = {
      renewalId: 'ren_7',
      exchangeAt: new Date('2026-12-01T02:00:00Z'),
      safeRemovalAt: new Date('2026-12-02T02:00:00Z'),
      hosts: ['lb.example.test'],
      newRootSha256: root.cert.sha256,
      newRootPem: encodeCertificatesPem([root.cert.der]),
      announcementUrl: 'https://coordinator.test/api/v1/renewals/ren_7/announcement.jws',
    };
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, _session, cb) {
        simpleParser(stream)
          .then((m) => received.push(m))
          .then(() => cb(), cb);
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    smtpPort = (smtp.server.address() as AddressInfo).port;
  });
  after(() => smtp.close());

  test('an announcement mail carries T in UTC, the fingerprint, the root and a calendar entry', async () => {
    const mail = smtpMailSender({ host: '127.0.0.1', port: smtpPort, from: 'rollover@lb.test' });
    const m = announcementToTenant(facts, {
      tenantName: 'Acme',
      forwardUrl: 'https://coordinator.test/forward',
      now: new Date(),
    });
    await mail.send('tenant-admin@acme.test', m, 'ren_7.announce.tenant_1');
    mail.close();
    const got = received.at(-1)!;
    assert.equal(got.messageId, '<ren_7.announce.tenant_1@rollover>');
    assert.match(got.subject ?? '', /2026-12-01 02:00:00 UTC/);
    assert.match(got.text ?? '', new RegExp(facts.newRootSha256));
    const pem = got.attachments.find((a) => a.filename === 'new-root.pem')!;
    assert.equal(pem.content.toString(), facts.newRootPem);
    const ics = got.attachments.find((a) => a.filename === 'exchange.ics')!.content.toString();
    assert.match(ics, /DTSTART:20261201T020000Z/);
    assert.match(ics, /UID:ren_7@rollover/);
  });

  test('a sender notice names the exact verify command and the personal link', async () => {
    const mail = smtpMailSender({ host: '127.0.0.1', port: smtpPort, from: 'rollover@lb.test' });
    const cmd = 'rollover sender verify --truststore truststore.p12 --url https://lb.example.test:8443';
    const m = noticeToSender(facts, {
      senderName: 'billing',
      link: 'https://coordinator.test/s/abc',
      verifyCommand: cmd,
      now: new Date(),
    });
    await mail.send('ops@customer.test', m, 'ren_7.forward.sender_1');
    mail.close();
    const got = received.at(-1)!;
    assert.ok(got.text?.includes(cmd));
    assert.ok(got.text?.includes('https://coordinator.test/s/abc'));
  });

  test('with a bridge, a sender reminder names the bridge deadline as its real deadline', () => {
    const bridged = { ...facts, bridgeUntil: new Date('2026-12-15T02:00:00Z') };
    const p = {
      senderName: 'billing',
      link: 'https://coordinator.test/s/abc',
      verifyCommand: 'v',
      now: new Date(),
    };
    const reminder = noticeToSender(bridged, { ...p, reminder: true });
    assert.match(reminder.subject, /before 2026-12-15 02:00:00 UTC \(bridge deadline\)/);
    assert.match(reminder.text, /Your real deadline is 2026-12-15 02:00:00 UTC/);
    assert.match(
      noticeToSender(bridged, p).text,
      /client that\strusts only the old root keeps working until then/,
    );
    // The control: without a bridge, T is the deadline and no bridge is named.
    const plain = noticeToSender(facts, { ...p, reminder: true });
    assert.match(plain.subject, /before 2026-12-01 02:00:00 UTC$/);
    assert.doesNotMatch(plain.text, /bridge/i);
  });

  test('a webhook arrives signed, and the receiver refuses a forged or replayed one', async () => {
    const secret = 'whsec-test-secret';
    const seen: Array<{ ok: boolean; key: string | undefined }> = [];
    const now = Math.floor(Date.now() / 1000);
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        const ok = verifyWebhook(body, String(req.headers[SIGNATURE_HEADER]), secret, now);
        seen.push({ ok, key: req.headers['idempotency-key'] as string | undefined });
        res.writeHead(ok ? 204 : 401).end();
      });
    }).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      await postWebhook({
        url,
        secret,
        event: { type: 'renewal.announced', renewalId: 'ren_7' },
        idempotencyKey: 'k1',
        nowSeconds: now,
        policy: LOOPBACK,
      });
      await assert.rejects(
        postWebhook({
          url,
          secret: 'wrong',
          event: {},
          idempotencyKey: 'k2',
          nowSeconds: now,
          policy: LOOPBACK,
        }),
      );
      await assert.rejects(
        postWebhook({
          url,
          secret,
          event: {},
          idempotencyKey: 'k3',
          nowSeconds: now - 3600,
          policy: LOOPBACK,
        }),
      );
    } finally {
      server.close();
    }
    assert.deepEqual(seen, [
      { ok: true, key: 'k1' },
      { ok: false, key: 'k2' },
      { ok: false, key: 'k3' },
    ]);
  });
});

describe('mail through a relay that requires STARTTLS and SMTP AUTH', () => {
  const USER = 'rollover';
  const PASS = 'relay-secret';
  const got: Array<{ secure: boolean; user: unknown; mail: ParsedMail }> = [];
  let relay: SMTPServer;
  let port = 0;
  let caFile = '';
  let caPem = '';

  before(async () => {
    const root = await mintRoot('Relay Root');
    const cred = await mintCredential(root, ['smtp.test'], { ips: ['127.0.0.1'] });
    caPem = encodeCertificatesPem([root.cert.der]);
    caFile = join(tempDir('rollover-smtp-'), 'relay-ca.pem');
    writeFileSync(caFile, caPem);
    // Like a real relay: STARTTLS offered, AUTH required and only accepted over TLS (smtp-server
    // refuses AUTH on a plain connection unless allowInsecureAuth is set, which it is not).
    relay = new SMTPServer({
      secure: false,
      key: privateKeyToPem(cred.key.keyObject),
      cert: encodeCertificatesPem(cred.chain.map((x) => x.der)),
      authMethods: ['PLAIN', 'LOGIN'],
      logger: false,
      onAuth(auth, _session, cb) {
        if (auth.username === USER && auth.password === PASS) cb(null, { user: auth.username });
        else cb(new Error('535 authentication failed'));
      },
      onMailFrom(_address, session, cb) {
        cb(session.user ? null : new Error('530 authentication required'));
      },
      onData(stream, session, cb) {
        simpleParser(stream)
          .then((mail) => got.push({ secure: session.secure, user: session.user, mail }))
          .then(() => cb(), cb);
      },
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    port = (relay.server.address() as AddressInfo).port;
  });
  after(() => relay.close());

  const notice = () =>
    noticeToSender(facts, {
      senderName: 'billing',
      link: 'https://coordinator.test/s/abc',
      verifyCommand: 'rollover sender verify --truststore t.pem --url https://lb.example.test',
      now: new Date(),
    });

  test('configured as `rollover server` reads it (URL with user and password, ROLLOVER_SMTP_CA), the mail goes over TLS, authenticated', async () => {
    const { smtp } = renewalSettingsFromEnv({
      ROLLOVER_SMTP_URL: `smtp://${USER}:${PASS}@127.0.0.1:${port}?from=rollover@lb.test`,
      ROLLOVER_SMTP_CA: caFile,
    });
    assert.ok(smtp);
    const mail = smtpMailSender({ ...smtp, requireTls: true });
    await mail.send('ops@customer.test', notice(), 'ren_7.forward.sender_tls');
    mail.close();
    assert.equal(got.length, 1);
    assert.equal(got[0]!.secure, true, 'the message travelled after STARTTLS');
    assert.equal(got[0]!.user, USER, 'the relay authenticated the coordinator');
    assert.equal(got[0]!.mail.messageId, '<ren_7.forward.sender_tls@rollover>');
  });

  test('a wrong password, an untrusted relay certificate and a missing password each fail, and nothing is sent', async () => {
    const n0 = got.length;
    const base = { host: '127.0.0.1', port, from: 'rollover@lb.test', requireTls: true };
    const cases: Array<[string, Parameters<typeof smtpMailSender>[0], RegExp]> = [
      ['wrong password', { ...base, ca: caPem, user: USER, pass: 'wrong' }, /535|auth/i],
      ['untrusted certificate', { ...base, user: USER, pass: PASS }, /certificate|self[- ]signed|issuer/i],
      ['no credentials', { ...base, ca: caPem }, /530|authentication required/i],
    ];
    for (const [what, settings, err] of cases) {
      const mail = smtpMailSender(settings);
      await assert.rejects(mail.send('ops@customer.test', notice(), `ren_7.${what}`), err, what);
      mail.close();
    }
    assert.equal(got.length, n0, 'no mail arrived');
  });
});
