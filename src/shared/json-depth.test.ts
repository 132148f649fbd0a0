import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertJsonDepth } from './json-depth.js';

const nested = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

test('nesting up to the bound passes, one level more is BAD_ARGUMENT', () => {
  assert.doesNotThrow(() => assertJsonDepth(nested(64)));
  assert.throws(() => assertJsonDepth(nested(65)), { code: 'BAD_ARGUMENT' });
  assert.throws(() => assertJsonDepth(`{"a":${nested(100_000)}}`), { code: 'BAD_ARGUMENT' });
});

test('brackets inside strings, escaped quotes included, do not count', () => {
  assert.doesNotThrow(() => assertJsonDepth(JSON.stringify({ s: '['.repeat(1000), t: '\\"[[[[' }), 2));
  assert.throws(() => assertJsonDepth('{"a":"\\"","b":[[]]}', 2), { code: 'BAD_ARGUMENT' });
});
