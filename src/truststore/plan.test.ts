import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { mintCredential, mintRoot } from '../../test/kit/ca.js';
import { isRolloverError } from '../shared/errors.js';
import { type CertFacts, certFacts, type TrustEntry } from './anchor.js';
import { dnKey, planAdd, selectEntries } from './plan.js';

let oldRoot: CertFacts;
let newRoot: CertFacts;
let leaf: CertFacts;
let entries: TrustEntry[];

before(async () => {
  const a = await mintRoot('Plan Root');
  const b = await mintRoot('Plan Root');
  oldRoot = certFacts(a.cert.der);
  newRoot = certFacts(b.cert.der);
  leaf = certFacts((await mintCredential(b)).chain[0]!.der);
  entries = [{ alias: 'plan-root', cert: oldRoot }];
});

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (isRolloverError(e)) return e.code;
    throw e;
  }
  return 'no error';
};

test('adding a certificate already present plans nothing and names the existing entry', () => {
  const plan = planAdd(entries, oldRoot, {});
  assert.equal(plan.action, 'none');
  assert.equal(plan.action === 'none' && plan.existing.alias, 'plan-root');
});

test('a new root with the same name gets the CN slug plus its fingerprint prefix as alias', () => {
  const plan = planAdd(entries, newRoot, {});
  assert.equal(plan.action === 'add' && plan.entry.alias, `plan-root-${newRoot.sha256.slice(0, 8)}`);
});

test('a leaf is refused unless allowed, and a taken alias is refused whatever its case', () => {
  assert.equal(
    code(() => planAdd(entries, leaf, {})),
    'NOT_A_CA_CERT',
  );
  assert.equal(planAdd(entries, leaf, { allowLeaf: true }).action, 'add');
  assert.equal(
    code(() => planAdd(entries, newRoot, { alias: 'PLAN-ROOT' })),
    'ALIAS_EXISTS',
  );
  assert.equal(
    code(() => planAdd(entries, newRoot, { alias: '../evil' })),
    'BAD_ARGUMENT',
  );
});

test('entries are selected by fingerprint in any notation, by alias in any case, or by subject in any order', () => {
  const colon = oldRoot.sha256.toUpperCase().match(/.{2}/g)!.join(':');
  assert.equal(selectEntries(entries, { fingerprint: colon })[0]!.alias, 'plan-root');
  assert.equal(selectEntries(entries, { alias: 'Plan-Root' }).length, 1);
  assert.equal(selectEntries(entries, { subject: 'o=ROLLOVER TESTS,  cn=plan root' }).length, 1);
  assert.equal(
    code(() => selectEntries(entries, { fingerprint: newRoot.sha256 })),
    'ENTRY_NOT_FOUND',
  );
  assert.equal(
    code(() => selectEntries(entries, {})),
    'BAD_ARGUMENT',
  );
});

test('DN keys ignore order, spacing and case but not content', () => {
  assert.equal(dnKey('CN=A B, O=X'), dnKey('o=x,cn=a  b'));
  assert.notEqual(dnKey('CN=A, O=X'), dnKey('CN=A, O=Y'));
});
