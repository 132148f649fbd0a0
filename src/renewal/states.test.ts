import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRolloverError } from '../shared/errors.js';
import { evaluateGate } from './gate.js';
import { nextReadiness, readinessSummary } from './readiness.js';
import { isBeforeExchange, isTerminal, nextState, type RenewalEvent, type RenewalState } from './states.js';

test('the happy path walks planned → announced → staged → exchanged → verified → retiring → completed', () => {
  const events: RenewalEvent[] = ['announce', 'staged', 'exchange', 'verify', 'retire', 'complete'];
  let s: RenewalState = 'planned';
  const seen: RenewalState[] = [s];
  for (const e of events) {
    s = nextState(s, e);
    seen.push(s);
  }
  assert.deepEqual(seen, [
    'planned',
    'announced',
    'staged',
    'exchanged',
    'verified',
    'retiring',
    'completed',
  ]);
  assert.ok(isTerminal(s));
});

test('a postpone returns to staged once the nodes acknowledged it', () => {
  assert.equal(nextState(nextState('staged', 'postpone'), 'staged'), 'staged');
});

test('impossible transitions are refused with WRONG_STATE, naming what is possible', () => {
  const cases: Array<[RenewalState, RenewalEvent]> = [
    ['planned', 'exchange'],
    ['exchanged', 'postpone'],
    ['verified', 'announce'],
    ['completed', 'rollback'],
    ['rolled-back', 'exchange'],
    ['retiring', 'rollback'],
  ];
  for (const [s, e] of cases) {
    assert.throws(
      () => nextState(s, e),
      (err) => isRolloverError(err, 'WRONG_STATE'),
      `${s} + ${e}`,
    );
  }
});

test('a rollback is possible after the exchange until retirement begins', () => {
  assert.equal(nextState('exchanged', 'rollback'), 'rolled-back');
  assert.equal(nextState('verified', 'rollback'), 'rolled-back');
  assert.ok(isBeforeExchange('postponed') && !isBeforeExchange('exchanged'));
});

test('readiness moves forward only, and the latest evidence decides between verified and failing', () => {
  assert.equal(nextReadiness('pending', { kind: 'notified' }), 'notified');
  assert.equal(nextReadiness('verified', { kind: 'notified' }), 'verified');
  assert.equal(nextReadiness('verified', { kind: 'acknowledged' }), 'verified');
  assert.equal(nextReadiness('acknowledged', { kind: 'evidence', ok: false }), 'failing');
  assert.equal(nextReadiness('failing', { kind: 'evidence', ok: true }), 'verified');
  assert.equal(nextReadiness('verified', { kind: 'evidence', ok: false }), 'failing');
  assert.equal(nextReadiness('old-root-removed', { kind: 'evidence', ok: false }), 'old-root-removed');
  assert.deepEqual(readinessSummary(['verified', 'verified', 'failing']).verified, 2);
});

test('the gate blocks under block until every sender is verified or an lb-admin overrides, and warns under warn', () => {
  const senders = [
    { id: 's1', state: 'verified' as const },
    { id: 's2', state: 'acknowledged' as const },
  ];
  assert.equal(evaluateGate({ policy: 'block', senders }).decision, 'blocked');
  assert.deepEqual(evaluateGate({ policy: 'block', senders }).notReady, ['s2']);
  assert.equal(
    evaluateGate({ policy: 'block', senders, override: { by: 'alice', reason: 's2 confirmed by phone' } })
      .decision,
    'overridden',
  );
  assert.equal(evaluateGate({ policy: 'warn', senders }).decision, 'go-with-warning');
  assert.equal(evaluateGate({ policy: 'block', senders: [senders[0]!] }).decision, 'go');
});

test('the gate counts an observed sender only when the renewal accepts observed handshakes', () => {
  const senders = [
    { id: 's1', state: 'verified' as const },
    { id: 's2', state: 'acknowledged' as const, observed: true },
  ];
  const refused = evaluateGate({ policy: 'block', senders });
  assert.equal(refused.decision, 'blocked');
  assert.deepEqual(refused.notReady, ['s2']);
  const accepted = evaluateGate({ policy: 'block', senders, acceptObserved: true });
  assert.equal(accepted.decision, 'go');
  assert.match(accepted.reason, /1 observed/);
  const unseen = evaluateGate({
    policy: 'block',
    senders: [{ id: 's3', state: 'notified' as const, observed: false }],
    acceptObserved: true,
  });
  assert.deepEqual(unseen.notReady, ['s3']);
});
