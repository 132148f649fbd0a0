import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeOpen, renewalStatus } from './renewal-status.js';
import {
  type RenewalClock,
  type SenderFacts,
  type SenderStateName,
  type SenderTraffic,
  senderStatus,
  tallySenders,
} from './sender-status.js';

const at = (s: string) => new Date(`2026-12-01T${s}Z`);
const T = at('12:00:00');
const WINDOW = 3_600_000;

const before: RenewalClock = {
  state: 'staged',
  exchangeAt: T,
  exchangedAt: null,
  rollbackWindowMs: WINDOW,
  exchangeVerified: false,
  gatePolicy: 'warn',
  gateAt: at('11:00:00'),
  held: null,
  grace: { grace: 'unready', graceUntil: at('14:30:00'), early: 'off', autoGrace: true },
};
const verified: RenewalClock = { ...before, state: 'verified', exchangedAt: T, exchangeVerified: true };
const quiet: SenderTraffic = {
  successesAfter: 0,
  successesOnNewAfter: 0,
  failuresAfter: 0,
  firstFailureAfterAt: null,
  lastFailureAt: null,
  lastSuccessOnNewAt: null,
  lastHandshakeAt: null,
  lastServed: null,
  successesBefore: 0,
  failuresBefore: 0,
};
const told: SenderFacts = {
  toldAt: at('09:00:00'),
  acknowledgedAt: null,
  proof: null,
  removal: null,
  traffic: quiet,
  grace: null,
};
const GRACE = {
  oldUntil: at('14:30:00'),
  oldCidrs: ['127.0.0.3/32'],
  heldBy: [],
  earlyCidrs: [],
  nodes: { total: 1, applied: 1, notYet: 0 },
};
const proof = (ok: boolean, when = at('10:00:00'), afterStaging = true) => ({
  ok,
  at: when,
  afterStaging,
  ...(ok ? {} : { reason: 'UNKNOWN_CA' }),
});
const failing: SenderTraffic = {
  ...quiet,
  failuresAfter: 28,
  firstFailureAfterAt: at('12:00:01'),
  lastFailureAt: at('12:20:00'),
  lastHandshakeAt: at('12:20:00'),
};
const workingOnNew: SenderTraffic = {
  ...quiet,
  successesAfter: 5,
  successesOnNewAfter: 5,
  lastSuccessOnNewAt: at('12:05:00'),
  lastHandshakeAt: at('12:05:00'),
  lastServed: 'new',
};

interface Case {
  name: string;
  sender: SenderFacts;
  renewal: RenewalClock;
  now: Date;
  state: SenderStateName;
  allowed?: boolean;
  from?: Date | null;
  by?: Date | null;
}

const AFTER_WINDOW = at('13:30:00');
const cases: Case[] = [
  {
    name: 'a sender nobody forwarded to is not told, and its tenant admin acts by T',
    sender: { ...told, toldAt: null },
    renewal: before,
    now: at('10:00:00'),
    state: 'not-told',
    by: T,
  },
  {
    name: 'a sender never told is never told it may remove the old root, even long after the window',
    sender: { ...told, toldAt: null, traffic: workingOnNew },
    renewal: { ...verified, state: 'completed' },
    now: AFTER_WINDOW,
    state: 'not-told',
    allowed: false,
  },
  {
    name: 'a told sender acts by T under the warn gate',
    sender: told,
    renewal: before,
    now: at('10:00:00'),
    state: 'told',
    by: T,
  },
  {
    name: 'a told sender acts by the gate instant under the block gate',
    sender: told,
    renewal: { ...before, gatePolicy: 'block' },
    now: at('10:00:00'),
    state: 'told',
    by: at('11:00:00'),
  },
  {
    name: 'an acknowledgement is not a proof',
    sender: { ...told, acknowledgedAt: at('09:30:00') },
    renewal: before,
    now: at('10:00:00'),
    state: 'acknowledged',
  },
  {
    name: 'a failed proof before the nodes acknowledged staging proves nothing either way',
    sender: { ...told, proof: proof(false, at('09:59:58'), false) },
    renewal: before,
    now: at('10:00:00'),
    state: 'acknowledged',
  },
  {
    name: 'a failed proof after staging says so, with the deadline',
    sender: { ...told, proof: proof(false) },
    renewal: before,
    now: at('10:30:00'),
    state: 'proof-failed',
    by: T,
  },
  {
    name: 'a proof that led to the new root is proven ready before T, and removal waits for the exchange',
    sender: { ...told, proof: proof(true) },
    renewal: before,
    now: at('11:00:00'),
    state: 'proven-ready',
    allowed: false,
    from: null,
  },
  {
    name: 'a held renewal past T asks for the proof now, with no deadline',
    sender: told,
    renewal: { ...before, gatePolicy: 'block', held: { reason: 'the gate blocked', since: at('11:00:00') } },
    now: at('12:10:00'),
    state: 'told',
    by: null,
  },
  {
    name: 'a sender that never added the root fails after the exchange and is not told to remove anything',
    sender: { ...told, traffic: failing },
    renewal: verified,
    now: at('12:30:00'),
    state: 'failing',
    allowed: false,
  },
  {
    name: 'a failing sender stays failing after completion',
    sender: { ...told, traffic: failing },
    renewal: { ...verified, state: 'completed' },
    now: AFTER_WINDOW,
    state: 'failing',
    allowed: false,
  },
  {
    name: 'a proof before T does not outweigh failures after the exchange',
    sender: { ...told, proof: proof(true), traffic: failing },
    renewal: verified,
    now: AFTER_WINDOW,
    state: 'failing',
    allowed: false,
  },
  {
    name: 'a proof that fails after the exchange is failing',
    sender: { ...told, proof: proof(false, at('12:10:00')) },
    renewal: verified,
    now: at('12:30:00'),
    state: 'failing',
  },
  {
    name: 'a sender that failed but then works on the new credential is proven',
    sender: {
      ...told,
      traffic: { ...failing, ...workingOnNew, failuresAfter: 3, lastSuccessOnNewAt: at('12:25:00') },
    },
    renewal: verified,
    now: at('12:30:00'),
    state: 'proven-ready',
    allowed: false,
    from: at('13:00:00'),
  },
  {
    name: 'an unproven sender with no handshakes since the exchange is no traffic, not "no failures"',
    sender: told,
    renewal: verified,
    now: at('12:30:00'),
    state: 'no-traffic',
    allowed: false,
    by: at('13:00:00'),
  },
  {
    name: 'an unproven sender without addresses is no traffic too',
    sender: { ...told, traffic: null },
    renewal: verified,
    now: at('12:30:00'),
    state: 'no-traffic',
  },
  {
    name: 'handshakes on the old credential after the exchange prove nothing',
    sender: { ...told, traffic: { ...quiet, successesAfter: 2, lastServed: 'old' } },
    renewal: verified,
    now: at('12:30:00'),
    state: 'not-proven',
    allowed: false,
  },
  {
    name: 'a proven sender keeps the old root while the rollback window is open',
    sender: { ...told, proof: proof(true) },
    renewal: verified,
    now: at('12:30:00'),
    state: 'proven-ready',
    allowed: false,
    from: at('13:00:00'),
  },
  {
    name: 'a proven sender keeps the old root while the exchange is unverified, even after the window',
    sender: { ...told, proof: proof(true) },
    renewal: { ...verified, state: 'exchanged', exchangeVerified: false },
    now: AFTER_WINDOW,
    state: 'proven-ready',
    allowed: false,
  },
  {
    name: 'a proven sender may remove the old root once the window closed on a verified exchange',
    sender: { ...told, proof: proof(true) },
    renewal: { ...verified, state: 'retiring' },
    now: AFTER_WINDOW,
    state: 'safe-to-remove',
    allowed: true,
    from: at('13:00:00'),
  },
  {
    name: 'a sender seen working on the new credential after T may remove the old root without a proof',
    sender: { ...told, traffic: workingOnNew },
    renewal: { ...verified, state: 'retiring' },
    now: AFTER_WINDOW,
    state: 'safe-to-remove',
    allowed: true,
  },
  {
    name: 'an override after T moves the safe-removal instant to the real exchange instant plus the window',
    sender: { ...told, proof: proof(true) },
    renewal: { ...verified, exchangedAt: at('13:14:48') },
    now: at('13:30:00'),
    state: 'proven-ready',
    allowed: false,
    from: at('14:14:48'),
  },
  {
    name: 'a sender that reported the removal is done',
    sender: { ...told, proof: proof(true), removal: { at: at('13:40:00'), forced: false } },
    renewal: { ...verified, state: 'completed' },
    now: at('14:00:00'),
    state: 'old-root-removed',
  },
  {
    name: 'a cancelled renewal tells everyone to keep the old root',
    sender: { ...told, proof: proof(true) },
    renewal: { ...before, state: 'cancelled' },
    now: at('10:00:00'),
    state: 'cancelled',
    allowed: false,
  },
  {
    name: 'a rolled-back renewal tells everyone to keep the old root',
    sender: { ...told, traffic: workingOnNew },
    renewal: { ...verified, state: 'rolled-back' },
    now: AFTER_WINDOW,
    state: 'rolled-back',
    allowed: false,
  },
];

for (const c of cases) {
  test(c.name, () => {
    const s = senderStatus(c.sender, c.renewal, c.now);
    assert.equal(s.state, c.state, s.reason);
    if (c.allowed !== undefined) assert.equal(s.removal.allowed, c.allowed, s.removal.reason);
    if (c.from !== undefined)
      assert.equal(s.removal.from?.toISOString() ?? null, c.from?.toISOString() ?? null);
    if (c.by !== undefined) assert.equal(s.next.by?.toISOString() ?? null, c.by?.toISOString() ?? null);
    assert.ok(s.reason.length > 0 && s.next.action.length > 0);
  });
}

test('no fact combination says safe to remove for a sender that is not proven, before the real window end, or unverified', () => {
  const senders: SenderFacts[] = [];
  for (const toldAt of [null, at('09:00:00')])
    for (const pr of [null, proof(true), proof(false), proof(false, at('12:10:00'))])
      for (const traffic of [null, quiet, failing, workingOnNew])
        for (const removal of [null, { at: at('13:40:00'), forced: true }])
          for (const grace of [null, GRACE, { ...GRACE, heldBy: [{ id: 'x', name: 'other' }] }])
            senders.push({ toldAt, acknowledgedAt: null, proof: pr, removal, traffic, grace });
  const renewals: RenewalClock[] = [];
  for (const state of ['staged', 'exchanged', 'verified', 'retiring', 'completed', 'rolled-back'] as const)
    for (const exchangedAt of [null, T, at('13:14:48')])
      for (const exchangeVerified of [false, true])
        renewals.push({ ...before, state, exchangedAt, exchangeVerified });
  let allowedSeen = 0;
  for (const s of senders)
    for (const r of renewals)
      for (const now of [at('11:00:00'), at('12:30:00'), at('14:00:00'), at('15:00:00')]) {
        const v = senderStatus(s, r, now);
        if (!v.removal.allowed) continue;
        allowedSeen++;
        assert.ok(s.toldAt, 'told');
        assert.ok(v.proven, 'proven');
        assert.ok(r.exchangeVerified && r.exchangedAt, 'exchanged and verified');
        assert.ok(now.getTime() >= r.exchangedAt!.getTime() + WINDOW, 'after the real window end');
        assert.notEqual(v.state, 'failing');
        assert.ok(!['rolled-back', 'cancelled'].includes(r.state));
        assert.ok(
          !s.grace?.oldUntil || now >= s.grace.oldUntil,
          'not while its addresses are served the old credential',
        );
      }
  assert.ok(allowedSeen > 0, 'the property was exercised');
});

test('a held renewal is named held at the gate, says who releases it, and offers postpone only before the cut-off', () => {
  const r = {
    ...before,
    gatePolicy: 'block' as const,
    held: { reason: '1 of 2 sender(s) not verified', since: at('11:00:00') },
    postponeDeadline: at('11:45:00'),
    nodesStaged: 0,
    nodes: 1,
    nodesVerified: 0,
    completion: null,
    override: null,
  };
  const tally = tallySenders([senderStatus(told, r, at('12:10:00'))]);
  const v = renewalStatus(r, tally, at('12:10:00'));
  assert.equal(v.phase, 'held-at-gate');
  assert.match(v.reason, /T .* has passed/);
  assert.equal(v.held?.release.who, 'lb-admin');
  assert.equal(v.actions.postpone.available, false);
  assert.match(v.actions.postpone.reason, /cut-off/);
  assert.equal(v.actions.cancel.available, true);
  assert.equal(v.actions.override.available, true);
  // With grace the senders not proven do not fail at the exchange: the override says until when they are spared.
  assert.match(v.actions.override.reason, /keep the old certificate until .*14:30:00.* \(grace\)/);
  assert.doesNotMatch(v.actions.override.reason, /will fail until/);
  const noGrace = { ...r, grace: { ...r.grace, grace: 'off' as const, graceUntil: null } };
  assert.match(renewalStatus(noGrace, tally, at('12:10:00')).actions.override.reason, /will fail until/);
  assert.equal(renewalStatus(r, tally, at('11:10:00')).actions.postpone.available, true);
});

test('steps count per sender and a completion with open items says what was open', () => {
  const r = {
    ...verified,
    state: 'completed' as const,
    postponeDeadline: at('11:45:00'),
    nodesStaged: 1,
    nodes: 1,
    nodesVerified: 1,
    override: null,
    completion: {
      at: AFTER_WINDOW,
      by: 'alice',
      forced: true,
      reason: 'they know',
      open: { failing: 2, notProven: 0, oldRootTrusted: 4 },
    },
  };
  const statuses = [
    senderStatus({ ...told, proof: proof(true) }, r, AFTER_WINDOW),
    senderStatus({ ...told, traffic: failing }, r, AFTER_WINDOW),
    senderStatus({ ...told, traffic: failing }, r, AFTER_WINDOW),
    senderStatus(told, r, AFTER_WINDOW),
  ];
  const v = renewalStatus(r, tallySenders(statuses), AFTER_WINDOW);
  assert.equal(v.phase, 'completed-with-open-items');
  assert.match(v.headline, /^completed with 2 senders failing/);
  assert.equal(v.steps.find((s) => s.step === 4)?.text, '1 of 4 senders proven');
  assert.equal(v.steps.find((s) => s.step === 4)?.done, false);
  assert.equal(describeOpen({ failing: 0, notProven: 0, oldRootTrusted: 0 }), '');
});

test('grace: a sender not proven after T is in grace until its deadline, then no longer; removal waits for the deadline', () => {
  const s: SenderFacts = { ...told, grace: GRACE };
  const v = senderStatus(s, verified, at('13:00:00'));
  assert.equal(v.state, 'in-grace');
  assert.equal(v.next.who, 'sender-admin');
  assert.equal(v.next.by?.toISOString(), GRACE.oldUntil.toISOString());
  assert.equal(v.oldCredentialServedUntil?.toISOString(), GRACE.oldUntil.toISOString());
  assert.equal(v.removal.allowed, false);
  assert.match(v.removal.reason, /served the old credential until 2026-12-01T14:30:00/);
  const after = senderStatus(s, verified, at('14:30:00'));
  assert.notEqual(after.state, 'in-grace');
  assert.equal(after.oldCredentialServedUntil, null);
  assert.equal(tallySenders([v, after]).inGrace, 1);
});

test('grace: a proven sender held by a sender not proven on a shared address waits, and may remove only after the deadline', () => {
  const s: SenderFacts = {
    ...told,
    proof: proof(true),
    grace: { ...GRACE, heldBy: [{ id: 'snd_b', name: 'globex-ledger' }] },
  };
  const v = senderStatus(s, verified, at('14:00:00'));
  assert.equal(v.state, 'in-grace');
  assert.equal(v.tone, 'waiting');
  assert.match(v.headline, /held on the old certificate by globex-ledger/);
  assert.equal(v.removal.allowed, false);
  assert.equal(v.removal.from?.toISOString(), GRACE.oldUntil.toISOString());
  const later = senderStatus(s, verified, at('14:31:00'));
  assert.equal(later.removal.allowed, true);
});

test('grace: a table no node applies (agents answer not yet) is not shown as grace, but removal still waits', () => {
  const s: SenderFacts = { ...told, grace: { ...GRACE, nodes: { total: 2, applied: 0, notYet: 2 } } };
  const v = senderStatus(s, verified, at('13:00:00'));
  assert.notEqual(v.state, 'in-grace');
  assert.equal(v.removal.allowed, false);
  const partly = senderStatus(
    { ...s, grace: { ...GRACE, nodes: { total: 2, applied: 1, notYet: 1 } } },
    verified,
    at('13:00:00'),
  );
  assert.equal(partly.state, 'in-grace');
  assert.match(
    partly.reason,
    /applied on 1 of 2 node\(s\); 1 answer that their agent does not apply source exceptions yet/,
  );
  // Before T the note says what happens at T.
  const b = senderStatus({ ...told, grace: GRACE }, before, at('10:00:00'));
  assert.equal(b.state, 'told');
  assert.match(b.reason, /keep the old certificate until 2026-12-01T14:30:00.000Z \(grace\)/);
});

test('with a bridge: the bridge deadline is an unproven sender real deadline, and handshakes through the bridge prove nothing', () => {
  const until = at('14:00:00');
  const bridged: RenewalClock = { ...verified, bridgeUntil: until };
  // Before T: told senders are told the bridge deadline beside the gate's.
  const early = senderStatus(told, { ...before, bridgeUntil: until }, at('10:30:00'));
  assert.equal(early.state, 'told');
  assert.match(
    early.next.action,
    /bridge keeps it working with only the old root until 2026-12-01T14:00:00\.000Z/,
  );
  // After T, during the bridge: an old-root-only sender succeeds on the new credential through the bridge.
  const s = { ...told, traffic: workingOnNew };
  const during = senderStatus(s, bridged, at('12:30:00'));
  assert.equal(during.proven, false);
  assert.equal(during.state, 'not-proven');
  assert.equal(during.tone, 'action');
  assert.deepEqual(during.next.by, until);
  assert.match(during.headline, /working through the bridge until 2026-12-01T14:00:00\.000Z/);
  assert.match(during.next.action, /preview listener/);
  assert.equal(during.removal.allowed, false);
  // The control: without a bridge the same traffic proves the new root.
  assert.equal(senderStatus(s, verified, at('12:30:00')).proven, true);
  // After the deadline, a handshake on the new credential proves it again.
  const later = {
    ...told,
    traffic: { ...workingOnNew, lastSuccessOnNewAt: at('14:05:00'), lastHandshakeAt: at('14:05:00') },
  };
  assert.equal(senderStatus(later, bridged, at('14:10:00')).proven, true);
  // A sender seen nowhere after T gets the bridge deadline while it is ahead.
  const silent = senderStatus(told, bridged, at('12:30:00'));
  assert.equal(silent.state, 'no-traffic');
  assert.deepEqual(silent.next.by, until);
});

test('a preview handshake is evidence "observed": proven only when the renewal accepts it, never over a later failed proof', () => {
  const seen = { ...told, observed: { at: at('10:30:00'), client: '127.0.0.2', handshakes: 3 } };
  const now = at('10:45:00');
  const notAccepted = senderStatus(seen, before, now);
  assert.equal(notAccepted.state, 'observed');
  assert.equal(notAccepted.proven, false);
  assert.deepEqual(
    { kind: notAccepted.evidence?.kind, counts: notAccepted.evidence?.counts },
    { kind: 'observed', counts: false },
  );
  const accepted = senderStatus(seen, { ...before, acceptObserved: true }, now);
  assert.equal(accepted.state, 'proven-ready');
  assert.equal(accepted.headline, 'observed ready');
  assert.equal(accepted.proven, true);
  // A failed proof after the observation says what the truststore holds now.
  const contradicted = senderStatus(
    { ...seen, proof: proof(false, at('10:40:00')) },
    { ...before, acceptObserved: true },
    now,
  );
  assert.equal(contradicted.state, 'proof-failed');
  assert.equal(contradicted.evidence, null);
  // A proof that led to the new root is the stronger kind.
  const both = senderStatus({ ...seen, proof: proof(true) }, before, now);
  assert.equal(both.evidence?.kind, 'verified');
  assert.equal(both.state, 'proven-ready');
});
