import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  mayResume,
  oldSessionsEnd,
  rotateTicketSecrets,
  ticketKeyFor,
  ticketMadeWith,
  ticketOfClientHello,
} from './session-tickets.js';

test('keys are bound to the credential and the period; rotation keeps one previous period', () => {
  const s1 = rotateTicketSecrets(undefined);
  const s2 = rotateTicketSecrets(s1);
  const s3 = rotateTicketSecrets(s2);
  assert.equal(s2.previous, s1.current);
  assert.equal(s3.previous, s2.current);
  assert.equal(s3.current.period, 3);
  const a = ticketKeyFor(s1.current.secret, 'aa');
  assert.equal(a.length, 48);
  assert.ok(!a.equals(ticketKeyFor(s1.current.secret, 'bb')));
  assert.ok(!a.equals(ticketKeyFor(s2.current.secret, 'aa')));
  assert.ok(a.equals(ticketKeyFor(s1.current.secret, 'aa')));
});

test('a ticket is recognised only with its own key and an intact MAC', () => {
  const key = ticketKeyFor(randomBytes(32), 'aa');
  const iv = randomBytes(16);
  const c = createCipheriv('aes-128-cbc', key.subarray(32, 48), iv);
  const body = Buffer.concat([key.subarray(0, 16), iv, c.update(randomBytes(100)), c.final()]);
  const ticket = Buffer.concat([body, createHmac('sha256', key.subarray(16, 32)).update(body).digest()]);
  assert.equal(ticketMadeWith(ticket, key), true);
  assert.equal(ticketMadeWith(ticket, ticketKeyFor(randomBytes(32), 'aa')), false);
  const forged = Buffer.from(ticket);
  forged[40]! ^= 1;
  assert.equal(ticketMadeWith(forged, key), false);
  assert.equal(ticketMadeWith(ticket.subarray(0, 50), key), false);
});

test('the ClientHello parser never throws on garbage or truncation', () => {
  for (let i = 0; i < 5000; i++) {
    const b = randomBytes(1 + (i % 300));
    if (i % 2) {
      b[0] = 22;
      b[5] = 1;
    }
    ticketOfClientHello(b);
  }
});

test('an old session resumes for a client given the new credential only before the window closes', () => {
  const base = { oldSha256: 'o', newSha256: 'n', oldSessionsUntil: 1000 };
  assert.equal(mayResume({ ...base, ticketSha256: 'n', chosenSha256: 'n', now: 5000 }), true);
  assert.equal(mayResume({ ...base, ticketSha256: 'o', chosenSha256: 'o', now: 5000 }), true);
  assert.equal(mayResume({ ...base, ticketSha256: 'o', chosenSha256: 'n', now: 999 }), true);
  assert.equal(mayResume({ ...base, ticketSha256: 'o', chosenSha256: 'n', now: 1000 }), false);
  // A session of the new credential does not carry a client to it before T.
  assert.equal(mayResume({ ...base, ticketSha256: 'n', chosenSha256: 'o', now: 500 }), false);
  assert.equal(
    mayResume({ ...base, oldSessionsUntil: undefined, ticketSha256: 'o', chosenSha256: 'n', now: 0 }),
    false,
  );
  assert.equal(mayResume({ ...base, ticketSha256: 'x', chosenSha256: 'n', now: 0 }), false);
});

test('grace staged on keeps old sessions for the rollback window whatever the automatic-fallback setting', () => {
  const x = { at: 1000, rollbackWindowMs: 500, oldNotAfter: 10_000 };
  // Grace on, automatic fallback off (never set): the window holds. It was read as grace off before.
  assert.equal(oldSessionsEnd({ ...x, grace: true, fallback: undefined }), 1500);
  assert.equal(oldSessionsEnd({ ...x, grace: true, fallback: 'on' }), 1500);
  // Grace off (a key compromise): old sessions end at T, even were fallback on.
  assert.equal(oldSessionsEnd({ ...x, grace: false, fallback: undefined }), 1000);
  assert.equal(oldSessionsEnd({ ...x, grace: false, fallback: 'on' }), 1000);
  // Fallback switched off before its deadline ends grace either way.
  assert.equal(oldSessionsEnd({ ...x, grace: true, fallback: 'ended' }), 1000);
  // A stage that said nothing (by hand): the automatic-fallback setting decides, as before.
  assert.equal(oldSessionsEnd({ ...x, grace: undefined, fallback: 'on' }), 1500);
  assert.equal(oldSessionsEnd({ ...x, grace: undefined, fallback: undefined }), 1000);
  // Never after the old credential's notAfter.
  assert.equal(oldSessionsEnd({ ...x, oldNotAfter: 1200, grace: true, fallback: undefined }), 1200);
});
