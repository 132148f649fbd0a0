/**
 * The UI's time formatting (src/web/lib/time.ts, pure): every instant with its zone and UTC, the
 * countdown, and the T picker's local value round trip. Runs in Node with TZ set like a browser's.
 */
process.env.TZ = 'Europe/Berlin';

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  lbWords,
  outcome,
  senderWords,
  trustedRoots,
  trustLabel,
} from '../../src/web/components/path-facts.js';
import { formatInstant, fromLocalInput, groupHex, relative, toLocalInput } from '../../src/web/lib/time.js';

test('an instant shows local time with its zone and the UTC time, the date repeated only when it differs', () => {
  assert.equal(formatInstant('2027-03-01T09:00:00Z'), '01 Mar 2027, 10:00:00 CET (09:00:00 UTC)');
  assert.equal(
    formatInstant('2027-03-01T23:30:00Z'),
    '02 Mar 2027, 00:30:00 CET (01 Mar 2027, 23:30:00 UTC)',
  );
  assert.equal(formatInstant('2027-07-01T09:00:00Z'), '01 Jul 2027, 11:00:00 CEST (09:00:00 UTC)');
  assert.equal(formatInstant(null), '—');
  assert.equal(formatInstant('not a time'), 'not a time');
});

test('the countdown rounds towards T and says ago after it', () => {
  const t = '2027-03-01T09:00:00Z';
  const at = Date.parse(t);
  assert.equal(relative(t, at - 400), 'in 1 s');
  assert.equal(relative(t, at - 61_000), 'in 1 min 1 s');
  assert.equal(relative(t, at - (2 * 86_400_000 + 3 * 3_600_000)), 'in 2 d 3 h');
  assert.equal(relative(t, at + 5_400), '5 s ago');
});

test('the T picker value is wall time in the browser zone and round-trips to the same instant', () => {
  const ms = Date.parse('2027-03-01T09:00:05Z');
  assert.equal(toLocalInput(ms), '2027-03-01T10:00:05');
  assert.equal(fromLocalInput('2027-03-01T10:00:05')?.toISOString(), '2027-03-01T09:00:05.000Z');
  assert.equal(fromLocalInput(''), null);
  assert.equal(fromLocalInput('garbage'), null);
});

test('fingerprints are grouped by four for comparing by eye', () => {
  assert.equal(groupHex('0123456789abcdef'), '0123 4567 89ab cdef');
  assert.equal(groupHex(null), '—');
});

test('a sender trusts the old root until it removes it, and the new one once it proved it (an acknowledgement is a claim)', () => {
  assert.deepEqual(trustedRoots('notified'), { old: true, new: false });
  assert.deepEqual(trustedRoots('failing'), { old: true, new: false });
  assert.deepEqual(trustedRoots('acknowledged'), { old: true, new: false, claimed: true });
  assert.equal(trustLabel(trustedRoots('acknowledged')), 'old (new?)');
  assert.equal(trustLabel(trustedRoots('verified')), 'old+new');
  assert.deepEqual(trustedRoots('verified'), { old: true, new: true });
  assert.deepEqual(trustedRoots('old-root-removed'), { old: false, new: true });
});

test('the path drawing: a sender in grace works after T (served the old certificate), an unproven one is unknown', () => {
  const status = (state: string, tone = 'action') =>
    ({ state, tone, proven: false }) as unknown as Parameters<typeof outcome>[0]['status'];
  assert.deepEqual(outcome({ name: 'ledger', state: 'notified', status: status('in-grace') }, 'new'), {
    before: true,
    after: true,
  });
  assert.deepEqual(outcome({ name: 'ledger', state: 'notified', status: status('told') }, 'new'), {
    before: true,
    after: null,
  });
  assert.deepEqual(outcome({ name: 'ledger', state: 'failing', status: status('failing', 'bad') }, 'new'), {
    before: true,
    after: false,
  });
});

test('the path drawing: after T the LB box says who is still served the old certificate and until when', () => {
  const status = (o: { proven?: boolean; oldUntil?: string; early?: string[]; state?: string }) =>
    ({
      state: o.state ?? (o.oldUntil ? 'in-grace' : 'proven'),
      tone: 'action',
      proven: o.proven ?? false,
      oldCredentialServedUntil: o.oldUntil ?? null,
      grace: { oldCidrs: [], heldBy: [], earlyCidrs: o.early ?? [], nodes: null },
    }) as unknown as Parameters<typeof outcome>[0]['status'];
  const deadline = '2026-12-03T13:00:00Z';
  const ready = { name: 'billing', state: 'verified', status: status({ proven: true }) };
  const ledger = { name: 'ledger', state: 'notified', status: status({ oldUntil: deadline }) };
  const late = { name: 'invoices', state: 'notified', status: status({ oldUntil: deadline }) };

  // Nobody in grace: the new certificate for everybody after T.
  assert.deepEqual(lbWords('after', 'new', [ready]), {
    lines: ['serves new cert'],
    sentence: 'After T the LB serves the new certificate.',
  });
  // Two senders in grace: the box and the sentence say so, with the deadline (Berlin: 14:00 CET).
  assert.deepEqual(lbWords('after', 'new', [ready, ledger, late]), {
    lines: ['serves new cert;', 'old to 2 in grace', 'until 03 Dec, 14:00'],
    sentence:
      'After T the LB serves the new certificate; the old one to 2 senders in grace until 03 Dec 2026, 14:00:00 CET (13:00:00 UTC).',
  });
  // Different deadlines: the latest, said as an upper bound.
  const earlier = { ...late, status: status({ oldUntil: '2026-12-03T12:00:00Z' }) };
  assert.match(
    lbWords('after', 'new', [ledger, earlier]).sentence,
    /old one to 2 senders in grace at most until 03 Dec 2026, 14:00:00/,
  );
  // One sender: singular; a sender whose grace ended (proven after T) is not counted.
  assert.match(lbWords('after', 'new', [ledger, ready]).sentence, /the old one to 1 sender in grace until/);
  // After a rollback the old certificate is served to everybody; grace is moot.
  assert.deepEqual(lbWords('after', 'old', [ledger]).lines, ['serves old cert']);
  // Before T: the old certificate, the new one to proven senders with early entries.
  assert.deepEqual(lbWords('before', 'old', [ledger]).lines, ['serves old cert']);
  const early = { ...ready, status: status({ proven: true, early: ['127.0.0.2/32'] }) };
  assert.deepEqual(lbWords('before', 'old', [early, ledger]), {
    lines: ['serves old cert;', 'new to 1 early'],
    sentence: 'Before T the LB serves the old certificate; the new one already to 1 sender proven early.',
  });
  // The sender sentences come from the same place.
  assert.equal(
    senderWords(ledger, 'new'),
    'ledger: before T it worked on the old root; after T it works: it is in grace, served the old certificate until its deadline.',
  );
});
