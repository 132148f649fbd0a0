import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCsr } from '../pki/csr.js';
import { generateKeyPair } from '../pki/keys.js';
import { RolloverError } from '../shared/errors.js';
import { cliHint } from './hints.js';

test('a core names the field it needs, never a flag; the CLI turns the field into its flag', async () => {
  const keys = await generateKeyPair('ec-p256');
  await assert.rejects(createCsr(keys, []), (e) => {
    assert.ok(e instanceof RolloverError);
    assert.doesNotMatch(e.message, /--/);
    assert.equal(e.details.field, 'hosts');
    assert.match(cliHint(e) ?? '', /--host NAME or --ip ADDRESS/);
    return true;
  });
});

test("an edge's own hint wins over the CLI's table; a code without one has none", () => {
  const own = new RolloverError('PASSPHRASE_REQUIRED', 'x', { hint: 'from the edge' });
  assert.equal(cliHint(own), 'from the edge');
  assert.match(cliHint(new RolloverError('PASSPHRASE_REQUIRED', 'x')) ?? '', /--passphrase-file/);
  assert.equal(cliHint(new RolloverError('EXPIRED', 'x')), undefined);
});

test('truststore refusals name the input, not the flag; the CLI adds the flag', async () => {
  const { parseTruststoreType } = await import('../truststore/formats/index.js');
  const { selectEntries } = await import('../truststore/plan.js');
  const cases: Array<[() => unknown, RegExp]> = [
    [() => parseTruststoreType('p7b'), /--type/],
    [() => selectEntries([], {}), /--fingerprint, --alias or --subject/],
  ];
  for (const [run, flag] of cases) {
    assert.throws(run, (e) => {
      assert.ok(e instanceof RolloverError);
      assert.doesNotMatch(e.message, /--[a-z]/);
      assert.match(cliHint(e) ?? '', flag);
      return true;
    });
  }
});

test('no refusal raised by a core or a store format names a command-line flag', async () => {
  const { readdir, readFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const here = new URL('../../../src/', import.meta.url).pathname;
  const offenders: string[] = [];
  for (const dir of ['pki', 'renewal', 'access', 'truststore', 'sender', 'files']) {
    for (const f of await readdir(join(here, dir), { recursive: true })) {
      if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
      const text = await readFile(join(here, dir, f), 'utf8');
      // Each `fail(CODE, message…)` call, up to the end of its statement.
      for (const m of text.matchAll(/\bfail\(\s*'[A-Z_]+',[\s\S]*?\);/g)) {
        if (/[\s`'"(]--[a-z]/.test(m[0])) offenders.push(`${dir}/${f}: ${m[0].slice(0, 80)}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});
