import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CredentialRecord } from '../lb/credential-record.js';
import type { Slot } from '../lb/slot.js';
import { chooseFor, ExceptionIndex, type SourceException } from '../lb/source-exceptions.js';
import { servePlan } from './serve-plan.js';

const T = 1_000_000;
const OLD = { sha256: 'old' } as CredentialRecord;
const NEW = { sha256: 'new' } as CredentialRecord;
const staged: Slot<CredentialRecord> = { active: OLD, staged: { credential: NEW, activateAt: T } };
const settled: Slot<CredentialRecord> = { active: NEW, previous: OLD, lastSwapAt: T };

/** What a data plane does with a plan: the longest-prefix entry (live or not), then its step. */
function sideOf(table: SourceException[], slot: Slot<CredentialRecord>, address: string, now: number) {
  const plan = servePlan(slot, table);
  const always = new ExceptionIndex(plan.entries.map((e) => ({ cidr: e.cidr, serve: 'new' as const })));
  const hit = always.match(address, now);
  const from = hit ? plan.entries.find((e) => e.cidr === hit.cidr)!.from : plan.from;
  return (now >= from ? plan.new : plan.old).sha256;
}

test('one step per address reproduces the rule, nested entries included, before and after T', () => {
  const table: SourceException[] = [
    { cidr: '127.0.0.2/32', serve: 'old', until: T + 5000 },
    { cidr: '127.0.0.3/32', serve: 'new' },
    { cidr: '10.1.0.0/16', serve: 'old', until: T + 9000 },
    { cidr: '10.1.2.0/24', serve: 'new' },
    { cidr: '10.1.2.9/32', serve: 'old', until: T + 2000 },
    { cidr: '10.1.3.9/32', serve: 'old', until: T + 3000 },
    { cidr: '10.1.4.4/32', serve: 'old', until: T - 500 },
    { cidr: '::1/128', serve: 'old', until: T + 5000 },
    { cidr: '2001:db8::/32', serve: 'new' },
    { cidr: '2001:db8:1::/48', serve: 'old', until: T + 4000 },
  ];
  const addresses = [
    '127.0.0.1',
    '127.0.0.2',
    '127.0.0.3',
    '::ffff:127.0.0.3',
    '10.1.9.9',
    '10.1.2.1',
    '10.1.2.9',
    '10.1.3.9',
    '10.1.4.4',
    '::1',
    '2001:db8::5',
    '2001:db8:1::5',
    '2001:db9::1',
  ];
  const instants = [
    T - 1000,
    T - 600,
    T - 1,
    T,
    T + 1,
    1999 + T,
    T + 2000,
    T + 3500,
    T + 5000,
    T + 8999,
    T + 9000,
  ];
  for (const slot of [staged, settled]) {
    for (const a of addresses) {
      for (const t of instants) {
        const want = chooseFor(slot, new ExceptionIndex(table), t, a).credential.sha256;
        assert.equal(sideOf(table, slot, a, t), want, `${a} at T${t - T >= 0 ? '+' : ''}${t - T}`);
      }
    }
  }
});

test('outside an exchange there is one credential and no step', () => {
  const plan = servePlan({ active: OLD }, [{ cidr: '127.0.0.2/32', serve: 'old', until: T }]);
  assert.equal(plan.old, OLD);
  assert.equal(plan.new, OLD);
  assert.equal(plan.from, 0);
});
