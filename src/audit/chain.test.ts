import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AuditRecord, linkEvent, verifyChain } from './chain.js';

const KEY = Buffer.alloc(32, 7);

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) {
    const head = out.at(-1);
    out.push(
      linkEvent(KEY, head && { seq: head.seq, hash: head.hash }, {
        at: `2026-11-27T10:00:0${i}Z`,
        actor: 'u1',
        role: 'lb-admin',
        organisation: 'P',
        action: `a${i}`,
        targetKind: 'lb',
        targetId: 'lb1',
        change: `{"i":${i}}`,
      }),
    );
  }
  return out;
}

const headOf = (rows: AuditRecord[]) => ({ seq: rows.at(-1)!.seq, hash: rows.at(-1)!.hash });

test('an untouched chain verifies', () => {
  const rows = chain(4);
  assert.deepEqual(verifyChain(KEY, rows, headOf(rows)).problems, []);
});

test('an edited field is reported as edited at its row', () => {
  const rows = chain(4);
  const head = headOf(rows);
  rows[1] = { ...rows[1]!, actor: 'mallory' };
  const v = verifyChain(KEY, rows, head);
  assert.equal(v.ok, false);
  assert.deepEqual(
    v.problems.map((p) => [p.seq, p.kind]),
    [[2, 'edited']],
  );
});

test('a deleted middle row is reported as deleted', () => {
  const rows = chain(4);
  const head = headOf(rows);
  rows.splice(2, 1);
  const v = verifyChain(KEY, rows, head);
  assert.equal(v.problems[0]?.kind, 'deleted');
  assert.equal(v.problems[0]?.seq, 3);
});

test('deleting the newest rows is caught by the head', () => {
  const rows = chain(4);
  const head = headOf(rows);
  const v = verifyChain(KEY, rows.slice(0, 2), head);
  assert.deepEqual(
    v.problems.map((p) => p.kind),
    ['deleted'],
  );
});

test('a row appended with the wrong key is reported as inserted', () => {
  const rows = chain(3);
  const head = headOf(rows);
  const forged = linkEvent(Buffer.alloc(32, 1), head, { ...rows[0]!, action: 'forged' });
  const v = verifyChain(KEY, [...rows, forged], head);
  assert.ok(v.problems.some((p) => p.kind === 'inserted' && p.seq === 4));
});

test('an empty log with no head verifies', () => {
  assert.equal(verifyChain(KEY, [], undefined).ok, true);
});
