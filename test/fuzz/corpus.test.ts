/**
 * The fuzz corpus, replayed on every test run (`npm run fuzz` is the long search): for each decoder
 * that reads outside input, the committed seeds, the run-time seeds (key-bearing ones are minted
 * here, never committed), deterministic mutations and generated inputs are each accepted or refused
 * with a typed error (a RolloverError with a stable code), within a second.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replay } from '../../fuzz/replay.js';
import { TARGETS } from '../../fuzz/targets.js';

test('every decoder that reads outside input has a fuzz target and a committed corpus', async () => {
  assert.deepEqual(
    TARGETS.map((t) => t.name),
    ['pem', 'x509', 'pkcs12', 'jks', 'pkcs7', 'dir', 'clienthello', 'csv', 'config', 'notice'],
  );
});

for (const target of TARGETS) {
  test(`fuzz corpus replay: ${target.name} (${target.what}) — typed outcomes only, each under 1 s`, async () => {
    const r = await replay(target, { mutations: 150, generated: 50, seed: 20261202 });
    assert.ok(r.corpus > 0, `fuzz/corpus/${target.name} holds seeds`);
    assert.ok(r.inputs >= 200, `${r.inputs} inputs`);
    assert.deepEqual(
      r.problems.map((p) => p.problem),
      [],
      `first failing input (base64): ${r.problems[0]?.input.slice(0, 300)}`,
    );
  });
}
